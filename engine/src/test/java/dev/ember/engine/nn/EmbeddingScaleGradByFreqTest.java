package dev.ember.engine.nn;

import dev.ember.engine.DType;
import dev.ember.engine.Tensor;
import dev.ember.engine.nn.spec.ModelSpec;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** scale_grad_by_freq: each row's gradient is divided by how often this input looks the row up; worked out by hand. */
class EmbeddingScaleGradByFreqTest {
    private static final long[][] INPUT = {{0, 2}, {0, 0}}; // row 0 three times, row 2 once
    /** The upstream gradient, one [2] row per lookup. */
    private static final double[][][] UPSTREAM = {{{1, 2}, {3, 4}}, {{5, 6}, {7, 8}}};

    private static double[] weightGrad(boolean scale) {
        Embedding e = new Embedding(4, 2, null, null, 2.0, scale, false);
        e.weight = new Parameter(Tensor.zeros(new int[]{4, 2}, DType.FLOAT64));
        e.forward(Tensor.of(INPUT)).backward(Tensor.of(UPSTREAM));
        return e.weight.grad().toDoubleArray();
    }

    @Test
    void rowGradientsAreDividedByTheirLookupCount() {
        // Row 0: (1 + 5 + 7, 2 + 6 + 8) / 3; row 2: (3, 4) / 1; rows 1 and 3 are not looked up.
        assertArrayEquals(new double[]{13.0 / 3, 16.0 / 3, 0, 0, 3, 4, 0, 0}, weightGrad(true), 1e-15);
        assertArrayEquals(new double[]{13, 16, 0, 0, 3, 4, 0, 0}, weightGrad(false), 0);
    }

    @Test
    void specAndReprCarryTheOption() {
        Embedding e = (Embedding) ModelSpec.of(ModelSpec.Layer.of("Embedding", "num_embeddings", 4, "embedding_dim", 2, "scale_grad_by_freq", true)).build().get(0);
        assertTrue(e.scaleGradByFreq);
        assertEquals("Embedding(4, 2, scale_grad_by_freq=True)", e.toString());
        assertFalse(new Embedding(4, 2).scaleGradByFreq);
    }
}
