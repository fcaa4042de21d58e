package dev.ember.spark;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/** One local[2] SparkSession for the module's tests, and small generated datasets whose answers are known. */
final class TestSpark {
    private static SparkSession spark;

    private TestSpark() {}

    static synchronized SparkSession session() {
        if (spark == null || spark.sparkContext().isStopped()) {
            spark = SparkSession.builder().master("local[2]").appName("ember-tests")
                    .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
                    .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "4")
                    .getOrCreate();
            spark.sparkContext().setLogLevel("WARN");
        }
        return spark;
    }

    static final StructType VECTOR_SCHEMA = new StructType()
            .add("label", DataTypes.DoubleType).add("features", SQLDataTypes.VectorType());

    /**
     * {@code n} points in 4-D around three well-separated centres; the label is the centre's index.
     * A small MLP separates them almost perfectly, so accuracy well above 1/3 shows learning.
     */
    static Dataset<Row> blobs(int n, long seed, int partitions) { return frame(blobRows(n, seed), partitions); }

    static List<Row> blobRows(int n, long seed) {
        double[][] centres = {{2, 0, 0, -1}, {-2, 1, 0, 1}, {0, -2, 2, 0}};
        Random rnd = new Random(seed);
        List<Row> rows = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int c = rnd.nextInt(3);
            double[] x = new double[4];
            for (int j = 0; j < 4; j++) x[j] = centres[c][j] + 0.5 * rnd.nextGaussian();
            rows.add(RowFactory.create((double) c, Vectors.dense(x)));
        }
        return rows;
    }

    /** Rows split into {@code partitions} slices in order: the same layout on every run, unlike a shuffle. */
    static Dataset<Row> frame(List<Row> rows, int partitions) { return frame(session(), rows, partitions); }

    static Dataset<Row> frame(SparkSession spark, List<Row> rows, int partitions) {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        return spark.createDataFrame(jsc.parallelize(rows, partitions), VECTOR_SCHEMA);
    }

    /** An MLP spec for {@link #blobs}: 4 -> 16 -> k. */
    static String mlpSpec(int inputs, int outputs) {
        return "{\"layers\": [{\"type\": \"Linear\", \"in_features\": " + inputs + ", \"out_features\": 16}, {\"type\": \"ReLU\"},"
                + " {\"type\": \"Linear\", \"in_features\": 16, \"out_features\": " + outputs + "}]}";
    }
}
