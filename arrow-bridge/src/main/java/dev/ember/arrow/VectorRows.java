package dev.ember.arrow;

import dev.ember.arrow.NumericColumn.Kind;
import java.util.Arrays;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeArrayData;
import org.apache.spark.sql.catalyst.expressions.UnsafeRow;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.vectorized.ColumnVector;
import org.apache.spark.sql.vectorized.ColumnarBatch;
import org.apache.spark.unsafe.Platform;

/**
 * {@link MlVectorFeatures} read straight from Spark's rows: the {@code VectorUDT} struct
 * (type, size, indices, values) without going through Arrow. A dense vector of an on-heap {@code UnsafeRow} is found
 * in the row's bytes and its doubles copied and cast in bulk; other rows are read through Spark's struct and array
 * views, sparse ones scattered into a zeroed row.
 */
final class VectorRows implements RowFeatureReader {
    private static final int TYPE = 0, SIZE = 1, INDICES = 2, VALUES = 3;

    private final String column;
    private final int ordinal;
    private final double[] scratch = new double[FloatCopy.DOUBLES_PER_STEP];

    VectorRows(String column, int ordinal) {
        this.column = column;
        this.ordinal = ordinal;
    }

    @Override
    public InvalidValue read(InternalRow row, float[] dst, int off, int numFeatures) {
        long dense = denseValues(row, numFeatures);
        if (dense >= 0) {
            byte[] bytes = (byte[]) ((UnsafeRow) row).getBaseObject();
            int from = (int) (dense - Platform.BYTE_ARRAY_OFFSET);
            return FloatCopy.doubles(bytes, from, dst, off, numFeatures, scratch) ? null : FeatureReader.checkFinite(column, dst, off, numFeatures);
        }
        if (row.isNullAt(ordinal)) return new InvalidValue(column, "null");
        InternalRow v = row.getStruct(ordinal, 4);
        if (v.isNullAt(TYPE)) return new InvalidValue(column, "vector without type");
        byte t = v.getByte(TYPE);
        if (v.isNullAt(VALUES)) return new InvalidValue(column, "vector without values");
        ArrayData values = v.getArray(VALUES);
        int vLen = values.numElements();
        if (t == MlVectorFeatures.DENSE) {
            if (vLen != numFeatures) return new InvalidValue(column, "dense vector of size " + vLen + ", expected " + numFeatures);
            return RowValues.copyFloats(values, Kind.FLOAT64, dst, off, vLen, scratch) ? null : FeatureReader.checkFinite(column, dst, off, vLen);
        }
        if (t != MlVectorFeatures.SPARSE) return new InvalidValue(column, "unknown vector type " + t);
        if (v.isNullAt(SIZE) || v.isNullAt(INDICES)) return new InvalidValue(column, "sparse vector without size or indices");
        int n = v.getInt(SIZE);
        if (n != numFeatures) return new InvalidValue(column, "sparse vector of size " + n + ", expected " + numFeatures);
        ArrayData indices = v.getArray(INDICES);
        int nnz = indices.numElements();
        if (nnz != vLen) return new InvalidValue(column, "sparse vector with " + nnz + " indices but " + vLen + " values");
        // The slot may hold a previously skipped row: clear it before scattering.
        Arrays.fill(dst, off, off + numFeatures, 0f);
        for (int k = 0; k < nnz; k++) {
            int index = indices.getInt(k);
            if (index < 0 || index >= numFeatures) {
                return new InvalidValue(column, "sparse index " + index + " outside [0, " + numFeatures + ")");
            }
            double d = values.getDouble(k);
            float f = (float) d;
            if (!Float.isFinite(f)) return new InvalidValue(column, "element " + index + " is " + d);
            dst[off + index] = f;
        }
        return null;
    }

    /** Dense vectors only: a columnar batch holds the struct's fields as child vectors, the values an array of doubles. */
    @Override
    public boolean readBlock(ColumnarBatch batch, int from, int n, float[] dst, int numFeatures) {
        ColumnVector struct = batch.column(ordinal), type = struct.getChild(TYPE), values = struct.getChild(VALUES);
        for (int r = from; r < from + n; r++) {
            if (struct.isNullAt(r) || type.isNullAt(r) || type.getByte(r) != MlVectorFeatures.DENSE) return false;
        }
        int start = ColumnBlocks.contiguous(values, from, n, numFeatures);
        return start >= 0 && ColumnBlocks.copy(values.getChild(0), Kind.FLOAT64, start, n * numFeatures, dst);
    }

    /**
     * Where the values of a dense vector of {@code f} elements start in an on-heap {@code UnsafeRow}'s bytes, read in
     * place (no struct or array view per row); -1 for anything else, which {@link #read} then reads through views.
     * The struct's 4 fields follow one word of null bits; its values are an {@code UnsafeArrayData}.
     */
    private long denseValues(InternalRow row, int f) {
        if (!(row instanceof UnsafeRow u) || !(u.getBaseObject() instanceof byte[] bytes) || u.isNullAt(ordinal)) return -1;
        long struct = u.getBaseOffset() + (u.getLong(ordinal) >> 32);
        if ((Platform.getLong(bytes, struct) & (1L << TYPE | 1L << VALUES)) != 0 || Platform.getByte(bytes, struct + 8) != MlVectorFeatures.DENSE) return -1;
        long values = struct + (Platform.getLong(bytes, struct + 8 + 8L * VALUES) >> 32);
        if (Platform.getLong(bytes, values) != f) return -1;
        return values + UnsafeArrayData.calculateHeaderPortionInBytes(f);
    }
}
