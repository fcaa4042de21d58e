package dev.ember.engine.nn;

import dev.ember.engine.DType;
import dev.ember.engine.Tensor;
import dev.ember.engine.autograd.GradCheck;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Loss values are from PyTorch 1.13 (F.* on float64 inputs, pasted as literals); gradients by finite differences. */
class LossesTest {
    private static final Reduction NONE = Reduction.NONE, MEAN = Reduction.MEAN, SUM = Reduction.SUM;

    private static Tensor d(double[][] v) { return Tensor.of(v, DType.FLOAT64); }
    private static Tensor d(double... v) { return Tensor.of(v, DType.FLOAT64); }
    private static Tensor leaf(double[][] v) { return d(v).requiresGrad_(); }

    private static void close(double[] expected, Tensor actual) { assertArrayEquals(expected, actual.toDoubleArray(), 1e-9); }
    private static void close(double expected, Tensor actual) { assertEquals(expected, actual.item(), 1e-9); }

    // Pointwise-loss data.
    private static final double[][] X = {{0.5, -1.2, 2.0}, {0.3, 0.8, -0.4}}, Y = {{1.0, 0.5, -0.5}, {0.3, 2.5, 0.1}};
    // Probabilities and binary targets.
    private static final double[][] P = {{0.2, 0.7, 0.9}, {0.5, 0.01, 0.999}}, T = {{0, 1, 1}, {0.5, 0, 1}};
    private static final double[] W3 = {1, 2, 0.5};
    private static final double[][] LOGITS = {{1, 2, 0.5}, {0.1, -1, 2}, {3, 0, 0}, {-0.5, 0.5, 1.5}};
    private static final double[][] PROBS = {{0.2, 0.3, 0.5}, {1, 0, 0}, {0.1, 0.1, 0.8}, {0.3, 0.3, 0.4}};
    private static final long[] TARGET_IGNORE = {0, 2, 1, -100}, TARGET = {0, 2, 1, 1};

    @Test void mseLoss() {
        close(new double[]{0.25, 2.89, 6.25, 0.0, 2.89, 0.25}, new MSELoss(NONE).forward(d(X), d(Y)));
        close(2.0883333333333334, new MSELoss().forward(d(X), d(Y)));
        close(12.53, F.mseLoss(d(X), d(Y), SUM));
        GradCheck.check(a -> F.mseLoss(a[0], a[1], MEAN), leaf(X), leaf(Y));
    }

    @Test void l1Loss() {
        close(new double[]{0.5, 1.7, 2.5, 0.0, 1.7, 0.5}, new L1Loss(NONE).forward(d(X), d(Y)));
        close(1.1500000000000001, new L1Loss().forward(d(X), d(Y)));
        close(6.9, F.l1Loss(d(X), d(Y), SUM));
        Tensor a = leaf(X);
        GradCheck.check(t -> F.l1Loss(t[0], d(Y), SUM), a);
    }

    @Test void smoothL1Loss() {
        close(new double[]{0.25, 1.45, 2.25, 0.0, 1.45, 0.25}, new SmoothL1Loss(NONE, 0.5).forward(d(X), d(Y)));
        close(0.9416666666666668, new SmoothL1Loss(MEAN, 0.5).forward(d(X), d(Y)));
        close(5.65, F.smoothL1Loss(d(X), d(Y), SUM, 0.5));
        close(6.9, F.smoothL1Loss(d(X), d(Y), SUM, 0.0));  // beta = 0 is L1
        GradCheck.check(t -> F.smoothL1Loss(t[0], t[1], MEAN, 0.5), leaf(new double[][]{{0.5, -1.2, 2.0}, {0.35, 0.8, -0.4}}), leaf(Y));
        assertThrows(IllegalArgumentException.class, () -> new SmoothL1Loss(MEAN, -1));
    }

    @Test void huberLoss() {
        close(new double[]{0.125, 1.04, 1.68, 0.0, 1.04, 0.125}, new HuberLoss(NONE, 0.8).forward(d(X), d(Y)));
        close(0.6683333333333333, new HuberLoss(MEAN, 0.8).forward(d(X), d(Y)));
        close(4.01, F.huberLoss(d(X), d(Y), SUM, 0.8));
        GradCheck.check(t -> F.huberLoss(t[0], t[1], MEAN, 0.8), leaf(new double[][]{{0.5, -1.2, 2.0}, {0.35, 0.8, -0.4}}), leaf(Y));
    }

    @Test void bceLoss() {
        close(new double[]{0.2231435513142097, 0.35667494393873245, 0.10536051565782628, 0.6931471805599453, 0.01005033585350145, 0.0010005003335835344},
                new BCELoss(NONE).forward(d(P), d(T)));
        close(0.23156283794296648, new BCELoss().forward(d(P), d(T)));
        close(1.3893770276577988, F.binaryCrossEntropy(d(P), d(T), null, SUM));
        close(new double[]{0.2231435513142097, 0.7133498878774649, 0.05268025782891314, 0.6931471805599453, 0.0201006717070029, 0.0005002501667917672},
                new BCELoss(d(W3), NONE).forward(d(P), d(T)));
        close(0.2838202999090546, new BCELoss(d(W3), MEAN).forward(d(P), d(T)));
        close(1.7029217994543275, F.binaryCrossEntropy(d(P), d(T), d(W3), SUM));
        // log clamped to -100, as PyTorch.
        close(new double[]{100, 100}, F.binaryCrossEntropy(d(0.0, 1.0), d(1.0, 0.0), null, NONE));
        GradCheck.check(t -> F.binaryCrossEntropy(t[0], t[1], d(W3), MEAN), leaf(new double[][]{{0.2, 0.7, 0.9}, {0.5, 0.1, 0.6}}), leaf(T));
        Exception e = assertThrows(IllegalArgumentException.class, () -> F.binaryCrossEntropy(d(1.5), d(1.0), null, MEAN));
        assertTrue(e.getMessage().contains("between 0 and 1"), e.getMessage());
    }

    @Test void bceWithLogitsLoss() {
        double[][] x = {{0.5, -1.2, 2.0}, {0.0, 30, -30}};
        close(new double[]{0.9740769841801067, 1.4632824673380314, 0.1269280110429726, 0.6931471805599453, 30.000000000000092, 30.000000000000092},
                new BCEWithLogitsLoss(NONE).forward(d(x), d(T)));
        close(10.54290577385354, new BCEWithLogitsLoss().forward(d(x), d(T)));
        close(63.25743464312124, F.binaryCrossEntropyWithLogits(d(x), d(T), null, null, SUM));
        Tensor pw = d(2, 0.5, 1);
        close(new double[]{0.9740769841801067, 1.4632824673380314, 0.0634640055214863, 1.0397207708399179, 60.000000000000185, 15.000000000000046},
                new BCEWithLogitsLoss(d(W3), NONE, pw).forward(d(x), d(T)));
        close(13.090090704646627, new BCEWithLogitsLoss(d(W3), MEAN, pw).forward(d(x), d(T)));
        close(78.54054422787976, F.binaryCrossEntropyWithLogits(d(x), d(T), d(W3), pw, SUM));
        // The gradient at logit 0 is sigmoid(0) - y = 0.5 (PyTorch), not the 0 a naive max/abs composition gives.
        Tensor z = Tensor.zeros(new int[]{1}, DType.FLOAT64).requiresGrad_();
        F.binaryCrossEntropyWithLogits(z, d(0.0), null, null, MEAN).backward();
        close(new double[]{0.5}, z.grad());
        GradCheck.check(t -> F.binaryCrossEntropyWithLogits(t[0], t[1], d(W3), pw, MEAN), leaf(new double[][]{{0.5, -1.2, 2.0}, {0.1, 3, -3}}), leaf(T));
        GradCheck.check(t -> F.binaryCrossEntropyWithLogits(t[0], t[1], null, null, SUM), leaf(new double[][]{{0.5, -1.2, 2.0}, {0.1, 3, -3}}), leaf(T));
    }

    @Test void crossEntropyClassIndices() {
        Tensor x = d(LOGITS), t = Tensor.tensor(TARGET), ti = Tensor.tensor(TARGET_IGNORE), w = d(W3);
        close(new double[]{1.464368784107945, 0.18178448558911336, 3.0949229564209606, 1.4076059644443804}, new CrossEntropyLoss(NONE).forward(x, t));
        close(1.5371705476406, F.crossEntropy(x, t));
        close(6.1486821905624, new CrossEntropyLoss(SUM).forward(x, t));
        // ignore_index: mean over the 3 targets kept.
        close(new double[]{1.464368784107945, 0.18178448558911336, 3.0949229564209606, 0.0}, new CrossEntropyLoss(NONE).forward(x, ti));
        close(1.5803587420393397, new CrossEntropyLoss().forward(x, ti));
        close(4.741076226118019, new CrossEntropyLoss(SUM).forward(x, ti));
        // weights: mean divides by the summed weights of kept targets.
        close(new double[]{1.464368784107945, 0.09089224279455668, 6.189845912841921, 0.0}, new CrossEntropyLoss(w, -100, NONE, 0).forward(x, ti));
        close(2.2128876970698355, new CrossEntropyLoss(w, -100, MEAN, 0).forward(x, ti));
        close(7.745106939744423, new CrossEntropyLoss(w, -100, SUM, 0).forward(x, ti));
    }

    @Test void crossEntropyLabelSmoothing() {
        Tensor x = d(LOGITS), ti = Tensor.tensor(TARGET_IGNORE), w = d(W3);
        close(new double[]{1.447702117441278, 0.34511781892244675, 2.994922956420961, 0.0}, new CrossEntropyLoss(null, -100, NONE, 0.1).forward(x, ti));
        close(1.5959142975948954, new CrossEntropyLoss(null, -100, MEAN, 0.1).forward(x, ti));
        close(4.787742892784685, new CrossEntropyLoss(null, -100, SUM, 0.1).forward(x, ti));
        close(new double[]{1.4304415971764106, 0.36634454183383086, 5.831935666473508, 0.0}, new CrossEntropyLoss(w, -100, NONE, 0.1).forward(x, ti));
        close(2.179634801566786, F.crossEntropy(x, ti, w, -100, MEAN, 0.1));
        close(7.62872180548375, F.crossEntropy(x, ti, w, -100, SUM, 0.1));
        GradCheck.check(a -> F.crossEntropy(a[0], ti, w, -100, MEAN, 0.1), leaf(LOGITS));
        GradCheck.check(a -> F.crossEntropy(a[0], ti, null, -100, NONE, 0.0), leaf(LOGITS));
    }

    @Test void crossEntropySpatialUnbatchedAndProbabilities() {
        double[][][] nd = {{{0.1, 0.2}, {0.3, -0.4}, {1.0, 0.0}}, {{2.0, -1.0}, {0.5, 0.5}, {-0.3, 0.7}}};
        Tensor ndt = Tensor.of(new long[][]{{2, 0}, {1, -100}});
        close(new double[]{0.32175650808840917, 0.8618524505311193, 3.5603917471253754, 0.0}, F.crossEntropy(Tensor.of(nd, DType.FLOAT64), ndt, d(W3), -100, NONE, 0));
        close(1.3554287730699726, F.crossEntropy(Tensor.of(nd, DType.FLOAT64), ndt, d(W3), -100, MEAN, 0));
        GradCheck.check(a -> F.crossEntropy(a[0], ndt, d(W3), -100, MEAN, 0.2), Tensor.of(nd, DType.FLOAT64).requiresGrad_());
        close(0.18178448558911336, F.crossEntropy(d(LOGITS[1]), Tensor.scalar(2, DType.INT64)));

        Tensor x = d(LOGITS), probs = d(PROBS), w = d(W3);
        close(new double[]{1.4143687841079449, 2.081784485589113, 2.794922956420961, 1.3076059644443803}, new CrossEntropyLoss(NONE).forward(x, probs));
        close(1.8996705476406, F.crossEntropy(x, probs));
        close(7.5986821905624, new CrossEntropyLoss(SUM).forward(x, probs));
        close(new double[]{1.0750891616091942, 2.2345106351087503, 2.015305545427296, 1.6804679737480768}, new CrossEntropyLoss(w, -100, NONE, 0.2).forward(x, probs));
        close(1.7513433289733293, new CrossEntropyLoss(w, -100, MEAN, 0.2).forward(x, probs));
        close(7.005373315893317, new CrossEntropyLoss(w, -100, SUM, 0.2).forward(x, probs));
        GradCheck.check(a -> F.crossEntropy(a[0], a[1], w, -100, MEAN, 0.2), leaf(LOGITS), leaf(PROBS));
    }

    @Test void crossEntropyFloat32MatchesFloat64() {
        Tensor x = Tensor.of(LOGITS);
        assertEquals(DType.FLOAT32, x.dtype());
        assertEquals(1.5371705476406, F.crossEntropy(x, Tensor.tensor(TARGET)).item(), 1e-6);
        // Large logits stay finite (log-sum-exp with the max subtracted).
        assertEquals(0.0, F.crossEntropy(Tensor.of(new float[][]{{1000f, 0f}}), Tensor.tensor(0L)).item(), 1e-6);
    }

    @Test void crossEntropyErrors() {
        Tensor x = d(LOGITS);
        Exception e = assertThrows(IndexOutOfBoundsException.class, () -> F.crossEntropy(x, Tensor.tensor(0L, 5L, 1L, 1L)));
        assertTrue(e.getMessage().contains("5") && e.getMessage().contains("3 classes"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> F.crossEntropy(x, Tensor.tensor(0L, 1L)));
        assertTrue(e.getMessage().contains("[4]") && e.getMessage().contains("[2]") && e.getMessage().contains("[4, 3]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> F.crossEntropy(x, Tensor.tensor(0f, 1f, 2f, 1f)));
        assertTrue(e.getMessage().contains("float32"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> F.nllLoss(x, Tensor.tensor(0.0, 1.0, 2.0, 1.0).to(DType.FLOAT64), null, -100, MEAN));
        assertTrue(e.getMessage().contains("float64"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> F.crossEntropy(x, Tensor.tensor(0L, 1L, 2L, 1L), d(1, 2), -100, MEAN, 0));
        assertTrue(e.getMessage().contains("3 classes") && e.getMessage().contains("[2]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> F.mseLoss(d(X), d(1, 2, 3), MEAN));
        assertTrue(e.getMessage().contains("[2, 3]") && e.getMessage().contains("[3]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new MSELoss(Reduction.BATCHMEAN));
    }

    @Test void nllLoss() {
        Tensor x = d(LOGITS), ti = Tensor.tensor(TARGET_IGNORE), w = d(W3);
        close(new double[]{-1.0, -1.0, -0.0, 0.0}, new NLLLoss(w, -100, NONE).forward(x, ti));
        close(-0.5714285714285714, new NLLLoss(w, -100, MEAN).forward(x, ti));
        close(-2.0, F.nllLoss(x, ti, w, -100, SUM));
        // ignoreIndex inside the class range.
        // ignoreIndex inside the class range: only row 1 (class 2) counts, -x[1][2] w[2] / w[2].
        close(-2.0, new NLLLoss(w, 0, MEAN).forward(x, Tensor.tensor(0L, 2L, 0L, 0L)));
        close(-2.0, new NLLLoss(null, 0, SUM).forward(x, Tensor.tensor(0L, 2L, 0L, 0L)));
        // All targets ignored: the mean is 0/0 = NaN, as PyTorch.
        assertTrue(Double.isNaN(new NLLLoss().forward(d(new double[][]{LOGITS[0]}), Tensor.tensor(-100L)).item()));
        GradCheck.check(a -> F.nllLoss(a[0], ti, w, -100, MEAN), leaf(LOGITS));
    }

    @Test void klDivLoss() {
        Tensor lp = F.logSoftmax(d(LOGITS), 1), target = d(PROBS);
        close(new double[]{-0.029013825665231086, -0.22188120606539735, 0.6356108017739999, 2.081784485589113, 0.0, 0.0, -0.22076621365730847, 0.07923378634269151,
                2.2974235240854006, 0.3610899480355333, 0.061089948035533304, -0.20347390697190984}, new KLDivLoss(NONE, false).forward(lp, target));
        close(0.4034247784585354, new KLDivLoss().forward(lp, target));
        close(4.841097341502425, F.klDiv(lp, target, SUM, false));
        close(1.2102743353756062, F.klDiv(lp, target, Reduction.BATCHMEAN, false));
        Tensor logTarget = F.logSoftmax(d(new double[][]{{0.5, 2, 1}, {2, -1, 0.1}, {0, 0, 3}, {1.5, 0.5, -0.5}}), 1);
        close(new double[]{-0.07012219158304424, 0.0, 0.11561194881107452, 1.584183924467889, 0.0, -0.23694420217735734, -0.1358355022308872, -2.0107693618433702e-17,
                2.7283289955382255, 1.3304819115496436, 0.0, -0.18006114634076087}, new KLDivLoss(NONE, true).forward(lp, logTarget));
        close(0.4279703115028986, new KLDivLoss(MEAN, true).forward(lp, logTarget));
        close(5.1356437380347835, F.klDiv(lp, logTarget, SUM, true));
        close(1.2839109345086959, F.klDiv(lp, logTarget, Reduction.BATCHMEAN, true));
        GradCheck.check(a -> F.klDiv(a[0], a[1], Reduction.BATCHMEAN, false), leaf(new double[][]{{-1.2, -0.4, -2.0}}), leaf(new double[][]{{0.2, 0.3, 0.5}}));
        GradCheck.check(a -> F.klDiv(a[0], a[1], MEAN, true), leaf(new double[][]{{-1.2, -0.4, -2.0}}), leaf(new double[][]{{-0.7, -1.1, -2.5}}));
    }

    @Test void lossModulesPrintAndKeepWeightsAsBuffers() {
        assertEquals("CrossEntropyLoss(ignore_index=-100, label_smoothing=0.1)", new CrossEntropyLoss(null, -100, MEAN, 0.1).toString());
        assertEquals("MSELoss(reduction=sum)", new MSELoss(SUM).toString());
        BCEWithLogitsLoss loss = new BCEWithLogitsLoss(Tensor.tensor(1f, 2f), MEAN, Tensor.tensor(3f, 4f));
        assertEquals(java.util.Set.of("weight", "pos_weight"), loss.stateDict().keySet());
        loss.to(DType.FLOAT64);
        assertEquals(DType.FLOAT64, loss.stateDict().get("weight").dtype());
        assertThrows(IllegalStateException.class, () -> loss.forward(Tensor.zeros(2)));
    }
}
