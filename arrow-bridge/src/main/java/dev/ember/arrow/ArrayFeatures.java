package dev.ember.arrow;

import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.complex.ListVector;

/**
 * Features from an {@code array<float|double|byte|short|int|long>} column. Spark writes the
 * list's elements into one contiguous child buffer per batch, so each row is a slice of it:
 * float32 elements are bulk-copied, other types converted in a primitive loop.
 */
final class ArrayFeatures implements FeatureReader {
    private final String column;
    private final ListVector list;
    private final ArrowBuf offsets;
    private final NumericColumn elements;
    /** Counted once per batch: Arrow's null count scans the whole validity buffer. */
    private final boolean elementNulls;

    ArrayFeatures(String column, FieldVector vector) {
        if (!(vector instanceof ListVector l)) {
            throw new IllegalArgumentException("Column '" + column + "' must be an array of numbers, not " + vector.getField().getType());
        }
        this.column = column;
        this.list = l;
        this.offsets = l.getOffsetBuffer();
        this.elements = NumericColumn.of(column + ".element", l.getDataVector());
        this.elementNulls = elements.hasNulls();
    }

    private int start(int row) { return offsets.getInt(row * 4L); }
    private int end(int row) { return offsets.getInt((row + 1) * 4L); }

    @Override
    public int length(int row) {
        return list.isNull(row) ? -1 : end(row) - start(row);
    }

    @Override
    public InvalidValue read(int row, float[] dst, int off, int numFeatures) {
        if (list.isNull(row)) return new InvalidValue(column, "null");
        int start = start(row), len = end(row) - start;
        if (len != numFeatures) return new InvalidValue(column, "array of length " + len + ", expected " + numFeatures);
        if (elementNulls) {
            for (int i = 0; i < len; i++) {
                if (elements.isNull(start + i)) return new InvalidValue(column, "element " + i + " is null");
            }
        }
        elements.copyFloats(start, len, dst, off);
        // Integers are always finite; doubles may also overflow float32, which the check catches.
        return elements.integral() ? null : FeatureReader.checkFinite(column, dst, off, len);
    }
}
