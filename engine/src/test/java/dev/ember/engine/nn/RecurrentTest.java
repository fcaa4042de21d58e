package dev.ember.engine.nn;

import dev.ember.engine.DType;
import dev.ember.engine.Generator;
import dev.ember.engine.Storage;
import dev.ember.engine.Tensor;
import dev.ember.engine.autograd.GradCheck;
import dev.ember.engine.autograd.GradMode;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * RNN, LSTM and GRU beyond {@link RecurrentLayersTest}: given initial states, relu, no bias, two bidirectional
 * layers, unbatched LSTM states, eval-mode dropout, gradients through the initial states, and errors.
 * Expected values come from PyTorch 1.13 (float64) with the weights and inputs below.
 */
class RecurrentTest {
    /** Every parameter p = torch.linspace(-0.5, 0.5, p.numel()).reshape(p.shape), as in the PyTorch script. */
    private static <M extends RNNBase> M linspaceWeights(M m) {
        m.to(DType.FLOAT64);
        try (var g = GradMode.noGrad()) {
            for (String name : m.namedParameters().keySet()) {
                Parameter p = m.parameter(name);
                int n = p.numel();
                double[] v = new double[n];
                for (int i = 0; i < n; i++) v[i] = -0.5 + (double) i / (n - 1);
                p.copy_(Tensor.of(v, DType.FLOAT64).reshape(p.shape()));
            }
        }
        return m;
    }

    /** torch.sin(torch.arange(n) * 0.7).reshape(shape). */
    private static Tensor input(int... shape) {
        double[] v = new double[numel(shape)];
        for (int i = 0; i < v.length; i++) v[i] = Math.sin(i * 0.7);
        return Tensor.of(v, DType.FLOAT64).reshape(shape);
    }

    /** (torch.cos(torch.arange(n) * 0.3) * 0.5).reshape(shape), the initial states. */
    private static Tensor state(int... shape) {
        double[] v = new double[numel(shape)];
        for (int i = 0; i < v.length; i++) v[i] = Math.cos(i * 0.3) * 0.5;
        return Tensor.of(v, DType.FLOAT64).reshape(shape);
    }

    private static int numel(int[] shape) {
        int n = 1;
        for (int s : shape) n *= s;
        return n;
    }

    private static void assertClose(double[] expected, Tensor actual, String what) {
        assertArrayEquals(expected, actual.toDoubleArray(), 1e-9, what);
    }

    @Test void parameterNamesAndShapesArePyTorchs() {
        // torch.nn.LSTM(4, 3, bias=False, bidirectional=True).named_parameters()
        Map<String, Parameter> lstm = new LSTM(4, 3, 1, false, true, 0, true).namedParameters();
        assertEquals(List.of("weight_ih_l0", "weight_hh_l0", "weight_ih_l0_reverse", "weight_hh_l0_reverse"), List.copyOf(lstm.keySet()));
        assertArrayEquals(new int[]{12, 4}, lstm.get("weight_ih_l0").shape(), "LSTM: 4 gates * hidden rows");
        assertArrayEquals(new int[]{12, 3}, lstm.get("weight_hh_l0_reverse").shape());

        // torch.nn.GRU(4, 3, num_layers=2, bidirectional=True): layer 1 reads hidden * 2 directions = 6 features.
        Map<String, Parameter> gru = new GRU(4, 3, 2, true, true, 0, true).namedParameters();
        List<String> names = new ArrayList<>();
        for (String layer : List.of("_l0", "_l0_reverse", "_l1", "_l1_reverse")) {
            for (String kind : List.of("weight_ih", "weight_hh", "bias_ih", "bias_hh")) names.add(kind + layer);
        }
        assertEquals(names, List.copyOf(gru.keySet()));
        assertArrayEquals(new int[]{9, 6}, gru.get("weight_ih_l1_reverse").shape());
        assertArrayEquals(new int[]{9}, gru.get("bias_hh_l1").shape());

        Map<String, Parameter> rnn = new RNN(5, 7, 3, "relu", true, false, 0, false).namedParameters();
        assertEquals(12, rnn.size());
        assertArrayEquals(new int[]{7, 5}, rnn.get("weight_ih_l0").shape());
        assertArrayEquals(new int[]{7, 7}, rnn.get("weight_ih_l2").shape());

        // PyTorch's init: U(-1/sqrt(hidden), 1/sqrt(hidden)) for every parameter.
        double bound = 1 / Math.sqrt(7);
        for (Parameter p : rnn.values()) {
            for (double v : p.toDoubleArray()) assertTrue(Math.abs(v) <= bound, "init " + v + " outside +-" + bound);
        }
    }

    @Test void twoLayerReluRnnWithInitialStateMatchesPyTorch() {
        // m = nn.RNN(4, 3, num_layers=2, nonlinearity='relu').double(); o, h = m(x[3, 2, 4], h0[2, 2, 3])
        RNN rnn = linspaceWeights(new RNN(4, 3, 2, "relu", true, false, 0, false));
        RNNBase.Output out = rnn.forward(input(3, 2, 4), new Tensor[]{state(2, 2, 3)});
        assertArrayEquals(new int[]{3, 2, 3}, out.output().shape());
        assertClose(new double[]{0.0, 0.2868856561591716, 2.013547341330184, 0.0, 0.02979557567434868, 0.5945316563284133,
                0.0, 0.6199041958581266, 3.8004626867816915, 0.0, 0.18006912844263556, 1.731449854648423,
                0.0, 0.8019861203306037, 4.6739080960258494, 0.0, 0.44770838695322074, 2.858359470978871}, out.output(), "output");
        assertClose(new double[]{0.0, 0.6226654433510321, 2.615426275863138, 0.0, 0.0, 1.850217240977343,
                0.0, 0.8019861203306037, 4.6739080960258494, 0.0, 0.44770838695322074, 2.858359470978871}, out.hN(), "h_n");
    }

    @Test void bidirectionalBatchFirstLstmWithoutBiasAndGivenStatesMatchesPyTorch() {
        // m = nn.LSTM(4, 3, bias=False, batch_first=True, bidirectional=True).double(); m(x[2, 3, 4], (h0, -h0))
        LSTM lstm = linspaceWeights(new LSTM(4, 3, 1, false, true, 0, true));
        RNNBase.Output out = lstm.forward(input(2, 3, 4), new Tensor[]{state(2, 2, 3), state(2, 2, 3).neg()});
        assertArrayEquals(new int[]{2, 3, 6}, out.output().shape());
        assertClose(new double[]{-0.09732759615147177, -0.0762692053801153, -0.019637976212674615, 0.015859513367981415, 0.048501165409937944, 0.08967854888801927,
                -0.05768370462510903, -0.07540535296408986, -0.07742318085325124, -0.009550192571400247, -0.021922966577848337, -0.030977843803946727,
                -0.023974131747096828, -0.032001664620481464, -0.02903830340188047, 0.04632127718049622, 0.0909249646595778, 0.13040585377022962,
                -0.08407832665651123, -0.047236114118686355, -0.0025476438998793256, 0.01629848809505571, 0.015649193700088083, 0.01250612911959642,
                -0.03598497251063011, -0.038232807753682506, -0.0373920874308718, 0.06035408138214405, 0.05408076250722845, 0.04339818197282598,
                -0.016259827515882598, 0.008665048618270393, 0.04229076873505418, 0.09867038414947188, 0.11728259695007509, 0.1260035729749062}, out.output(), "output");
        assertClose(new double[]{-0.023974131747096828, -0.032001664620481464, -0.02903830340188047, -0.016259827515882598, 0.008665048618270393, 0.04229076873505418,
                0.015859513367981415, 0.048501165409937944, 0.08967854888801927, 0.01629848809505571, 0.015649193700088083, 0.01250612911959642}, out.hN(), "h_n");
        assertClose(new double[]{-0.04172696468599532, -0.054126642660035085, -0.04775489118865672, -0.02673417417644796, 0.01351559437451643, 0.06295119202424146,
                0.023322422511792652, 0.067150437760062, 0.11811361686863775, 0.0332297462830755, 0.03178578309634253, 0.025304107128323}, out.cN(), "c_n");
    }

    @Test void twoLayerBidirectionalGruMatchesPyTorch() {
        // m = nn.GRU(4, 3, num_layers=2, batch_first=True, bidirectional=True).double(); m(x[2, 3, 4])
        GRU gru = linspaceWeights(new GRU(4, 3, 2, true, true, 0, true));
        RNNBase.Output out = gru.forward(input(2, 3, 4), null);
        assertClose(new double[]{0.4447304189937819, 0.43406122194963837, 0.3469950905743312, 0.6222161220253627, 0.7123115672347982, 0.671832866228797,
                0.4636152174536259, 0.5566000410607345, 0.5313715128197356, 0.45009278197202757, 0.5485001791796316, 0.5338731663056147,
                0.5934349174183083, 0.7009384843079582, 0.6696286358407231, 0.40901312019607516, 0.4183580407768962, 0.3508675103860066,
                0.36300840824105085, 0.3874935780578222, 0.3447012603603915, 0.5906694072406142, 0.7109114056104009, 0.6757455365982277,
                0.5301073851268819, 0.5988401971911876, 0.5489764559065857, 0.5581020654056237, 0.6224382987486548, 0.5508974700834861,
                0.6419230929370265, 0.7355065290385194, 0.6815284878325978, 0.43891478194049044, 0.43336334064531606, 0.3494931054723509}, out.output(), "output");
        assertArrayEquals(new int[]{4, 2, 3}, out.hN().shape(), "h_n: layers * directions first, even with batch_first");
        assertClose(new double[]{0.38773030952696796, 0.445673224890831, 0.43426780765603173, 0.42528072433435093, 0.5225370133305207, 0.5444568506917823,
                0.4853922758292958, 0.49673950793085947, 0.4349896342088485, 0.2574684884919593, 0.399968147915594, 0.49596604922221826,
                0.5934349174183083, 0.7009384843079582, 0.6696286358407231, 0.6419230929370265, 0.7355065290385194, 0.6815284878325978,
                0.6222161220253627, 0.7123115672347982, 0.671832866228797, 0.5906694072406142, 0.7109114056104009, 0.6757455365982277}, out.hN(), "h_n");
        assertClose(out.output().toDoubleArray(), gru.forward(input(2, 3, 4)), "forward(Tensor) is the output sequence");
    }

    @Test void unbatchedLstmWithTwoDimensionalStatesMatchesPyTorch() {
        // m = nn.LSTM(4, 3).double(); m(x[3, 4], (h0[1, 3], h0[1, 3]))
        LSTM lstm = linspaceWeights(new LSTM(4, 3));
        RNNBase.Output out = lstm.forward(input(3, 4), new Tensor[]{state(1, 3), state(1, 3)});
        assertArrayEquals(new int[]{3, 3}, out.output().shape());
        assertArrayEquals(new int[]{1, 3}, out.cN().shape());
        assertClose(new double[]{0.10878463234098548, 0.19370536680510866, 0.2832129043978218, 0.02982191815266695, 0.07204463004791731,
                0.12043485458936784, 0.04059324367190424, 0.12206374276568437, 0.23044688711530828}, out.output(), "output");
        assertClose(new double[]{0.04059324367190424, 0.12206374276568437, 0.23044688711530828}, out.hN(), "h_n");
        assertClose(new double[]{0.054555056990643704, 0.15462118720682216, 0.2820245029706031}, out.cN(), "c_n");
    }

    @Test void dropoutActsBetweenLayersInTrainingOnly() {
        LSTM lstm = linspaceWeights(new LSTM(4, 3, 2, true, false, 0.9, false));
        Tensor x = input(5, 2, 4);
        lstm.eval();
        Tensor a = lstm.forward(x), b = lstm.forward(x);
        assertArrayEquals(a.toDoubleArray(), b.toDoubleArray(), "eval: no dropout, deterministic");
        lstm.train();
        Tensor.manualSeed(1);
        Tensor c = lstm.forward(x);
        assertTrue(!java.util.Arrays.equals(a.toDoubleArray(), c.toDoubleArray()), "training: dropout 0.9 between the layers changes the output");
        assertEquals("LSTM(4, 3, num_layers=2, dropout=0.9)", lstm.toString());
    }

    @Test void gradcheckEachCellThroughInputsStatesAndWeights() {
        Generator gen = new Generator(8);
        // RNN tanh, 2 layers: gradients reach the input, h0 and a second-layer weight.
        RNN rnn = new RNN(3, 2, 2, "tanh", true, false, 0, false);
        rnn.to(DType.FLOAT64);
        Tensor x = Tensor.randn(new int[]{3, 2, 3}, DType.FLOAT64, gen).requiresGrad_();
        Tensor h0 = Tensor.randn(new int[]{2, 2, 2}, DType.FLOAT64, gen).requiresGrad_();
        GradCheck.check(in -> {
            RNNBase.Output o = rnn.forward(in[0], new Tensor[]{in[1]});
            return o.output().pow(2).sum().add(o.hN().sum());
        }, x, h0, rnn.parameter("weight_ih_l1"));

        // LSTM, bidirectional batch-first: through h0, c0 and the reverse direction's bias.
        LSTM lstm = new LSTM(3, 2, 1, true, true, 0, true);
        lstm.to(DType.FLOAT64);
        Tensor xb = Tensor.randn(new int[]{2, 3, 3}, DType.FLOAT64, gen).requiresGrad_();
        Tensor hc = Tensor.randn(new int[]{2, 2, 2}, DType.FLOAT64, gen).requiresGrad_();
        Tensor cc = Tensor.randn(new int[]{2, 2, 2}, DType.FLOAT64, gen).requiresGrad_();
        GradCheck.check(in -> {
            RNNBase.Output o = lstm.forward(in[0], new Tensor[]{in[1], in[2]});
            return o.output().sum().add(o.cN().pow(2).sum());
        }, xb, hc, cc, lstm.parameter("bias_hh_l0_reverse"));

        // GRU, unbatched, without bias.
        GRU gru = new GRU(3, 2, 1, false, false, 0, false);
        gru.to(DType.FLOAT64);
        Tensor xu = Tensor.randn(new int[]{4, 3}, DType.FLOAT64, gen).requiresGrad_();
        GradCheck.check(in -> gru.forward(in[0], null).output().pow(2).sum(), xu, gru.parameter("weight_hh_l0"), gru.parameter("weight_ih_l0"));
    }

    @Test void twoLayerLstmGradientsMatchPyTorch() {
        // m = nn.LSTM(4, 3, num_layers=2).double(); o, (h, c) = m(x[5, 2, 4], (h0[2, 2, 3], -h0)); (o.pow(2).sum() + c.sum()).backward()
        LSTM lstm = linspaceWeights(new LSTM(4, 3, 2, true, false, 0, false));
        Tensor x = input(5, 2, 4).requiresGrad_(), h0 = state(2, 2, 3).requiresGrad_(), c0 = state(2, 2, 3).neg().requiresGrad_();
        RNNBase.Output out = lstm.forward(x, new Tensor[]{h0, c0});
        Tensor loss = out.output().pow(2).sum().add(out.cN().sum());
        assertEquals(2.073192593542724, loss.item(), 1e-12);
        loss.backward();
        assertClose(new double[]{-0.004050199255227126, -0.00389495921996491, -0.0037397191847026905, -0.003584479149440473, 0.0116740201793632,
                0.013613273608992874, 0.015552527038622544, 0.017491780468252213, -0.0038597239604483773, 0.0005758756455986822, 0.005011475251645747,
                0.009447074857692821, 0.005184261259718008, 0.00673580168659573, 0.00828734211347345, 0.009838882540351172, 0.021775160893520135,
                0.034007479719585704, 0.04623979854565126, 0.05847211737171682, -0.005486265375873182, -0.0035156319211502142, -0.0015449984664272468,
                0.0004256349882957201, 0.09097781822308683, 0.11447064704694855, 0.13796347587081026, 0.16145630469467198, -0.022775462229186482,
                -0.01892201870210788, -0.015068575175029287, -0.011215131647950684, 0.17422453476943864, 0.2099769953256169, 0.24572945588179512,
                0.2814819164379734, -0.06638174480339497, -0.054887135630592374, -0.04339252645778977, -0.031897917284987226}, x.grad(), "x.grad");
        assertClose(new double[]{-0.004053071101131163, -0.0038446059109218983, -0.0036361407207126367, 0.012082923577760776, 0.014687063897549191,
                0.017291204217337604, 0.0445909872282833, 0.05953904127411129, 0.07448709531993929, 0.05950361459569072, 0.07943475017890926,
                0.09936588576212782}, h0.grad(), "h0.grad");
        assertClose(new double[]{0.02330991368312676, 0.05241395434620403, 0.10195131837525263, 0.017407713619536958, 0.0332651990937315,
                0.05920257233469053, 0.04183885038358101, 0.1360794273203019, 0.2792031373126345, 0.0899752040950329, 0.16352471408869057,
                0.2718206357199495}, c0.grad(), "c0.grad");
        assertClose(new double[]{0.0005398397477993826, 0.0027841522409563367, 0.00665190167505437, 0.0035631911105457248, 0.010894477841804237,
                0.02363155212590466, 0.009998911199103568, 0.025111912767473158, 0.050969239675951426, -0.004616709955982938, -0.003234475866124544,
                -0.0012096180919889924, -0.007643897711843092, -0.0030400069367448775, 0.00423057129095735, -0.00931770299313125, 0.0012077662072399568,
                0.018219450394526163, 0.026535898261901926, 0.0651028596151471, 0.1216130619631733, 0.03020695860151022, 0.07071625700526286,
                0.13113085235974276, 0.034312468285113334, 0.07394966156250972, 0.1338609404269658, -0.00090587546710278, -0.0004607123331949731,
                9.403929660211567e-05, -0.0005764344557068442, 6.439855317056943e-05, 0.000968975243988584, 0.0001825353955347287, 0.0012046663899530467,
                0.0028086924903884063}, lstm.parameter("weight_hh_l0").grad(), "weight_hh_l0.grad");
        assertClose(new double[]{0.000695122463808142, 0.004048780306955335, 0.009716259666302374, 0.0022624540789765732, 0.01875191589896197,
                0.04603115187832505, 0.004055970746128308, 0.04647312514624597, 0.11574815902954938, -0.0016710064100611953, 0.001683652565780356,
                0.006916407310016351, -0.0030888895696196688, 0.009221280988943635, 0.029213767214055313, -0.0043490414422653065, 0.025961320058408018,
                0.07570088984303118, -0.001007623958402095, 0.03396067944997984, 0.09264802238500462, -0.009165148404447132, 0.05101961199821133,
                0.15103137177398449, -0.02273932283688932, 0.06585515667206641, 0.21239818444481154, -0.001232837929939041, -0.00022700673275286416,
                0.0011989646157332461, -0.002121463007430929, 0.001953234736642496, 0.008379789880531258, -0.0025459172151728548, 0.008105966523395954,
                0.025393464460786785}, lstm.parameter("weight_ih_l1").grad(), "weight_ih_l1.grad");
        assertClose(new double[]{0.07899603666809188, 0.3739900432050276, 0.9385818092949699, 0.07599658921078344, 0.2891979786136759,
                0.7139550323321431, 0.9057589920158411, 1.5183600207718349, 2.2270638057416026, 0.023267702277335343, 0.09598491860946415,
                0.2518082162667017}, lstm.parameter("bias_hh_l1").grad(), "bias_hh_l1.grad");
    }

    @Test void doubleBackwardThroughTimeStaysDifferentiable() {
        // createGraph takes the plain slice backward: the gradient w.r.t. the input is itself gradchecked.
        LSTM lstm = new LSTM(2, 2);
        lstm.to(DType.FLOAT64);
        Tensor x = Tensor.randn(new int[]{3, 1, 2}, DType.FLOAT64, new Generator(5)).requiresGrad_();
        GradCheck.check(in -> {
            try (var mode = GradMode.enableGrad()) { // finite differences run without grad; this needs a graph
                Tensor y = lstm.forward(in[0]).pow(2).sum();
                return dev.ember.engine.autograd.Backward.grad(new Tensor[]{y}, null, new Tensor[]{in[0]}, true, true, false)[0];
            }
        }, x);
    }

    /** Elements allocated by backward of output.sum() over a random sequence of this many steps. */
    private static long backwardElements(RNNBase m, int steps) {
        int[] shape = m.batchFirst ? new int[]{4, steps, m.inputSize} : new int[]{steps, 4, m.inputSize};
        Tensor loss = m.forward(Tensor.randn(shape, DType.FLOAT32, new Generator(steps)).requiresGrad_()).sum();
        long before = Storage.allocatedElements();
        loss.backward();
        return Storage.allocatedElements() - before;
    }

    @Test void backwardMemoryIsLinearInSequenceLength() {
        // Wide inputs, small hidden: if each step's slice got a full-size [T, ...] gradient again (O(T^2)),
        // that would dominate and 4x the steps would cost about 13x the memory instead of 4x.
        for (RNNBase m : new RNNBase[]{new LSTM(16, 4, 1, true, true, 0, true), new GRU(16, 4, 2, true, false, 0, false), new RNN(16, 4)}) {
            long short_ = backwardElements(m, 32), long_ = backwardElements(m, 128);
            assertTrue(long_ < 5 * short_, m + ": backward allocated " + short_ + " elements for 32 steps but " + long_ + " for 128");
        }
    }

    @Test void errorsNameTheSizes() {
        GRU gru = new GRU(4, 3, 2, true, false, 0, false);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> gru.forward(Tensor.zeros(5, 2, 6)));
        assertTrue(e.getMessage().contains("GRU") && e.getMessage().contains("Expected 4, got 6"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> gru.forward(Tensor.zeros(5)));
        assertTrue(e.getMessage().contains("[5]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> gru.forward(Tensor.zeros(5, 2, 4), new Tensor[]{Tensor.zeros(1, 2, 3)}));
        assertTrue(e.getMessage().contains("[2, 2, 3]") && e.getMessage().contains("[1, 2, 3]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new LSTM(4, 3).forward(Tensor.zeros(5, 2, 4), new Tensor[]{Tensor.zeros(1, 2, 3)}));
        assertTrue(e.getMessage().contains("expects 2 initial state") && e.getMessage().contains("got 1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new RNN(4, 3, 1, "sigmoid", true, false, 0, false));
        assertTrue(e.getMessage().contains("'sigmoid'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new LSTM(0, 3));
        assertTrue(e.getMessage().contains("input_size=0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new GRU(4, 3, 1, true, false, 1.5, false));
        assertTrue(e.getMessage().contains("1.5"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> gru.parameter("weight_ih_l2"));
        assertTrue(e.getMessage().contains("weight_ih_l2") && e.getMessage().contains("weight_ih_l1"), e.getMessage());
    }
}
