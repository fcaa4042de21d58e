package dev.ember.engine.backend.cpu;

/**
 * Softmax over the rows of a float matrix, one row at a time, with the arithmetic of the composed
 * {@code exp(x - logsumexp(x))} step for step: the row's max (an infinite max taken as 0), {@code exp(x - max)}
 * summed in a double and rounded to float, {@code log} of that float plus the max, then {@code exp(x - lse)}; both
 * exps are {@link VectorMath#exp(float)}, the bits of the vector exp the composed ops use. The floats are those of
 * the composed ops, without their seven whole-matrix temporaries and passes.
 */
final class CpuSoftmax {
    private CpuSoftmax() {}

    static void rows(float[] x, int xOff, float[] out, int outOff, int rows, int len) {
        for (int r = 0; r < rows; r++) {
            int in = xOff + r * len, o = outOff + r * len;
            float max = rowMax(x, in, len), shift = Float.isInfinite(max) ? 0f : max;
            double sum = 0;
            for (int i = 0; i < len; i++) sum += VectorMath.exp(x[in + i] - shift);
            float lse = (float) Math.log((float) sum) + shift;
            for (int i = 0; i < len; i++) out[o + i] = VectorMath.exp(x[in + i] - lse);
        }
    }

    /** The max of a row as the MAX reduction takes it: NaN wins, and of equal values the later one. */
    private static float rowMax(float[] x, int from, int len) {
        float max = x[from];
        for (int i = from + 1; i < from + len; i++) if (!(max > x[i] || Float.isNaN(max))) max = x[i];
        return max;
    }
}
