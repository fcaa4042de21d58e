package dev.ember.examples.spark;

import dev.ember.spark.EmberModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;

/**
 * {@code examples/run score-fashion-mnist --data DIR --model MODEL_DIR [--out DIR]}: applies a saved
 * {@link EmberModel} to a Parquet folder of {@code features} rows and writes the predictions as Parquet
 * ({@code label} when the input has one, {@code prediction}, {@code probability}); prints the accuracy when the
 * data has labels.
 */
public final class ScoreJob {
    static final String USAGE = "score-fashion-mnist --data DIR --model MODEL_DIR [--out DIR (predictions Parquet)] [--batch-size N] [--master URL]";
    static final Set<String> OPTIONS = Set.of("data", "model", "out", "batch-size", "master");

    private ScoreJob() {}

    /** Rows scored, the accuracy (NaN without labels) and the seconds it took. */
    public record Result(long rows, double accuracy, double seconds) {}

    public static void main(String[] args) throws Exception {
        SparkJobs.job("score-fashion-mnist", USAGE, OPTIONS, args, ScoreJob::run);
    }

    public static Result run(SparkSession spark, String... args) throws Exception {
        return run(spark, SparkJobs.Args.parse(args, OPTIONS, false));
    }

    static Result run(SparkSession spark, SparkJobs.Args a) {
        String data = a.require("data"), modelDir = a.require("model"), out = a.get("out", null);
        long t0 = System.nanoTime();
        EmberModel model = EmberModel.load(modelDir);
        if (a.has("batch-size")) model.setBatchSize(a.getInt("batch-size", 0));
        Dataset<Row> input = spark.read().parquet(data);
        boolean labeled = Arrays.asList(input.columns()).contains("label");
        List<Column> keep = new ArrayList<>();
        if (labeled) keep.add(functions.col("label"));
        keep.add(functions.col("prediction"));
        keep.add(functions.col("probability"));
        Dataset<Row> predictions = model.transform(input).select(keep.toArray(new Column[0]));
        if (out != null) {
            predictions.write().mode(SaveMode.Overwrite).parquet(out);
            predictions = spark.read().parquet(out); // evaluate what was written, without scoring twice
        } else {
            predictions = predictions.cache();
        }
        long rows = predictions.count();
        double accuracy = labeled ? new MulticlassClassificationEvaluator().setMetricName("accuracy").evaluate(predictions) : Double.NaN;
        double seconds = SparkJobs.seconds(t0);
        System.out.printf(Locale.ROOT, "scored %d rows of %s with %s in %.1f s (%.0f rows/s)%s%n", rows, data, modelDir, seconds, rows / seconds,
                out != null ? " -> " + out : "");
        if (labeled) System.out.printf(Locale.ROOT, "accuracy %.4f%n", accuracy);
        if (out == null) predictions.unpersist();
        return new Result(rows, accuracy, seconds);
    }
}
