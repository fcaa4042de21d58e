package dev.ember.engine.nn;

import dev.ember.engine.DType;
import dev.ember.engine.Tensor;
import dev.ember.engine.autograd.GradCheck;
import dev.ember.engine.ops.Special;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.ember.engine.nn.NormalizationTest.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Activation layers, erf and Bilinear. Expected values come from PyTorch 1.13 (float64 unless noted) on the same inputs. */
class ActivationsTest {
    static final double[] XS = {-30, -3, -1.5, -0.5, -1e-3, 0, 0.25, 1, 2.5, 30};

    static Tensor x64() { return Tensor.of(XS, DType.FLOAT64); }

    /** Points away from the kinks (0, softplus thresholds) so finite differences are valid. */
    static Tensor gradPoints() { return Tensor.of(new double[]{-3, -1.5, -0.5, -0.01, 0.25, 1, 2.5, 4}, DType.FLOAT64).requiresGrad_(); }

    @Test void leakyReluAndElu() {
        assertClose(new double[]{-0.3, -0.03, -0.015, -0.005, -1e-05, 0.0, 0.25, 1.0, 2.5, 30.0}, new LeakyReLU().forward(x64()), 1e-15);
        assertClose(new double[]{-6.0, -0.6, -0.3, -0.1, -0.0002, 0.0, 0.25, 1.0, 2.5, 30.0}, new LeakyReLU(0.2).forward(x64()), 1e-15);
        assertClose(new double[]{-0.9999999999999064, -0.950212931632136, -0.7768698398515702, -0.3934693402873666, -0.000999500166624978, 0.0, 0.25, 1.0, 2.5, 30.0},
                new ELU().forward(x64()), 1e-12);
        assertClose(new double[]{-0.4999999999999532, -0.475106465816068, -0.3884349199257851, -0.1967346701436833, -0.000499750083312489, 0.0, 0.25, 1.0, 2.5, 30.0},
                F.elu(x64(), 0.5), 1e-12);
        // float32 goes through the float lane with the same results to float precision.
        assertClose(new double[]{-0.9999999999999064, -0.950212931632136, -0.7768698398515702, -0.3934693402873666, -0.000999500166624978, 0.0, 0.25, 1.0, 2.5, 30.0},
                new ELU().forward(x64().toFloat()), 1e-6);
    }

    @Test void eluDoesNotOverflowForLargeInputs() {
        Tensor x = Tensor.tensor(100f, 1000f).requiresGrad_();
        Tensor y = F.elu(x, 1.0);
        y.sum().backward();
        assertClose(new double[]{100, 1000}, y, 0);
        assertClose(new double[]{1, 1}, x.grad(), 0);
    }

    @Test void geluExactAndTanh() {
        assertClose(new double[]{-0.0, -0.00404969409489031, -0.10021080190328704, -0.15426876936299344, -0.000499601057786089, 0.0, 0.14967658142073093,
                0.841344746068543, 2.4844758366855597, 30.0}, new GELU().forward(x64()), 1e-14);
        assertClose(new double[]{-0.0, -0.0036373920817729943, -0.10042842301976707, -0.15428599017485606, -0.000499601057786418, 0.0, 0.149675350701685,
                0.8411919906082768, 2.484915733910001, 30.0}, new GELU("tanh").forward(x64()), 1e-14);
        assertClose(new double[]{-0.0, -0.00404969409489031, -0.10021080190328704, -0.15426876936299344, -0.000499601057786089, 0.0, 0.14967658142073093,
                0.841344746068543, 2.4844758366855597, 30.0}, F.gelu(x64().toFloat()), 1e-6);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new GELU("fast"));
        assertTrue(e.getMessage().contains("'fast'"), e.getMessage());
    }

    @Test void softplusSigmoidTanh() {
        assertClose(new double[]{9.357622968839737e-14, 0.04858735157374206, 0.2014132779827524, 0.4740769841801067, 0.6926473055599401, 0.6931471805599453,
                0.8259394198788436, 1.3132616875182228, 2.5788897342925496, 30.0}, new Softplus().forward(x64()), 1e-13);
        assertClose(new double[]{4.37825538134826e-27, 0.0012378425688652247, 0.02429367578687103, 0.15663084375911143, 0.346073840279931, 0.34657359027997264,
                0.48703849209005334, 1.0634640055214863, 2.503357674244559, 30.0}, new Softplus(2, 5).forward(x64()), 1e-13);
        assertClose(new double[]{9.357622968839299e-14, 0.04742587317756678, 0.18242552380635635, 0.3775406687981454, 0.4997500000208333, 0.5, 0.5621765008857981,
                0.7310585786300049, 0.9241418199787566, 0.9999999999999065}, new Sigmoid().forward(x64()), 1e-15);
        assertClose(new double[]{-1.0, -0.9950547536867305, -0.9051482536448664, -0.46211715726000974, -0.0009999996666668, 0.0, 0.24491866240370913,
                0.7615941559557649, 0.9866142981514303, 1.0}, new Tanh().forward(x64()), 1e-15);
        assertClose(new double[]{0, 0, 0, 0, 0, 0, 0.25, 1, 2.5, 30}, new ReLU().forward(x64()), 0);
    }

    @Test void softmaxAndLogSoftmax() {
        Tensor x = Tensor.of(new double[][]{{1, 2, 3}, {-1, 0, 4}}, DType.FLOAT64);
        assertClose(new double[]{0.09003057317038045, 0.2447284710547976, 0.6652409557748218, 0.006573263185309083, 0.0178679818703045, 0.9755587549443865},
                new Softmax(1).forward(x), 1e-15);
        assertClose(new double[]{-0.1269280110429726, -0.1269280110429726, -1.3132616875182228, -2.1269280110429727, -2.1269280110429727, -0.31326168751822286},
                new LogSoftmax(0).forward(x), 1e-14);
    }

    @Test void erfIsAccurateToDoublePrecision() {
        double[] x = {-7, -3, -1.1, -0.5, -1e-10, 0, 1e-5, 0.3, 0.84375, 1.0, 1.24, 1.3, 2.0, 2.8, 3.5, 5.9, 6.5};
        double[] expected = {-1.0, -0.9999779095030014, -0.8802050695740817, -0.5204998778130465, -1.1283791670955126e-10, 0.0, 1.1283791670579e-05,
                0.3286267594591274, 0.7672256612323417, 0.8427007929497149, 0.9205051842990297, 0.9340079449406524, 0.9953222650189527,
                0.9999249868053346, 0.9999992569016276, 0.9999999999999999, 1.0}; // torch.erf, float64
        // The scalar's own bound (2e-16 relative) is checked on the kernel, in backend.cpu.ErfTest.
        assertClose(expected, Special.erf(Tensor.of(x, DType.FLOAT64)), 1e-15);
        double[] special = Special.erf(Tensor.of(new double[]{Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}, DType.FLOAT64)).toDoubleArray();
        assertTrue(Double.isNaN(special[0]));
        assertEquals(1.0, special[1]);
        assertEquals(-1.0, special[2]);
    }

    @Test void gradchecks() {
        GradCheck.check(in -> Special.erf(in[0]), gradPoints());
        GradCheck.check(in -> new ReLU().forward(in[0]), gradPoints());
        GradCheck.check(in -> new LeakyReLU(0.2).forward(in[0]), gradPoints());
        GradCheck.check(in -> new ELU(0.7).forward(in[0]), gradPoints());
        GradCheck.check(in -> new GELU().forward(in[0]), gradPoints());
        GradCheck.check(in -> new GELU("tanh").forward(in[0]), gradPoints());
        GradCheck.check(in -> new Softplus().forward(in[0]), gradPoints());
        GradCheck.check(in -> new Softplus(2, 3).forward(in[0]), gradPoints());
        GradCheck.check(in -> new Sigmoid().forward(in[0]), gradPoints());
        GradCheck.check(in -> new Tanh().forward(in[0]), gradPoints());
        Tensor m = Tensor.of(new double[][]{{1, 2, 3}, {-1, 0, 4}}, DType.FLOAT64).requiresGrad_();
        GradCheck.check(in -> new Softmax(1).forward(in[0]), m);
        GradCheck.check(in -> new LogSoftmax(0).forward(in[0]), m);
    }

    @Test void activationGradientsAtKinksFollowPyTorch() {
        // PyTorch: leaky_relu'(0) = slope, elu'(0) = alpha, relu'(0) = 0.
        Tensor z = Tensor.tensor(0f).requiresGrad_();
        F.leakyRelu(z, 0.2).sum().backward();
        assertClose(new double[]{0.2}, z.grad(), 1e-7);
        z.zeroGrad();
        F.elu(z, 0.7).sum().backward();
        assertClose(new double[]{0.7}, z.grad(), 1e-7);
    }

    static Bilinear bilinear() {
        Bilinear bl = new Bilinear(3, 2, 4);
        bl.weight.detach().copy_(Tensor.arange(0, 24, 1, DType.FLOAT32).sin().reshape(4, 3, 2));
        bl.bias.detach().copy_(Tensor.tensor(0.1f, -0.2f, 0.3f, -0.4f));
        return bl;
    }

    @Test void bilinearMatchesPyTorch() {
        Bilinear bl = bilinear();
        Tensor a = Tensor.of(new float[][]{{1, 2, 3}, {0.5f, -1, 0}}), b = Tensor.of(new float[][]{{1, -1}, {2, 0.5f}});
        assertClose(new double[]{1.4012492895126343, 1.3859846591949463, 2.044381618499756, 1.3638219833374023, -1.578787088394165, -2.4999446868896484,
                -2.437889814376831, -3.357736349105835}, bl.forward(a, b), 1e-5); // PyTorch, float32
        // Leading dims are kept: [1, 2, 3] and [1, 2, 2] give [1, 2, 4].
        assertEquals(List.of(1, 2, 4), java.util.Arrays.stream(bl.forward(a.unsqueeze(0), b.unsqueeze(0)).shape()).boxed().toList());
        assertEquals(List.of("weight", "bias"), List.copyOf(bl.stateDict().keySet()));
        assertEquals("Bilinear(in1_features=3, in2_features=2, out_features=4, bias=True)", bl.toString());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> bl.forward(a, Tensor.ones(2, 3)));
        assertTrue(e.getMessage().contains("[2, 3]"), e.getMessage());
    }

    @Test void bilinearInitBoundAndGradcheck() {
        Bilinear bl = new Bilinear(4, 3, 2);
        double bound = 1 / Math.sqrt(4);
        assertTrue(bl.weight.abs().max().item() <= bound && bl.bias.abs().max().item() <= bound);
        bl.to(DType.FLOAT64);
        Tensor a = Tensor.of(new double[][]{{1, 2, 3, -1}, {0.5, -1, 0, 2}, {0.1, 0.2, 0.3, 0.4}}, DType.FLOAT64).requiresGrad_();
        Tensor b = Tensor.of(new double[][]{{1, -1, 0.5}, {2, 0.5, -3}, {0, 1, 1}}, DType.FLOAT64).requiresGrad_();
        GradCheck.check(in -> F.bilinear(in[0], in[1], in[2], in[3]), a, b, bl.weight, bl.bias);
    }

    @Test void reprsMatchPyTorch() {
        assertEquals("LeakyReLU(negative_slope=0.01)", new LeakyReLU().toString());
        assertEquals("ELU(alpha=1.0)", new ELU().toString());
        assertEquals("GELU(approximate='none')", new GELU().toString());
        assertEquals("Softplus(beta=1, threshold=20)", new Softplus().toString());
        assertEquals("Softmax(dim=1)", new Softmax(1).toString());
        assertEquals("ReLU()", new ReLU().toString());
        assertEquals("Sigmoid()", new Sigmoid().toString());
    }
}
