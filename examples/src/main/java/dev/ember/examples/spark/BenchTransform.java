package dev.ember.examples.spark;

import dev.ember.spark.EmberEstimator;
import dev.ember.spark.EmberModel;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.classification.MultilayerPerceptronClassifier;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

/**
 * {@code examples/run bench-transform [--rows N] [--partitions P] [--reps R] [--master URL]}: scoring rows/s of an
 * EmberModel (MLP 64-64-10) next to MLlib's LogisticRegressionModel and MultilayerPerceptronClassificationModel
 * (layers 64-64-10) on the same cached rows (id, label, features: a dense Vector of 64, note: a string), in one run.
 *
 * <p>Two queries per model, each run to the end with Spark's {@code noop} sink so every output column is computed:
 * the whole {@code transform(df)}, and {@code transform(df).select("label", "prediction")}. The models take turns,
 * one run each per round; rows/s is the median over the rounds after a warm-up round. The same two queries with no model
 * ({@code df} itself, and a select of two of its columns) give the rows/s no model can beat (the scan and the write alone). The models are fitted
 * briefly on a sample first: their accuracy does not matter here, their cost per row does.
 */
public final class BenchTransform {
    static final String USAGE = "bench-transform [--rows N (1000000)] [--partitions P (2)] [--reps R (5)] [--master URL (local[2])]";
    static final int F = 64, CLASSES = 10;

    private BenchTransform() {}

    public static void main(String[] args) throws Exception {
        SparkJobs.main(USAGE, () -> {
            SparkJobs.Args a = SparkJobs.Args.parse(args, Set.of("rows", "partitions", "reps", "master"), false);
            int n = a.getInt("rows", 1_000_000), partitions = a.getInt("partitions", 2), reps = a.getInt("reps", 5);
            SparkJobs.withSession("bench-transform", a.get("master", null), "local[2]", spark -> run(spark, n, partitions, reps));
        });
    }

    static void run(SparkSession spark, int n, int partitions, int reps) {
        Dataset<Row> df = rows(spark, n, partitions).persist(StorageLevel.MEMORY_ONLY());
        long t0 = System.nanoTime();
        long count = df.count();
        System.out.printf(Locale.ROOT, "bench-transform: %d rows x %d features, %d partitions, %s; cached in %.1f s%n",
                count, F, partitions, spark.sparkContext().master(), SparkJobs.seconds(t0));
        Dataset<Row> sample = df.limit(20_000).cache();
        String spec = "{\"layers\": [{\"type\": \"Linear\", \"in_features\": " + F + ", \"out_features\": 64}, {\"type\": \"ReLU\"}, "
                + "{\"type\": \"Linear\", \"in_features\": 64, \"out_features\": " + CLASSES + "}]}";
        EmberModel ember = new EmberEstimator().setModelSpec(spec).setMaxEpochs(1).setBatchSize(128).setSeed(1).fit(sample);
        Transformer lr = new LogisticRegression().setMaxIter(5).fit(sample);
        Transformer mlpc = new MultilayerPerceptronClassifier().setLayers(new int[]{F, 64, CLASSES}).setMaxIter(5).setSeed(1L).fit(sample);
        sample.unpersist();

        List<String> names = List.of("Ember MLP 64-64-10", "MLlib LogisticRegression", "MLlib MLPC 64-64-10");
        List<Transformer> models = List.of(ember, lr, mlpc);
        double[][] all = new double[3][reps], selected = new double[3][reps];
        // What no model can beat: the same queries with no model, the cached rows read and written out.
        double[] scanAll = new double[reps], scanSelected = new double[reps];
        for (int r = -1; r < reps; r++) { // round -1 warms up
            for (int m = 0; m < 3; m++) {
                double full = rowsPerSecond(models.get(m).transform(df), count);
                double two = rowsPerSecond(models.get(m).transform(df).select("label", "prediction"), count);
                if (r >= 0) {
                    all[m][r] = full;
                    selected[m][r] = two;
                }
            }
            double full = rowsPerSecond(df, count), two = rowsPerSecond(df.select("label", "id"), count);
            if (r >= 0) {
                scanAll[r] = full;
                scanSelected[r] = two;
            }
        }
        System.out.printf(Locale.ROOT, "rows/s over the whole job (%d partitions), median of %d rounds after a warm-up round%n%n", partitions, reps);
        System.out.printf("%-28s %16s %26s%n", "model", "transform rows/s", "+ select(label, prediction)");
        double[] full = new double[3], two = new double[3];
        for (int m = 0; m < 3; m++) {
            full[m] = BenchBridge.median(all[m]);
            two[m] = BenchBridge.median(selected[m]);
            System.out.printf(Locale.ROOT, "%-28s %16.0f %26.0f%n", names.get(m), full[m], two[m]);
        }
        System.out.printf(Locale.ROOT, "%-28s %16.0f %26.0f%n", "no model (rows read, written)", BenchBridge.median(scanAll),
                BenchBridge.median(scanSelected));
        System.out.printf(Locale.ROOT, "%nratios (Ember rows/s / MLlib rows/s; > 1: Ember is faster)%n");
        System.out.printf(Locale.ROOT, "  vs LogisticRegressionModel:   %.2fx, with the select %.2fx (goal >= 1.5x)%n", full[0] / full[1], two[0] / two[1]);
        System.out.printf(Locale.ROOT, "  vs MLPC with the same layers: %.2fx, with the select %.2fx (goal >= 1x)%n", full[0] / full[2], two[0] / two[2]);
        df.unpersist();
    }

    /** Runs the query to the end, computing every column it has, and returns rows/s over the whole job. */
    private static double rowsPerSecond(Dataset<Row> query, long rows) {
        long t0 = System.nanoTime();
        query.write().format("noop").mode("overwrite").save();
        return rows / SparkJobs.seconds(t0);
    }

    /** Seeded rows: features from one of 10 Gaussian blobs, the label its index. */
    private static Dataset<Row> rows(SparkSession spark, int n, int partitions) {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        List<int[]> ranges = new ArrayList<>();
        for (int p = 0; p < partitions; p++) ranges.add(new int[]{(int) ((long) n * p / partitions), (int) ((long) n * (p + 1) / partitions)});
        JavaRDD<Row> rows = jsc.parallelize(ranges, partitions).flatMap(r -> {
            List<Row> out = new ArrayList<>(r[1] - r[0]);
            for (int i = r[0]; i < r[1]; i++) {
                SplittableRandom rnd = new SplittableRandom(0x5EED + i);
                int label = rnd.nextInt(CLASSES);
                double[] x = new double[F];
                for (int j = 0; j < F; j++) x[j] = (j % CLASSES == label ? 1.0 : 0.0) + rnd.nextDouble() - 0.5;
                out.add(RowFactory.create((long) i, (double) label, Vectors.dense(x), "row " + i));
            }
            return out.iterator();
        });
        StructType schema = new StructType().add("id", DataTypes.LongType, false).add("label", DataTypes.DoubleType, false)
                .add("features", SQLDataTypes.VectorType(), false).add("note", DataTypes.StringType, false);
        return spark.createDataFrame(rows, schema);
    }
}
