package dev.ember.engine.backend.cpu;

import dev.ember.engine.backend.Backend.Unary;

/**
 * Softmax over the rows of a float matrix with the arithmetic of the composed {@code exp(x - logsumexp(x))} step
 * for step: the row's max (an infinite max taken as 0), {@code exp(x - max)} summed in a double and rounded to
 * float, {@code log} of that float plus the max, then {@code exp(x - lse)}; both exps are {@link VectorMath}'s
 * vector exp, as in the composed ops. The floats are those of the composed ops, without their seven whole-matrix
 * temporaries and passes.
 *
 * <p>Rows go a block at a time: each block's shifted values are laid out one row after another and exponentiated
 * in one pass of whole vectors, however short the rows (a classifier's 10 classes would fill 10 of 16 lanes).
 */
final class CpuSoftmax {
    /** Values per block (32 KiB): a block stays in L1/L2 between its passes. */
    private static final int BLOCK_FLOATS = 8192;

    private CpuSoftmax() {}

    static void rows(float[] x, int xOff, float[] out, int outOff, int rows, int len) {
        int blockRows = Math.max(1, Math.min(rows, BLOCK_FLOATS / Math.max(1, len)));
        float[] shifted = new float[blockRows * len], lse = new float[blockRows];
        for (int r0 = 0; r0 < rows; r0 += blockRows) {
            int n = Math.min(blockRows, rows - r0), size = n * len;
            int in = xOff + r0 * len, o = outOff + r0 * len;
            for (int r = 0; r < n; r++) {
                int from = in + r * len;
                float max = rowMax(x, from, len);
                lse[r] = Float.isInfinite(max) ? 0f : max;
                for (int i = 0; i < len; i++) shifted[r * len + i] = x[from + i] - lse[r];
            }
            VectorMath.map(Unary.EXP, shifted, shifted, 0, size);
            for (int r = 0; r < n; r++) {
                double sum = 0;
                for (int i = 0; i < len; i++) sum += shifted[r * len + i];
                lse[r] = (float) Math.log((float) sum) + lse[r];
            }
            // out may be x itself: each value is read before its slot is written.
            for (int r = 0; r < n; r++) {
                for (int i = 0; i < len; i++) out[o + r * len + i] = x[in + r * len + i] - lse[r];
            }
            VectorMath.map(Unary.EXP, out, out, o, o + size);
        }
    }

    /**
     * The max of a row as the MAX reduction takes it: NaN wins, and of equal values the later one. A select rather
     * than a branch: which value is the largest so far is unpredictable.
     */
    private static float rowMax(float[] x, int from, int len) {
        float max = x[from];
        for (int i = from + 1; i < from + len; i++) {
            float v = x[i];
            max = max > v || max != max ? max : v;
        }
        return max;
    }
}
