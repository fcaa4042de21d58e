package dev.ember.arrow;

import java.util.List;

/** Features from several numeric columns, one feature per column, in the order given. */
final class ColumnsFeatures implements FeatureReader {
    private final NumericColumn[] columns;

    ColumnsFeatures(List<NumericColumn> columns) {
        this.columns = columns.toArray(new NumericColumn[0]);
    }

    @Override
    public int length(int row) { return columns.length; }

    @Override
    public InvalidValue read(int row, float[] dst, int off, int numFeatures) {
        for (int c = 0; c < columns.length; c++) {
            NumericColumn col = columns[c];
            if (col.isNull(row)) return new InvalidValue(col.name(), "null");
            double v = col.get(row);
            float f = (float) v;
            if (!Float.isFinite(f)) return new InvalidValue(col.name(), InvalidValue.value(v, col.integral()));
            dst[off + c] = f;
        }
        return null;
    }
}
