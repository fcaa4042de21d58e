package dev.ember.engine.backend.cpu;

import dev.ember.engine.backend.Backend.Unary;

/**
 * Softmax over the rows of a float matrix, a block of rows at a time, with the arithmetic of the composed
 * {@code exp(x - logsumexp(x))} step for step: the row's max (an infinite max taken as 0), {@code exp(x - max)}
 * summed in a double and rounded to float, {@code log} of that float plus the max, then {@code exp(x - lse)}; both
 * exps are {@link VectorMath}'s, whose bits do not depend on where an element sits in a vector. The floats are
 * those of the composed ops, without their seven whole-matrix temporaries.
 */
final class CpuSoftmax {
    /** Elements per block: its shifted values stay in L1 between the passes over it. */
    private static final int BLOCK_ELEMENTS = 2048;

    private CpuSoftmax() {}

    static void rows(float[] x, int xOff, float[] out, int outOff, int rows, int len) {
        if (rows == 0 || len == 0) return;
        int block = Math.max(1, BLOCK_ELEMENTS / len);
        float[] shifted = new float[Math.min(block, rows) * len], shift = new float[Math.min(block, rows)];
        for (int r0 = 0; r0 < rows; r0 += block) {
            int nr = Math.min(block, rows - r0), xb = xOff + r0 * len, ob = outOff + r0 * len;
            for (int r = 0; r < nr; r++) {
                float max = rowMax(x, xb + r * len, len);
                shift[r] = Float.isInfinite(max) ? 0f : max;
                for (int i = 0; i < len; i++) shifted[r * len + i] = x[xb + r * len + i] - shift[r];
            }
            VectorMath.map(Unary.EXP, shifted, shifted, 0, nr * len);
            for (int r = 0; r < nr; r++) {
                double sum = 0;
                for (int i = 0; i < len; i++) sum += shifted[r * len + i];
                float lse = (float) Math.log((float) sum) + shift[r];
                for (int i = 0; i < len; i++) out[ob + r * len + i] = x[xb + r * len + i] - lse;
            }
            VectorMath.map(Unary.EXP, out, out, ob, ob + nr * len);
        }
    }

    /** The max of a row as the MAX reduction takes it: NaN wins, and of equal values the later one. */
    private static float rowMax(float[] x, int from, int len) {
        float max = x[from];
        for (int i = from + 1; i < from + len; i++) if (!(max > x[i] || Float.isNaN(max))) max = x[i];
        return max;
    }
}
