package dev.ember.engine.nn;

import dev.ember.engine.DType;
import dev.ember.engine.Tensor;
import dev.ember.engine.nn.spec.ModelSpec;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Embedding's max_norm / norm_type; expected rows are worked out by hand: row * maxNorm / (norm + 1e-7). */
class EmbeddingMaxNormTest {
    /** Rows with 2-norms 5, 1, 10 and sqrt(5) (1-norms 7, 1.4, 14, 3; max-norms 4, 0.8, 8, 2). */
    private static final double[][] W = {{3, 4}, {0.6, 0.8}, {6, 8}, {1, -2}};

    private static Embedding table(Double maxNorm, double normType) {
        Embedding e = Embedding.fromPretrained(Tensor.of(W, DType.FLOAT64), false, null, maxNorm, normType, false);
        assertEquals(DType.FLOAT64, e.weight.dtype());
        return e;
    }

    @Test void lookedUpRowsAboveMaxNormAreRescaledInPlace() {
        Embedding e = table(2.0, 2.0);
        Tensor y = e.forward(Tensor.of(new long[][]{{0, 2}, {0, 1}}));
        double s0 = 2 / (5 + 1e-7), s2 = 2 / (10 + 1e-7);
        double[] row0 = {3 * s0, 4 * s0}, row2 = {6 * s2, 8 * s2};
        // The weight: rows 0 and 2 rescaled (row 0 once, though looked up twice), row 1 (norm 1) kept, and row 3
        // (norm sqrt 5 > 2, but not looked up) untouched.
        assertArrayEquals(new double[]{row0[0], row0[1], 0.6, 0.8, row2[0], row2[1], 1, -2}, e.weight.toDoubleArray(), 1e-15);
        // The output is the lookup of the renormalized rows.
        assertArrayEquals(new double[]{row0[0], row0[1], row2[0], row2[1], row0[0], row0[1], 0.6, 0.8}, y.toDoubleArray(), 1e-15);
        // The rescaling is not part of the graph: each lookup passes gradient 1 straight to its row.
        y.sum().backward();
        assertArrayEquals(new double[]{2, 2, 1, 1, 1, 1, 0, 0}, e.weight.grad().toDoubleArray(), 0);
        // A second lookup finds row 0 at norm 10 / (5 + 1e-7) < 2: no further change.
        e.forward(Tensor.of(new long[]{0}));
        assertArrayEquals(row0, java.util.Arrays.copyOf(e.weight.toDoubleArray(), 2), 0);
    }

    @Test void otherNormTypes() {
        // 1-norm, max_norm 2.5: row 3 has |1| + |-2| = 3 > 2.5; row 1 has 1.4.
        Embedding l1 = table(2.5, 1.0);
        l1.forward(Tensor.of(new long[]{3, 1}));
        double s = 2.5 / (3 + 1e-7);
        assertArrayEquals(new double[]{3, 4, 0.6, 0.8, 6, 8, 1 * s, -2 * s}, l1.weight.toDoubleArray(), 1e-15);
        // Infinity-norm, max_norm 5: row 2 has max |.| = 8 > 5, row 0 has 4.
        Embedding inf = table(5.0, Double.POSITIVE_INFINITY);
        inf.forward(Tensor.of(new long[]{2, 0}));
        double t = 5 / (8 + 1e-7);
        assertArrayEquals(new double[]{3, 4, 0.6, 0.8, 6 * t, 8 * t, 1, -2}, inf.weight.toDoubleArray(), 1e-15);
        // 3-norm of row 0: (27 + 64)^(1/3) = 91^(1/3) ~ 4.498 > 4.
        Embedding l3 = table(4.0, 3.0);
        l3.forward(Tensor.of(new long[]{0}));
        double u = 4 / (Math.cbrt(91) + 1e-7);
        assertArrayEquals(new double[]{3 * u, 4 * u}, java.util.Arrays.copyOf(l3.weight.toDoubleArray(), 2), 1e-14);
    }

    @Test void float32ModuleAndFunctionalForm() {
        Embedding e = new Embedding(4, 2, null, 1.0, 2.0, false, false);
        e.weight.detach().copy_(Tensor.of(W, DType.FLOAT64));
        e.forward(Tensor.of(new long[]{1, 3}));
        double s = 1 / (Math.sqrt(5) + 1e-7);
        assertArrayEquals(new double[]{3, 4, 0.6, 0.8, 6, 8, s, -2 * s}, e.weight.toDoubleArray(), 1e-6);
        assertEquals("Embedding(4, 2, max_norm=1.0)", e.toString());

        Tensor w = Tensor.of(W, DType.FLOAT64);
        Tensor y = F.embedding(Tensor.of(new long[]{2}), w, null, 5.0, 2.0);
        double r = 5 / (10 + 1e-7);
        assertArrayEquals(new double[]{6 * r, 8 * r}, y.toDoubleArray(), 1e-15);
        assertArrayEquals(new double[]{3, 4, 0.6, 0.8, 6 * r, 8 * r, 1, -2}, w.toDoubleArray(), 1e-15);
        // Without max_norm nothing is written.
        Tensor w2 = Tensor.of(W, DType.FLOAT64);
        F.embedding(Tensor.of(new long[]{2, 0}), w2, null);
        assertArrayEquals(new double[]{3, 4, 0.6, 0.8, 6, 8, 1, -2}, w2.toDoubleArray(), 0);
    }

    @Test void badArgumentsAreNamed() {
        Exception e = assertThrows(IllegalArgumentException.class, () -> new Embedding(4, 2, null, 0.0, 2.0, false, false));
        assertTrue(e.getMessage().contains("max_norm") && e.getMessage().contains("0.0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Embedding(4, 2, null, 1.0, -1.0, false, false));
        assertTrue(e.getMessage().contains("norm_type") && e.getMessage().contains("-1.0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> F.embedding(Tensor.of(new long[]{0}), Tensor.of(W, DType.FLOAT64), null, -2.0, 2.0));
        assertTrue(e.getMessage().contains("-2.0"), e.getMessage());
    }

    @Test void modelSpecTakesMaxNormAndNormType() {
        Embedding e = (Embedding) ModelSpec.of(ModelSpec.Layer.of("Embedding", "num_embeddings", 4, "embedding_dim", 2, "max_norm", 1.5, "norm_type", 1.0)).build().get(0);
        assertEquals(1.5, e.maxNorm);
        assertEquals(1.0, e.normType);
        Embedding plain = (Embedding) ModelSpec.of(ModelSpec.Layer.of("Embedding", "num_embeddings", 4, "embedding_dim", 2)).build().get(0);
        assertNull(plain.maxNorm);
        assertEquals(2.0, plain.normType);
    }
}
