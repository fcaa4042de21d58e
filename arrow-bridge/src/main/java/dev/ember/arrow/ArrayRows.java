package dev.ember.arrow;

import dev.ember.arrow.NumericColumn.Kind;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.vectorized.ColumnVector;
import org.apache.spark.sql.vectorized.ColumnarBatch;

/** {@link ArrayFeatures} read straight from Spark's rows: an {@code array<float|double|byte|short|int|long>} column. */
final class ArrayRows implements RowFeatureReader {
    private final String column;
    private final int ordinal;
    private final Kind kind;
    private final double[] scratch = new double[FloatCopy.DOUBLES_PER_STEP];

    ArrayRows(String column, int ordinal, Kind kind) {
        this.column = column;
        this.ordinal = ordinal;
        this.kind = kind;
    }

    @Override
    public InvalidValue read(InternalRow row, float[] dst, int off, int numFeatures) {
        if (row.isNullAt(ordinal)) return new InvalidValue(column, "null");
        ArrayData a = row.getArray(ordinal);
        int len = a.numElements();
        if (len != numFeatures) return new InvalidValue(column, "array of length " + len + ", expected " + numFeatures);
        int nullAt = RowValues.firstNull(a);
        if (nullAt >= 0) return new InvalidValue(column, "element " + nullAt + " is null");
        // Integers are always finite; doubles may also overflow float32, which the check catches.
        return RowValues.copyFloats(a, kind, dst, off, len, scratch) ? null : FeatureReader.checkFinite(column, dst, off, len);
    }

    @Override
    public boolean readBlock(ColumnarBatch batch, int from, int n, float[] dst, int numFeatures) {
        if (kind != Kind.FLOAT32 && kind != Kind.FLOAT64) return false;
        ColumnVector arrays = batch.column(ordinal);
        int start = ColumnBlocks.contiguous(arrays, from, n, numFeatures);
        return start >= 0 && ColumnBlocks.copy(arrays.getChild(0), kind, start, n * numFeatures, dst);
    }
}
