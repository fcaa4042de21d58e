package dev.ember.arrow;

import dev.ember.arrow.NumericColumn.Kind;
import org.apache.spark.sql.catalyst.InternalRow;

/** {@link ColumnsFeatures} read straight from Spark's rows: one numeric column per feature. */
final class ColumnsRows implements RowFeatureReader {
    private final String[] names;
    private final int[] ordinals;
    private final Kind[] kinds;

    ColumnsRows(String[] names, int[] ordinals, Kind[] kinds) {
        this.names = names;
        this.ordinals = ordinals;
        this.kinds = kinds;
    }

    @Override
    public InvalidValue read(InternalRow row, float[] dst, int off, int numFeatures) {
        for (int c = 0; c < ordinals.length; c++) {
            if (row.isNullAt(ordinals[c])) return new InvalidValue(names[c], "null");
            double v = RowValues.get(row, ordinals[c], kinds[c]);
            float f = (float) v;
            if (!Float.isFinite(f)) return new InvalidValue(names[c], InvalidValue.value(v, RowValues.integral(kinds[c])));
            dst[off + c] = f;
        }
        return null;
    }
}
