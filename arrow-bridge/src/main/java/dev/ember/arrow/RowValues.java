package dev.ember.arrow;

import dev.ember.arrow.NumericColumn.Kind;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeArrayData;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.types.ByteType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.ShortType;
import org.apache.spark.unsafe.Platform;

/**
 * Numbers straight out of Spark's rows and arrays. An {@code UnsafeArrayData} is a header (element count, null
 * bits) and then the elements back to back, so a float array is one bulk copy and other types one primitive loop
 * over its memory (float32 and float64 vectorized, {@link FloatCopy}); other {@code ArrayData} (a columnar scan's,
 * rows built by hand) are copied out whole for floating types and read element by element for integers.
 */
final class RowValues {
    private RowValues() {}

    /** The kind of a numeric Spark type, or {@code null} for any other type. */
    static Kind kindOf(DataType type) {
        if (type instanceof FloatType) return Kind.FLOAT32;
        if (type instanceof DoubleType) return Kind.FLOAT64;
        if (type instanceof ByteType) return Kind.INT8;
        if (type instanceof ShortType) return Kind.INT16;
        if (type instanceof IntegerType) return Kind.INT32;
        if (type instanceof LongType) return Kind.INT64;
        return null;
    }

    static boolean integral(Kind kind) { return kind != Kind.FLOAT32 && kind != Kind.FLOAT64; }

    /** A non-null field of {@code row} as a double. */
    static double get(InternalRow row, int ordinal, Kind kind) {
        return switch (kind) {
            case FLOAT32 -> row.getFloat(ordinal);
            case FLOAT64 -> row.getDouble(ordinal);
            case INT8 -> row.getByte(ordinal);
            case INT16 -> row.getShort(ordinal);
            case INT32 -> row.getInt(ordinal);
            case INT64 -> row.getLong(ordinal);
        };
    }

    /** The index of the array's first null element, or -1. */
    static int firstNull(ArrayData a) {
        int n = a.numElements();
        if (a instanceof UnsafeArrayData u) {
            // The null bits follow the 8-byte count, 64 elements a word: test whole words first.
            Object base = u.getBaseObject();
            long bits = u.getBaseOffset() + 8;
            for (int w = 0; w < (n + 63) / 64; w++) {
                long word = Platform.getLong(base, bits + 8L * w);
                if (word != 0) return 64 * w + Long.numberOfTrailingZeros(word);
            }
            return -1;
        }
        for (int i = 0; i < n; i++) if (a.isNullAt(i)) return i;
        return -1;
    }

    /**
     * Copies the array's first {@code n} elements, of {@code kind}, as float32 into {@code dst[off...]}; float64
     * values of an {@code UnsafeArrayData} pass through {@code scratch} ({@link FloatCopy#DOUBLES_PER_STEP} doubles).
     *
     * @return true when every value copied is known to be finite; false when some may not be (check them)
     */
    static boolean copyFloats(ArrayData a, Kind kind, float[] dst, int off, int n, double[] scratch) {
        if (a instanceof UnsafeArrayData u) {
            Object base = u.getBaseObject();
            long at = u.getBaseOffset() + UnsafeArrayData.calculateHeaderPortionInBytes(u.numElements());
            if (base instanceof byte[] bytes && (kind == Kind.FLOAT32 || kind == Kind.FLOAT64)) {
                int from = (int) (at - Platform.BYTE_ARRAY_OFFSET);
                return kind == Kind.FLOAT32 ? FloatCopy.floats(bytes, from, dst, off, n) : FloatCopy.doubles(bytes, from, dst, off, n, scratch);
            }
            switch (kind) {
                case FLOAT32 -> Platform.copyMemory(base, at, dst, Platform.FLOAT_ARRAY_OFFSET + 4L * off, 4L * n);
                case FLOAT64 -> { for (int i = 0; i < n; i++) dst[off + i] = (float) Platform.getDouble(base, at + 8L * i); }
                case INT8 -> { for (int i = 0; i < n; i++) dst[off + i] = Platform.getByte(base, at + i); }
                case INT16 -> { for (int i = 0; i < n; i++) dst[off + i] = Platform.getShort(base, at + 2L * i); }
                case INT32 -> { for (int i = 0; i < n; i++) dst[off + i] = Platform.getInt(base, at + 4L * i); }
                case INT64 -> { for (int i = 0; i < n; i++) dst[off + i] = Platform.getLong(base, at + 8L * i); }
            }
            return integral(kind);
        }
        // A columnar scan's ColumnarArray copies its slice out in bulk; a GenericArrayData unboxes.
        if (kind == Kind.FLOAT32) return FloatCopy.floats(a.toFloatArray(), dst, off, n);
        if (kind == Kind.FLOAT64) return FloatCopy.doubles(a.toDoubleArray(), dst, off, n);
        switch (kind) {
            case INT8 -> { for (int i = 0; i < n; i++) dst[off + i] = a.getByte(i); }
            case INT16 -> { for (int i = 0; i < n; i++) dst[off + i] = a.getShort(i); }
            case INT32 -> { for (int i = 0; i < n; i++) dst[off + i] = a.getInt(i); }
            case INT64 -> { for (int i = 0; i < n; i++) dst[off + i] = a.getLong(i); }
            default -> throw new AssertionError(kind);
        }
        return true;
    }
}
