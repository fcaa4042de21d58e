package dev.ember.engine.nn;

import dev.ember.engine.DType;
import dev.ember.engine.Generator;
import dev.ember.engine.Tensor;
import dev.ember.engine.autograd.GradCheck;
import dev.ember.engine.autograd.GradMode;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** RNN, LSTM and GRU against PyTorch 1.13 (values pasted from torch with the same weights and inputs). */
class RecurrentLayersTest {
    /** The weights the PyTorch script set: ((arange(n) * 0.37 % 1) - 0.5) * 0.8, reshaped, in parameter order. */
    private static void setWeights(Module m) {
        try (var g = GradMode.noGrad()) {
            for (Parameter p : m.namedParameters().values()) {
                int n = p.numel();
                double[] v = new double[n];
                for (int i = 0; i < n; i++) v[i] = ((i * 0.37) % 1.0 - 0.5) * 0.8;
                p.copy_(Tensor.of(v, DType.FLOAT64).reshape(p.shape()));
            }
        }
    }

    /** (arange(24).reshape(3, 2, 4) * 0.13 % 1) - 0.4, as in the PyTorch script. */
    private static Tensor input() {
        double[] v = new double[24];
        for (int i = 0; i < 24; i++) v[i] = (i * 0.13) % 1.0 - 0.4;
        return Tensor.of(v, DType.FLOAT64).reshape(3, 2, 4);
    }

    private static void assertClose(double[] expected, Tensor actual) {
        assertArrayEquals(expected, actual.toDoubleArray(), 1e-9);
    }

    @Test void parameterNamesAndShapesArePyTorchs() {
        GRU gru = new GRU(4, 3, 1, true, false, 0, true);
        Map<String, Parameter> p = gru.namedParameters();
        assertEquals(List.of("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0",
                "weight_ih_l0_reverse", "weight_hh_l0_reverse", "bias_ih_l0_reverse", "bias_hh_l0_reverse"), List.copyOf(p.keySet()));
        assertArrayEquals(new int[]{9, 4}, p.get("weight_ih_l0").shape());
        assertArrayEquals(new int[]{9, 3}, p.get("weight_hh_l0_reverse").shape());
        LSTM lstm = new LSTM(4, 3, 2, true, false, 0, true);
        assertArrayEquals(new int[]{12, 6}, lstm.parameter("weight_ih_l1").shape(), "layer 1 reads both directions of layer 0");
    }

    @Test void lstmTwoLayersBatchFirstMatchesPyTorch() {
        LSTM lstm = new LSTM(4, 3, 2, true, true, 0, false);
        lstm.to(DType.FLOAT64);
        setWeights(lstm);
        RNNBase.Output out = lstm.forward(input(), null);
        assertArrayEquals(new int[]{3, 2, 3}, out.output().shape());
        assertClose(new double[]{-0.06131186488083445, 0.03144467096176901, 0.12457109034331044, -0.08663215907952602, 0.045723194072616526, 0.2018547452767841,
                -0.061178880323235735, 0.03184974046647604, 0.12467000966318566, -0.08637464568008424, 0.04644908956751315, 0.20188904999330268,
                -0.061043004482912416, 0.03225208020367834, 0.12476235361182128, -0.08611348116410825, 0.04716757219399111, 0.20191212493428395}, out.output());
        assertClose(new double[]{-0.05118225681812165, 0.026793706472485853, 0.1707528672352633, -0.04647452488312478, 0.022902101288151903, 0.17020092359216904,
                -0.04191405575584464, 0.018954779055151586, 0.16952735878791905, -0.08663215907952602, 0.045723194072616526, 0.2018547452767841,
                -0.08637464568008424, 0.04644908956751315, 0.20188904999330268, -0.08611348116410825, 0.04716757219399111, 0.20191212493428395}, out.hN());
        assertClose(new double[]{-0.13037347837841728, 0.04281072936714393, 0.624201863397823, -0.11927102561142583, 0.036420499089055425, 0.6339792276019027,
                -0.1083939950391036, 0.030003092316544425, 0.6434737869217368, -0.20265158689908125, 0.0754632390542065, 0.6217863504332357,
                -0.20177362247589664, 0.07671403002429322, 0.6226839021428301, -0.20089792257340433, 0.07795394804743871, 0.6235476783349366}, out.cN());
    }

    @Test void bidirectionalGruMatchesPyTorch() {
        GRU gru = new GRU(4, 3, 1, true, false, 0, true);
        gru.to(DType.FLOAT64);
        setWeights(gru);
        RNNBase.Output out = gru.forward(input(), null);
        assertArrayEquals(new int[]{3, 2, 6}, out.output().shape());
        assertClose(new double[]{-0.240872624614615, 0.07619920430407766, 0.1711765963303909, -0.37748909555883037, 0.09522330831903078, 0.34626970500624343,
                -0.04134815448730092, 0.0018173589974588675, 0.24220167950840155, -0.06379070718422573, -0.0003669197841259129, 0.5106588067648987,
                -0.3293124505449367, 0.08935261186581862, 0.27826970269275075, -0.31811144048411405, 0.08664142839168003, 0.2879198000666183,
                -0.046056389708681256, -0.004560470364139386, 0.4049364468367571, -0.03371639624708813, -0.007032588319894393, 0.41304564530331667,
                -0.35283511508258636, 0.08385767291876992, 0.3505547952982433, -0.2122763082999119, 0.06506501674912062, 0.18278225565461959,
                -0.03391972594579372, -0.012572778413686522, 0.5138981953386846, -0.008896027999401382, -0.009962789186500403, 0.25213494169461925}, out.output());
        assertClose(new double[]{-0.35283511508258636, 0.08385767291876992, 0.3505547952982433, -0.03391972594579372, -0.012572778413686522, 0.5138981953386846,
                -0.37748909555883037, 0.09522330831903078, 0.34626970500624343, -0.06379070718422573, -0.0003669197841259129, 0.5106588067648987}, out.hN());
    }

    @Test void unbatchedRnnMatchesPyTorch() {
        RNN rnn = new RNN(4, 3);
        rnn.to(DType.FLOAT64);
        setWeights(rnn);
        RNNBase.Output out = rnn.forward(input().select(1, 0), null);
        assertClose(new double[]{-0.5619509371881113, -0.24168229738685784, 0.24920031855909927, -0.3477467121648936, 0.006891589251266968,
                0.42735942267490845, -0.43428448645138945, -0.009552362324229636, 0.45743263745492296}, out.output());
        assertClose(new double[]{-0.43428448645138945, -0.009552362324229636, 0.45743263745492296}, out.hN());
    }

    @Test void gradientsOfEveryCellPassGradcheck() {
        Generator gen = new Generator(3);
        for (RNNBase m : new RNNBase[]{new RNN(3, 2), new LSTM(3, 2, 2, true, false, 0, false), new GRU(3, 2, 1, true, true, 0, true)}) {
            m.to(DType.FLOAT64);
            Tensor x = Tensor.randn(new int[]{2, 2, 3}, DType.FLOAT64, gen).requiresGrad_();
            Tensor w = m.parameter("weight_hh_l0");
            GradCheck.check(in -> m.forward(in[0], null).output().sum().add(m.forward(in[0], null).hN().pow(2).sum()), x, w);
        }
    }

    @Test void wrongInputSizeNamesBothSizes() {
        LSTM lstm = new LSTM(4, 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> lstm.forward(Tensor.zeros(5, 2, 7)));
        assertTrue(e.getMessage().contains("Expected 4, got 7"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> lstm.forward(Tensor.zeros(5, 2, 4), new Tensor[]{Tensor.zeros(2, 2, 3), Tensor.zeros(1, 2, 3)}));
    }

    @Test void builtFromAJsonSpec() {
        Module m = dev.ember.engine.nn.spec.ModelSpec.parse("{\"layers\": [{\"type\": \"LSTM\", \"input_size\": 4, \"hidden_size\": 3, \"num_layers\": 2, \"batch_first\": true},"
                + " {\"type\": \"GRU\", \"input_size\": 3, \"hidden_size\": 2, \"bidirectional\": true}, {\"type\": \"RNN\", \"input_size\": 4, \"hidden_size\": 5, \"nonlinearity\": \"relu\"}]}").build();
        assertTrue(m.namedParameters().containsKey("0.weight_ih_l1"));
        assertTrue(m.namedParameters().containsKey("1.bias_hh_l0_reverse"));
        assertEquals("relu", ((RNN) ((Sequential) m).get(2)).nonlinearity);
        assertArrayEquals(new int[]{5, 2, 4}, ((Sequential) m).get(1).forward(((Sequential) m).get(0).forward(Tensor.zeros(5, 2, 4))).shape());
    }

    @Test void printsLikePyTorch() {
        assertEquals("LSTM(10, 20, num_layers=2, batch_first=True)", new LSTM(10, 20, 2, true, true, 0, false).toString());
    }
}
