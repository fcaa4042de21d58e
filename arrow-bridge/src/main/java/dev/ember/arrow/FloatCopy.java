package dev.ember.arrow;

import java.nio.ByteOrder;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Copies little-endian float32 or float64 values out of a Spark row's bytes into a float row with the Vector
 * API, finding in the same pass whether every value is finite in float32: a plain loop of {@code (float)} casts
 * and a separate {@code Float.isFinite} scan take about five times as long. The casts round as Java's do.
 */
final class FloatCopy {
    private static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Double> DOUBLES = DoubleVector.SPECIES_PREFERRED;
    /** As many float lanes as DOUBLES has double lanes. */
    private static final VectorSpecies<Float> HALF = VectorSpecies.of(float.class, VectorShape.forBitSize(DOUBLES.vectorBitSize() / 2));

    private FloatCopy() {}

    /** Copies {@code n} float32 values from {@code src[at...]}; true when all are finite. */
    static boolean floats(byte[] src, int at, float[] dst, int off, int n) {
        FloatVector max = FloatVector.zero(FLOATS);
        int i = 0;
        for (int step = FLOATS.length(); i <= n - step; i += step) {
            FloatVector v = FloatVector.fromByteArray(FLOATS, src, at + 4 * i, ByteOrder.LITTLE_ENDIAN);
            v.intoArray(dst, off + i);
            max = max.max(v.abs()); // NaN propagates through max
        }
        float m = max.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) {
            float f = Float.intBitsToFloat(readIntLE(src, at + 4 * i));
            dst[off + i] = f;
            m = Math.max(m, Math.abs(f));
        }
        return m <= Float.MAX_VALUE;
    }

    /** Copies {@code n} float64 values from {@code src[at...]}, cast to float32; true when all are finite in float32. */
    static boolean doubles(byte[] src, int at, float[] dst, int off, int n) {
        FloatVector max = FloatVector.zero(HALF);
        int i = 0;
        for (int step = DOUBLES.length(); i <= n - step; i += step) {
            DoubleVector d = DoubleVector.fromByteArray(DOUBLES, src, at + 8 * i, ByteOrder.LITTLE_ENDIAN);
            FloatVector v = (FloatVector) d.castShape(HALF, 0);
            v.intoArray(dst, off + i);
            max = max.max(v.abs());
        }
        float m = max.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) {
            float f = (float) Double.longBitsToDouble(readLongLE(src, at + 8 * i));
            dst[off + i] = f;
            m = Math.max(m, Math.abs(f));
        }
        return m <= Float.MAX_VALUE;
    }

    /** Copies {@code n} values from {@code src[0...]} (an array Spark copied out for us); true when all are finite. */
    static boolean floats(float[] src, float[] dst, int off, int n) {
        System.arraycopy(src, 0, dst, off, n);
        FloatVector max = FloatVector.zero(FLOATS);
        int i = 0;
        for (int step = FLOATS.length(); i <= n - step; i += step) max = max.max(FloatVector.fromArray(FLOATS, src, i).abs());
        float m = max.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) m = Math.max(m, Math.abs(src[i]));
        return m <= Float.MAX_VALUE;
    }

    /** Casts {@code n} values from {@code src[0...]} to float32; true when all are finite in float32. */
    static boolean doubles(double[] src, float[] dst, int off, int n) {
        FloatVector max = FloatVector.zero(HALF);
        int i = 0;
        for (int step = DOUBLES.length(); i <= n - step; i += step) {
            FloatVector v = (FloatVector) DoubleVector.fromArray(DOUBLES, src, i).castShape(HALF, 0);
            v.intoArray(dst, off + i);
            max = max.max(v.abs());
        }
        float m = max.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) {
            float f = (float) src[i];
            dst[off + i] = f;
            m = Math.max(m, Math.abs(f));
        }
        return m <= Float.MAX_VALUE;
    }

    private static int readIntLE(byte[] b, int at) {
        return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8 | (b[at + 2] & 0xff) << 16 | (b[at + 3] & 0xff) << 24;
    }

    private static long readLongLE(byte[] b, int at) {
        return (readIntLE(b, at) & 0xffffffffL) | (long) readIntLE(b, at + 4) << 32;
    }
}
