package dev.ember.engine.nn;

import dev.ember.engine.DType;
import dev.ember.engine.Tensor;
import dev.ember.engine.autograd.GradCheck;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** BatchNorm1d/2d and LayerNorm. Expected values were computed with PyTorch 1.13 (CPU, float32) on the same inputs. */
class NormalizationTest {
    static void assertClose(double[] expected, Tensor actual, double tol) {
        double[] a = actual.toDoubleArray();
        assertEquals(expected.length, a.length, "number of elements");
        for (int i = 0; i < a.length; i++) assertEquals(expected[i], a[i], tol, "element " + i);
    }

    static final float[][] X1 = {{1, 2, 3}, {4, 6, 8}, {0, -1, 5}, {2, 2, 2}};
    static final float[][] X2 = {{0.5f, 1, -1}, {1.5f, -2, 4}, {3, 0, 0.25f}};

    static BatchNorm1d bn1d() {
        BatchNorm1d bn = new BatchNorm1d(3);
        bn.weight.detach().copy_(Tensor.tensor(1f, 2f, -0.5f));
        bn.bias.detach().copy_(Tensor.tensor(0f, 0.5f, 1f));
        return bn;
    }

    @Test void batchNorm1dTrainingForwardAndRunningStatsAfterTwoSteps() {
        BatchNorm1d bn = bn1d();
        assertClose(new double[]{-0.5070914030075073, 0.2989926338195801, 1.3273265361785889, 1.5212740898132324, 3.515110969543457, 0.23623812198638916,
                -1.183213233947754, -2.113096237182617, 0.8908911943435669, 0.16903042793273926, 0.2989926338195801, 1.5455442667007446}, bn.forward(Tensor.of(X1)), 1e-5);
        assertClose(new double[]{-1.1355445384979248, 2.638082981109619, 1.4902899265289307, -0.16222062706947327, -2.1726040840148926, 0.31359434127807617,
                1.2977652549743652, 1.0345207452774048, 1.1961159706115723}, bn.forward(Tensor.of(X2)), 1e-5);
        // By hand for channel 0: batch means 1.75 and 5/3, so 0.9 * (0.9 * 0 + 0.1 * 1.75) + 0.1 * 5/3 = 0.324166...
        assertClose(new double[]{0.3241666555404663, 0.1691666692495346, 0.5133333206176758}, bn.runningMean(), 1e-6);
        assertClose(new double[]{1.2308331727981567, 1.7858333587646484, 2.1170833110809326}, bn.runningVar(), 1e-5);
        assertEquals(2, bn.numBatchesTracked().itemLong());
        assertEquals(DType.INT64, bn.numBatchesTracked().dtype());
        assertEquals(0, bn.numBatchesTracked().dim());
    }

    @Test void batchNorm1dEvalUsesRunningStatsAndLeavesThemAlone() {
        BatchNorm1d bn = bn1d();
        bn.forward(Tensor.of(X1));
        bn.forward(Tensor.of(X2));
        bn.eval();
        double[] mean = bn.runningMean().toDoubleArray();
        assertClose(new double[]{0.609169602394104, 3.2400412559509277, 0.1454891562461853, 3.3132517337799072, 9.226476669311523, -1.5726960897445679,
                -0.2921910881996155, -1.2497851848602295, -0.541784942150116, 1.5105302333831787, 3.2400412559509277, 0.48912620544433594}, bn.forward(Tensor.of(X1)), 1e-5);
        assertArrayEquals(mean, bn.runningMean().toDoubleArray());
        assertEquals(2, bn.numBatchesTracked().itemLong());
        // A batch of one is fine in eval.
        assertEquals(3, bn.forward(Tensor.ones(1, 3)).numel());
    }

    @Test void batchNorm1dOnThreeDimensionalInput() {
        BatchNorm1d bn = new BatchNorm1d(2);
        Tensor x = Tensor.arange(0, 12, 1, DType.FLOAT32).reshape(2, 2, 3).pow(1.5).sub(3.0);
        assertClose(new double[]{-1.104464054107666, -0.9934124946594238, -0.7903628349304199, -1.2039114236831665, -0.9745534658432007, -0.7143980264663696,
                0.5276538729667664, 0.9522396922111511, 1.4083458185195923, 0.5796682834625244, 0.9578166604042053, 1.3553780317306519}, bn.forward(x), 1e-5);
        assertClose(new double[]{0.6945506930351257, 1.6913690567016602}, bn.runningMean(), 1e-5);
        assertClose(new double[]{10.630427360534668, 18.833393096923828}, bn.runningVar(), 1e-4);
    }

    @Test void batchNorm2dTrainEvalAndStateDict() {
        BatchNorm2d bn = new BatchNorm2d(2);
        bn.weight.detach().copy_(Tensor.tensor(1.5f, -1f));
        bn.bias.detach().copy_(Tensor.tensor(0.25f, 0f));
        Tensor x4 = Tensor.arange(0, 24, 1, DType.FLOAT32).reshape(2, 2, 2, 3).sin().mul(3.0);
        Tensor x5 = Tensor.arange(0, 24, 1, DType.FLOAT32).reshape(2, 2, 2, 3).cos().mul(2.0).add(1.0);
        assertClose(new double[]{0.1695789098739624, 1.968767523765564, 2.113790512084961, 0.4713142216205597, -1.4485760927200317, -1.8807421922683716,
                0.46657615900039673, -0.8841679692268372, -1.363608479499817, -0.5309499502182007, 0.8482652902603149, 1.5059930086135864,
                -0.9776929020881653, 1.067957878112793, 2.2876431941986084, 1.5599900484085083, -0.44600069522857666, -1.8860303163528442,
                1.1468104124069214, -0.15267129242420197, -1.253383994102478, -1.1433374881744385, 0.07629191130399704, 1.2841825485229492}, bn.forward(x4), 1e-5);
        bn.forward(x5);
        assertClose(new double[]{0.10448386520147324, 0.10854654014110565}, bn.runningMean(), 1e-5);
        assertClose(new double[]{1.4655252695083618, 1.4603514671325684}, bn.runningVar(), 1e-5);
        bn.eval();
        assertClose(new double[]{0.12053799629211426, 3.2484426498413086, 3.500566005706787, 0.6451073288917542, -2.6926379203796387, -3.443962574005127,
                0.7834745049476624, -1.5411534309387207, -2.366269588470459, -0.9332659244537354, 1.4403607845306396, 2.5723087787628174,
                -1.8740036487579346, 1.6823773384094238, 3.8028106689453125, 2.5377793312072754, -0.9496523141860962, -3.453155755996704,
                1.9541562795639038, -0.2822490930557251, -2.1765735149383545, -1.987183690071106, 0.11179611086845398, 2.1905734539031982}, bn.forward(x4), 1e-5);
        // PyTorch: list(nn.BatchNorm2d(2).state_dict().keys())
        assertEquals(List.of("weight", "bias", "running_mean", "running_var", "num_batches_tracked"), List.copyOf(bn.stateDict().keySet()));
        assertEquals(2, bn.parameters().size());
    }

    @Test void stateDictRoundTripCarriesRunningStats() {
        BatchNorm1d a = bn1d();
        a.forward(Tensor.of(X1));
        BatchNorm1d b = new BatchNorm1d(3);
        b.loadStateDict(a.stateDict());
        assertArrayEquals(a.runningVar().toDoubleArray(), b.runningVar().toDoubleArray());
        assertEquals(1, b.numBatchesTracked().itemLong());
    }

    @Test void momentumNoneIsCumulativeAverage() {
        BatchNorm1d bn = new BatchNorm1d(3, 1e-5, null, true, true);
        bn.forward(Tensor.of(X1));
        bn.forward(Tensor.of(X2));
        bn.forward(Tensor.of(X1).mul(2.0));
        assertClose(new double[]{2.3055553436279297, 2.1388888359069824, 4.861111164093018}, bn.runningMean(), 1e-5);
        assertClose(new double[]{5.388888835906982, 14.527777671813965, 13.923611640930176}, bn.runningVar(), 1e-4);
        assertEquals("3, eps=1e-05, momentum=None, affine=True, track_running_stats=True", bn.extraRepr());
    }

    @Test void withoutAffineOrTrackingThereIsNoState() {
        BatchNorm1d bn = new BatchNorm1d(3, 1e-5, 0.1, false, false);
        assertTrue(bn.stateDict().isEmpty());
        assertNull(bn.runningMean());
        bn.eval();
        // Without running stats, eval normalizes with the batch's own statistics: each column gets mean 0.
        Tensor y = bn.forward(Tensor.of(X1));
        assertClose(new double[]{0, 0, 0}, y.mean(0, false), 1e-6);
    }

    @Test void reprMatchesPyTorch() {
        assertEquals("BatchNorm1d(3, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)", new BatchNorm1d(3).toString());
        assertEquals("LayerNorm((2, 3), eps=1e-05, elementwise_affine=True)", new LayerNorm(2, 3).toString());
        assertEquals("LayerNorm((4,), eps=0.001, elementwise_affine=True)", new LayerNorm(new int[]{4}, 1e-3, true).toString());
    }

    @Test void batchNormErrorsNameTheShape() {
        BatchNorm1d bn = new BatchNorm1d(3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> bn.forward(Tensor.ones(1, 3)));
        assertEquals("Expected more than 1 value per channel when training, got input size [1, 3]", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> bn.forward(Tensor.ones(4, 5)));
        assertTrue(e.getMessage().contains("[4, 5]") && e.getMessage().contains("3 channels"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> bn.forward(Tensor.ones(2, 3, 4, 5)));
        assertTrue(e.getMessage().contains("2D or 3D") && e.getMessage().contains("[2, 3, 4, 5]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new BatchNorm2d(3).forward(Tensor.ones(2, 3)));
        assertTrue(e.getMessage().contains("4D") && e.getMessage().contains("[2, 3]"), e.getMessage());
        assertEquals(0, bn.numBatchesTracked().itemLong(), "a refused batch is not counted");
    }

    @Test void gradcheckBatchNormTrainingMode() {
        BatchNorm1d bn = bn1d();
        bn.to(DType.FLOAT64);
        Tensor x = Tensor.of(new double[][]{{1, 2, 3}, {4, 6, 8}, {0, -1, 5}, {2, 2.5, 2}}, DType.FLOAT64).requiresGrad_();
        GradCheck.check(in -> F.batchNorm(in[0], null, null, in[1], in[2], true, 0.1, 1e-5), x, bn.weight, bn.bias);
        GradCheck.check(in -> bn.forward(in[0]), x);

        BatchNorm2d bn2 = new BatchNorm2d(2);
        bn2.to(DType.FLOAT64);
        Tensor x4 = Tensor.arange(0, 24, 1, DType.FLOAT64).reshape(2, 2, 2, 3).sin().mul(3.0).detach().requiresGrad_();
        GradCheck.check(in -> bn2.forward(in[0]), x4);
    }

    @Test void gradcheckBatchNormEvalMode() {
        BatchNorm1d bn = bn1d();
        bn.forward(Tensor.of(X1));
        bn.to(DType.FLOAT64).eval();
        Tensor x = Tensor.of(new double[][]{{1, 2, 3}, {4, 6, 8}}, DType.FLOAT64).requiresGrad_();
        GradCheck.check(in -> F.batchNorm(in[0], bn.runningMean(), bn.runningVar(), in[1], in[2], false, 0.1, 1e-5), x, bn.weight, bn.bias);
    }

    @Test void layerNormMatchesPyTorch() {
        LayerNorm ln = new LayerNorm(2, 3);
        ln.weight.detach().copy_(Tensor.of(new float[][]{{1, 2, 3}, {0.5f, -1, 1}}));
        ln.bias.detach().copy_(Tensor.of(new float[][]{{0, 0.1f, 0.2f}, {0.3f, 0.4f, 0.5f}}));
        Tensor x = Tensor.arange(0, 12, 1, DType.FLOAT32).reshape(2, 2, 3).mul(1.7).sin().mul(2.0);
        assertClose(new double[]{-0.28005751967430115, 2.5615994930267334, -1.8081668615341187, -0.5452941656112671, -0.07275235652923584, 1.4364826679229736,
                -0.7838807702064514, -1.2137330770492554, 5.116158485412598, 0.7600794434547424, 1.5902622938156128, 0.5721312761306763}, ln.forward(x), 1e-5);
        LayerNorm ln1 = new LayerNorm(new int[]{4}, 1e-3, true);
        assertClose(new double[]{-1.182945728302002, -0.5069767236709595, 0.16899222135543823, 1.5209300518035889, 0.0, 0.0, 1.4128015041351318, -1.4128015041351318},
                ln1.forward(Tensor.of(new float[][]{{1, 2, 3, 5}, {0, 0, 1, -1}})), 1e-5);
        ln1.eval();
        assertClose(new double[]{-1.182945728302002, -0.5069767236709595, 0.16899222135543823, 1.5209300518035889}, ln1.forward(Tensor.of(new float[][]{{1, 2, 3, 5}})), 1e-5);
        assertEquals(List.of("weight", "bias"), List.copyOf(ln.stateDict().keySet()));
        assertTrue(new LayerNorm(new int[]{3}, 1e-5, false).parameters().isEmpty());
    }

    @Test void layerNormErrorNamesShapes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new LayerNorm(2, 3).forward(Tensor.ones(2, 4)));
        assertEquals("Given normalized_shape=[2, 3], expected input with shape [*, 2, 3], but got input of size [2, 4]", e.getMessage());
    }

    @Test void gradcheckLayerNorm() {
        LayerNorm ln = new LayerNorm(2, 3);
        ln.to(DType.FLOAT64);
        ln.weight.detach().copy_(Tensor.of(new double[][]{{1, 2, 3}, {0.5, -1, 1}}));
        Tensor x = Tensor.arange(0, 12, 1, DType.FLOAT64).reshape(2, 2, 3).mul(1.7).sin().mul(2.0).detach().requiresGrad_();
        GradCheck.check(in -> F.layerNorm(in[0], new int[]{2, 3}, in[1], in[2], 1e-5), x, ln.weight, ln.bias);
    }
}
