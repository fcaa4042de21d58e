package dev.ember.arrow;

import java.nio.FloatBuffer;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.SmallIntVector;
import org.apache.arrow.vector.TinyIntVector;

/**
 * Reads one fixed-width numeric Arrow vector (float, double, byte, short, int, long) as doubles
 * straight from its data buffer: no boxing, and one final class with a switch so the JIT sees
 * a single call target instead of a megamorphic interface.
 */
final class NumericColumn {
    enum Kind { FLOAT32, FLOAT64, INT8, INT16, INT32, INT64 }

    private final String name;
    private final FieldVector vector;
    private final Kind kind;
    private final ArrowBuf data;
    /** For float32 data: one view over the whole buffer, so each row's bulk copy allocates nothing. */
    private final FloatBuffer floats;

    private NumericColumn(String name, FieldVector vector, Kind kind) {
        this.name = name;
        this.vector = vector;
        this.kind = kind;
        this.data = vector.getDataBuffer();
        int n = vector.getValueCount();
        this.floats = kind == Kind.FLOAT32 && n > 0 ? Buffers.floatView(data, 0, n) : null;
    }

    /** Wraps {@code vector}; {@code name} is used in error messages (the column, or column.element). */
    static NumericColumn of(String name, FieldVector vector) {
        Kind kind;
        if (vector instanceof Float4Vector) kind = Kind.FLOAT32;
        else if (vector instanceof Float8Vector) kind = Kind.FLOAT64;
        else if (vector instanceof TinyIntVector) kind = Kind.INT8;
        else if (vector instanceof SmallIntVector) kind = Kind.INT16;
        else if (vector instanceof IntVector) kind = Kind.INT32;
        else if (vector instanceof BigIntVector) kind = Kind.INT64;
        else throw new IllegalArgumentException("Column '" + name + "' must be numeric (float, double, byte, short, int or long), not "
                + vector.getField().getType());
        return new NumericColumn(name, vector, kind);
    }

    String name() { return name; }
    Kind kind() { return kind; }
    FieldVector vector() { return vector; }
    boolean integral() { return kind != Kind.FLOAT32 && kind != Kind.FLOAT64; }
    boolean hasNulls() { return vector.getNullCount() != 0; }
    boolean isNull(int i) { return vector.isNull(i); }

    double get(int i) {
        return switch (kind) {
            case FLOAT32 -> data.getFloat(i * 4L);
            case FLOAT64 -> data.getDouble(i * 8L);
            case INT8 -> data.getByte(i);
            case INT16 -> data.getShort(i * 2L);
            case INT32 -> data.getInt(i * 4L);
            case INT64 -> data.getLong(i * 8L);
        };
    }

    /**
     * Copies elements {@code [start, start + n)} as float32 into {@code dst[off...]}. Float32 data
     * goes through one bulk NIO copy; other types convert in a tight primitive loop.
     */
    void copyFloats(int start, int n, float[] dst, int off) {
        if (n == 0) return;
        switch (kind) {
            case FLOAT32 -> floats.get(start, dst, off, n);
            case FLOAT64 -> { for (int i = 0; i < n; i++) dst[off + i] = (float) data.getDouble((start + i) * 8L); }
            case INT8 -> { for (int i = 0; i < n; i++) dst[off + i] = data.getByte(start + i); }
            case INT16 -> { for (int i = 0; i < n; i++) dst[off + i] = data.getShort((start + i) * 2L); }
            case INT32 -> { for (int i = 0; i < n; i++) dst[off + i] = data.getInt((start + i) * 4L); }
            case INT64 -> { for (int i = 0; i < n; i++) dst[off + i] = data.getLong((start + i) * 8L); }
        }
    }
}
