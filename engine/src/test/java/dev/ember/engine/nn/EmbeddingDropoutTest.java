package dev.ember.engine.nn;

import dev.ember.engine.DType;
import dev.ember.engine.Tensor;
import dev.ember.engine.autograd.GradCheck;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.ember.engine.nn.NormalizationTest.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Embedding and Dropout; expected values are written out by hand from the definitions. */
class EmbeddingDropoutTest {
    /** Row i of a 5x3 table is (i, 10 i, 100 i). */
    static Embedding table(Integer paddingIdx, boolean sparse) {
        Embedding e = new Embedding(5, 3, paddingIdx, sparse);
        e.weight.detach().copy_(Tensor.of(new float[][]{{0, 0, 0}, {1, 10, 100}, {2, 20, 200}, {3, 30, 300}, {4, 40, 400}}));
        return e;
    }

    @Test void lookupGathersRows() {
        Embedding e = table(null, false);
        Tensor y = e.forward(Tensor.of(new long[][]{{1, 4, 1}, {0, 2, 3}}));
        assertArrayEquals(new int[]{2, 3, 3}, y.shape());
        assertClose(new double[]{1, 10, 100, 4, 40, 400, 1, 10, 100, 0, 0, 0, 2, 20, 200, 3, 30, 300}, y, 0);
        assertClose(new double[]{3, 30, 300}, e.forward(Tensor.tensor(3L).reshape()), 0);
        assertClose(new double[]{2, 20, 200}, e.forward(Tensor.tensor(2)), 0); // int32 indices work too
        assertEquals(List.of("weight"), List.copyOf(e.stateDict().keySet()));
        assertEquals("Embedding(5, 3)", e.toString());
    }

    @Test void gradientCountsRowsAndSkipsPadding() {
        Embedding e = table(1, false);
        e.forward(Tensor.tensor(1L, 2L, 2L, 4L, 1L)).sum().backward();
        // Row 2 used twice, row 4 once, padding row 1 gets nothing.
        assertClose(new double[]{0, 0, 0, 0, 0, 0, 2, 2, 2, 0, 0, 0, 1, 1, 1}, e.weight.grad(), 0);
        assertEquals("Embedding(5, 3, padding_idx=1)", e.toString());
    }

    @Test void paddingRowStartsAtZeroAndInitIsStandardNormal() {
        Tensor.manualSeed(0);
        Embedding e = new Embedding(2000, 10, -1);
        assertEquals(1999, e.paddingIdx);
        assertClose(new double[10], e.weight.get(1999), 0);
        Tensor w = e.weight.detach().slice(0, 0, 1999);
        assertEquals(0, w.mean().item(), 0.02);
        assertEquals(1, w.std().item(), 0.02);
    }

    @Test void gradcheckEmbeddingWeights() {
        Embedding e = new Embedding(4, 3);
        e.to(DType.FLOAT64);
        Tensor idx = Tensor.of(new long[][]{{0, 2, 3}, {3, 3, 1}});
        // Weighted by a non-uniform tensor so every output element matters differently.
        Tensor scale = Tensor.arange(0, 18, 1, DType.FLOAT64).reshape(2, 3, 3).add(1.0);
        GradCheck.check(in -> F.embedding(idx, in[0], null).mul(scale), e.weight);
        GradCheck.check(in -> e.forward(idx), e.weight);
        // With padding, the padding row's gradient is zero by definition (not the true derivative, as in PyTorch),
        // so check the other rows with indices that avoid it.
        Embedding padded = new Embedding(4, 3, 2);
        padded.to(DType.FLOAT64);
        GradCheck.check(in -> padded.forward(Tensor.of(new long[][]{{0, 1, 3}, {3, 3, 1}})), padded.weight);
    }

    @Test void doubleBackwardThroughTheWeightGradient() {
        Tensor w = Tensor.of(new double[][]{{1, 2}, {3, 4}, {5, 6}}, DType.FLOAT64).requiresGrad_();
        Tensor idx = Tensor.tensor(0L, 2L, 2L);
        // The gradient of sum(lookup^2) w.r.t. w is 2 * count(row) * w, itself differentiable in w.
        // GradCheck evaluates f under no-grad for the finite differences; the inner grad needs the graph, so enable it.
        GradCheck.check(in -> {
            try (var on = dev.ember.engine.autograd.GradMode.enableGrad()) {
                Tensor y = F.embedding(idx, in[0], null);
                return dev.ember.engine.autograd.Backward.grad(new Tensor[]{y.square().sum()}, new Tensor[]{null}, new Tensor[]{in[0]}, true, true, false)[0];
            }
        }, w);
    }

    @Test void indexErrorsNameIndexAndSize() {
        Embedding e = new Embedding(10, 3);
        IndexOutOfBoundsException ex = assertThrows(IndexOutOfBoundsException.class, () -> e.forward(Tensor.tensor(3L, 10L)));
        assertTrue(ex.getMessage().contains("index 10") && ex.getMessage().contains("num_embeddings=10"), ex.getMessage());
        ex = assertThrows(IndexOutOfBoundsException.class, () -> e.forward(Tensor.tensor(-1L)));
        assertTrue(ex.getMessage().contains("index -1"), ex.getMessage());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> e.forward(Tensor.tensor(1f)));
        assertTrue(bad.getMessage().contains("Long, Int") && bad.getMessage().contains("float32"), bad.getMessage());
        bad = assertThrows(IllegalArgumentException.class, () -> new Embedding(10, 3, 10));
        assertTrue(bad.getMessage().contains("padding_idx") && bad.getMessage().contains("10"), bad.getMessage());
    }

    @Test void sparseRecordsTouchedRowsWithADenseGradient() {
        Embedding e = table(0, true);
        assertNotNull(Embedding.SparseGrad.of(e.weight));
        assertNull(Embedding.SparseGrad.of(table(null, false).weight));
        assertArrayEquals(new int[0], e.touchedRows());
        e.forward(Tensor.tensor(4L, 0L, 2L, 4L)).sum().backward();
        assertArrayEquals(new int[]{2, 4}, e.touchedRows());
        assertClose(new double[]{0, 0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 2, 2, 2}, e.weight.grad(), 0);
        // A second backward before the step adds rows, as the dense gradient accumulates.
        e.forward(Tensor.tensor(1L)).sum().backward();
        assertArrayEquals(new int[]{1, 2, 4}, Embedding.SparseGrad.of(e.weight).rows());
        e.zeroGrad();
        assertArrayEquals(new int[0], e.touchedRows());
        assertNull(e.weight.grad());
        assertEquals("Embedding(5, 3, padding_idx=0, sparse=True)", e.toString());
        assertNull(table(null, false).touchedRows());
    }

    @Test void fromPretrainedCopiesAndFreezes() {
        Tensor m = Tensor.of(new float[][]{{1, 2}, {3, 4}});
        Embedding e = Embedding.fromPretrained(m, true, null);
        assertClose(new double[]{3, 4}, e.forward(Tensor.tensor(1L)), 0);
        assertTrue(!e.weight.requiresGrad());
    }

    // ---------------------------------------------------------------- dropout

    @Test void dropoutStatistics() {
        Tensor.manualSeed(42);
        int n = 100_000;
        double p = 0.3;
        Tensor x = Tensor.rand(n).add(1.0); // values in [1, 2): never zero before dropout
        Tensor y = new Dropout(p).forward(x);
        double[] xs = x.toDoubleArray(), ys = y.toDoubleArray();
        int zeros = 0;
        for (int i = 0; i < n; i++) {
            if (ys[i] == 0) zeros++;
            else assertEquals(xs[i] / (1 - p), ys[i], 1e-5, "kept values are scaled by 1/(1-p)");
        }
        // Binomial std is sqrt(n p (1-p)) ~ 145 elements; allow about 7 sigma.
        assertEquals(p, zeros / (double) n, 0.01);
        assertEquals(x.mean().item(), y.mean().item(), 0.01, "the expectation is preserved");
    }

    @Test void dropoutIsReproducibleUnderManualSeed() {
        Tensor x = Tensor.ones(1000);
        Tensor.manualSeed(7);
        Tensor a = F.dropout(x, 0.5, true);
        Tensor b = F.dropout(x, 0.5, true);
        Tensor.manualSeed(7);
        Tensor c = F.dropout(x, 0.5, true);
        assertTrue(a.equal(c));
        assertTrue(!a.equal(b));
    }

    @Test void dropoutEvalAndEdgeCases() {
        Dropout d = new Dropout(0.5);
        Tensor x = Tensor.ones(4, 5);
        d.eval();
        assertSame(x, d.forward(x));
        assertSame(x, F.dropout(x, 0.0, true));
        assertClose(new double[20], F.dropout(x, 1.0, true), 0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Dropout(1.5));
        assertEquals("dropout probability has to be between 0 and 1, but got 1.5", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> F.dropout(x, -0.1, true));
        assertEquals("Dropout(p=0.5, inplace=False)", new Dropout().toString());
    }

    @Test void inplaceDropoutOverwritesInput() {
        Tensor.manualSeed(3);
        Tensor x = Tensor.ones(50);
        Tensor y = new Dropout(0.5, true).forward(x);
        assertSame(x, y);
        for (double v : x.toDoubleArray()) assertTrue(v == 0 || v == 2, "value " + v);
    }

    @Test void dropoutGradientIsTheMask() {
        Tensor x = Tensor.of(new double[]{1, 2, 3, 4, 5, 6, 7, 8}, DType.FLOAT64).requiresGrad_();
        // Reseeding inside f gives every evaluation the same mask, so finite differences see a fixed linear map.
        GradCheck.check(in -> {
            Tensor.manualSeed(11);
            return F.dropout(in[0], 0.4, true);
        }, x);
        Tensor.manualSeed(11);
        Tensor y = F.dropout(x, 0.4, true);
        y.sum().backward();
        assertClose(y.div(x).toDoubleArray(), x.grad(), 1e-12);
    }
}
