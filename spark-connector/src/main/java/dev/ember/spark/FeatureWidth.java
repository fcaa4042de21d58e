package dev.ember.spark;

import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** The number of features per row, from the first row whose features are set. */
final class FeatureWidth {
    private FeatureWidth() {}

    static int of(Dataset<Row> df, String col, boolean vector) {
        Row[] first = (Row[]) df.select(col).where(df.col(col).isNotNull()).limit(1).collect();
        if (first.length == 0) throw new IllegalArgumentException("featuresCol '" + col + "' has no non-null rows: nothing to train on");
        int width = vector ? ((Vector) first[0].get(0)).size() : first[0].getList(0).size();
        if (width == 0) throw new IllegalArgumentException("featuresCol '" + col + "': the first row has 0 features");
        return width;
    }
}
