package dev.ember.spark;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Spark ML's prediction from a batch of logits: each row's argmax, ties to the lowest index (torch.argmax's rule),
 * a value counting only when it compares above the best so far (so a NaN never wins unless it comes first).
 */
final class Argmax {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int LANES = F.length();

    private Argmax() {}

    /** The argmax of row {@code v[from, from + n)}. Selects, not a branch per class: which is largest is unpredictable. */
    static int of(float[] v, int from, int n) {
        int best = 0;
        float top = v[from];
        for (int i = 1; i < n; i++) {
            float x = v[from + i];
            boolean above = x > top;
            best = above ? i : best;
            top = above ? x : top;
        }
        return best;
    }

    /**
     * {@code best[r]} = the argmax of row r of the [rows, k] matrix {@code v}, as {@link #of}. A vector's worth of
     * rows at a time, a lane per row: {@link #of}'s steps in whole vectors, the class index kept as a float (exact
     * below 2^24).
     */
    static void rows(float[] v, int rows, int k, float[] best) {
        int across = rows - rows % LANES;
        float[] t = new float[k * LANES];
        for (int r0 = 0; r0 < across; r0 += LANES) {
            // t[c * LANES + r] = row r0 + r's class c.
            for (int r = 0; r < LANES; r++) {
                for (int c = 0; c < k; c++) t[c * LANES + r] = v[(r0 + r) * k + c];
            }
            lanes(t, k, best, r0);
        }
        for (int r = across; r < rows; r++) best[r] = of(v, r * k, k);
    }

    private static void lanes(float[] t, int k, float[] best, int at) {
        FloatVector top = FloatVector.fromArray(F, t, 0), index = FloatVector.zero(F);
        for (int c = 1; c < k; c++) {
            FloatVector x = FloatVector.fromArray(F, t, c * LANES);
            var above = x.compare(VectorOperators.GT, top);
            index = index.blend((float) c, above);
            top = top.blend(x, above);
        }
        index.intoArray(best, at);
    }
}
