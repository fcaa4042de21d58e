package dev.ember.arrow;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.apache.spark.unsafe.Platform;

/**
 * Copies float32 or float64 values out of a Spark row's bytes into a float row in bulk, then finds whether every
 * value is finite in float32 with a vectorized max of absolute values rather than a {@code Float.isFinite} loop.
 *
 * <p>Only {@code FloatVector.SPECIES_PREFERRED}, the engine's species, and no shape or type conversions: the
 * Vector API's shared template methods keep one type profile, so the engine's kernels stay intrinsified (with
 * a {@code castShape} from doubles here, a profile showed the engine's exp and GEMM in the boxed fallbacks).
 */
final class FloatCopy {
    private static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;

    private FloatCopy() {}

    /** Copies {@code n} little-endian float32 values from {@code src[at...]}; true when all are finite. */
    static boolean floats(byte[] src, int at, float[] dst, int off, int n) {
        Platform.copyMemory(src, Platform.BYTE_ARRAY_OFFSET + at, dst, Platform.FLOAT_ARRAY_OFFSET + 4L * off, 4L * n);
        return finite(dst, off, n);
    }

    /** Doubles converted per step of {@link #doubles(byte[], int, float[], int, int, double[])}: a scratch that stays in L1. */
    static final int DOUBLES_PER_STEP = 256;

    /**
     * Copies {@code n} little-endian float64 values from {@code src[at...]}, cast to float32; true when all are finite
     * in float32. {@code scratch} holds {@link #DOUBLES_PER_STEP} doubles: the values pass through it in bulk copies,
     * so no array is allocated per row and the cast is a plain loop over a {@code double[]}, which the JIT vectorizes.
     */
    static boolean doubles(byte[] src, int at, float[] dst, int off, int n, double[] scratch) {
        for (int done = 0; done < n; done += DOUBLES_PER_STEP) {
            int m = Math.min(DOUBLES_PER_STEP, n - done);
            Platform.copyMemory(src, Platform.BYTE_ARRAY_OFFSET + at + 8L * done, scratch, Platform.DOUBLE_ARRAY_OFFSET, 8L * m);
            cast(scratch, 0, dst, off + done, m);
        }
        return finite(dst, off, n);
    }

    /** Copies {@code n} values from {@code src[0...]} (an array Spark copied out for us); true when all are finite. */
    static boolean floats(float[] src, float[] dst, int off, int n) {
        System.arraycopy(src, 0, dst, off, n);
        return finite(dst, off, n);
    }

    /** Casts {@code n} values from {@code src[0...]} to float32; true when all are finite in float32. */
    static boolean doubles(double[] src, float[] dst, int off, int n) {
        cast(src, 0, dst, off, n);
        return finite(dst, off, n);
    }

    static void cast(double[] src, int from, float[] dst, int off, int n) {
        for (int i = 0; i < n; i++) dst[off + i] = (float) src[from + i];
    }

    /** Whether {@code a[off, off + n)} holds only finite values: none with an absolute value above the largest float, nor NaN. */
    static boolean finite(float[] a, int off, int n) {
        int i = 0;
        for (int step = FLOATS.length(); i <= n - step; i += step) {
            // A NaN compares false, as an infinity does: one lane test per vector, no reduction across lanes.
            if (!FloatVector.fromArray(FLOATS, a, off + i).abs().compare(VectorOperators.LE, Float.MAX_VALUE).allTrue()) return false;
        }
        for (; i < n; i++) if (!Float.isFinite(a[off + i])) return false;
        return true;
    }
}
