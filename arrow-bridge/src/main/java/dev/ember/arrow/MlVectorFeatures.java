package dev.ember.arrow;

import java.util.Arrays;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.TinyIntVector;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.complex.StructVector;

/**
 * Features from a Spark ML {@code Vector} column, which Arrow carries as the UDT's SQL struct
 * {@code (type: byte, size: int, indices: array<int>, values: array<double>)}: type 1 is dense
 * (only values), type 0 sparse (size, indices, values). Sparse rows stay sparse in Arrow and are
 * scattered into a zeroed dense row here.
 */
final class MlVectorFeatures implements FeatureReader {
    static final byte SPARSE = 0;
    static final byte DENSE = 1;

    private final String column;
    private final StructVector struct;
    private final TinyIntVector type;
    private final IntVector size;
    private final ListVector indices;
    private final ArrowBuf indexData;
    private final ListVector values;
    private final NumericColumn valueData;

    MlVectorFeatures(String column, FieldVector vector) {
        if (!(vector instanceof StructVector s) || !(s.getChild(MlVectorSchema.TYPE) instanceof TinyIntVector t)
                || !(s.getChild(MlVectorSchema.SIZE) instanceof IntVector sz)
                || !(s.getChild(MlVectorSchema.INDICES) instanceof ListVector ix) || !(ix.getDataVector() instanceof IntVector)
                || !(s.getChild(MlVectorSchema.VALUES) instanceof ListVector vs)) {
            throw new IllegalArgumentException("Column '" + column + "' must be a Spark ML Vector (struct<type: byte, size: int, "
                    + "indices: array<int>, values: array<double>>), not " + vector.getField());
        }
        this.column = column;
        this.struct = s;
        this.type = t;
        this.size = sz;
        this.indices = ix;
        this.indexData = ix.getDataVector().getDataBuffer();
        this.values = vs;
        this.valueData = NumericColumn.of(column + ".values", vs.getDataVector());
    }

    private static int start(ListVector l, int row) { return l.getOffsetBuffer().getInt(row * 4L); }
    private static int len(ListVector l, int row) { return l.getOffsetBuffer().getInt((row + 1) * 4L) - start(l, row); }

    @Override
    public int length(int row) {
        if (struct.isNull(row) || type.isNull(row)) return -1;
        byte t = type.get(row);
        if (t == DENSE) return values.isNull(row) ? -1 : len(values, row);
        if (t == SPARSE) return size.isNull(row) ? -1 : size.get(row);
        return -1;
    }

    @Override
    public InvalidValue read(int row, float[] dst, int off, int numFeatures) {
        if (struct.isNull(row)) return new InvalidValue(column, "null");
        if (type.isNull(row)) return new InvalidValue(column, "vector without type");
        byte t = type.get(row);
        if (values.isNull(row)) return new InvalidValue(column, "vector without values");
        int vStart = start(values, row), vLen = len(values, row);
        if (t == DENSE) {
            if (vLen != numFeatures) return new InvalidValue(column, "dense vector of size " + vLen + ", expected " + numFeatures);
            valueData.copyFloats(vStart, vLen, dst, off);
            return FeatureReader.checkFinite(column, dst, off, vLen);
        }
        if (t != SPARSE) return new InvalidValue(column, "unknown vector type " + t);
        if (size.isNull(row) || indices.isNull(row)) return new InvalidValue(column, "sparse vector without size or indices");
        int n = size.get(row);
        if (n != numFeatures) return new InvalidValue(column, "sparse vector of size " + n + ", expected " + numFeatures);
        int iStart = start(indices, row), nnz = len(indices, row);
        if (nnz != vLen) return new InvalidValue(column, "sparse vector with " + nnz + " indices but " + vLen + " values");
        // The slot may hold a previously skipped row: clear it before scattering.
        Arrays.fill(dst, off, off + numFeatures, 0f);
        for (int k = 0; k < nnz; k++) {
            int index = indexData.getInt((iStart + k) * 4L);
            if (index < 0 || index >= numFeatures) {
                return new InvalidValue(column, "sparse index " + index + " outside [0, " + numFeatures + ")");
            }
            double v = valueData.get(vStart + k);
            float f = (float) v;
            if (!Float.isFinite(f)) return new InvalidValue(column, "element " + index + " is " + v);
            dst[off + index] = f;
        }
        return null;
    }
}
