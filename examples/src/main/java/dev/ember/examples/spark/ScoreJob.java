package dev.ember.examples.spark;

import dev.ember.spark.EmberModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.evaluation.RegressionEvaluator;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

/**
 * {@code examples/run score --data DIR --model MODEL_DIR [--out DIR]} (also {@code score-fashion-mnist}): applies a
 * saved model, an {@link EmberModel} or a Spark ML PipelineModel ending in one (what {@link ParquetTrainJob} saves),
 * to a Parquet folder with the columns it was trained on; writes the predictions as Parquet (the label when the input
 * has it, {@code prediction}, and {@code probability} for classifiers) and prints the accuracy (classifiers) or RMSE
 * (regressors) when the data has the label column.
 */
public final class ScoreJob {
    static final String USAGE = "score --data DIR --model MODEL_DIR (EmberModel or PipelineModel) [--out DIR (predictions Parquet)] "
            + "[--batch-size N (rows per model call)] [--master URL]";
    static final Set<String> OPTIONS = Set.of("data", "model", "out", "batch-size", "master");

    private ScoreJob() {}

    /** Rows scored, the metric ("accuracy" or "rmse") and its value (NaN without labels), and the seconds it took. */
    public record Result(long rows, String metric, double value, double seconds) {
        /** The accuracy of a classifier on labelled rows, else NaN. */
        public double accuracy() { return metric.equals("accuracy") ? value : Double.NaN; }
    }

    public static void main(String[] args) throws Exception {
        SparkJobs.job("ember-score", USAGE, OPTIONS, args, ScoreJob::run);
    }

    public static Result run(SparkSession spark, String... args) throws Exception {
        return run(spark, SparkJobs.Args.parse(args, OPTIONS, false));
    }

    static Result run(SparkSession spark, SparkJobs.Args a) {
        String data = a.require("data"), modelDir = a.require("model"), out = a.get("out", null);
        long t0 = System.nanoTime();
        Model<?> model = load(spark, modelDir);
        EmberModel ember = model instanceof PipelineModel p ? (EmberModel) p.stages()[p.stages().length - 1] : (EmberModel) model;
        if (a.has("batch-size")) ember.setBatchSize(a.getInt("batch-size", 0));
        Dataset<Row> input = spark.read().parquet(data);
        boolean labeled = Arrays.asList(input.columns()).contains(ember.getLabelCol());
        List<String> keep = new ArrayList<>();
        if (labeled) keep.add(ember.getLabelCol());
        keep.add(ember.getPredictionCol());
        if (ember.numClasses() > 1) keep.add(ember.getProbabilityCol());
        Dataset<Row> predictions = model.transform(input).selectExpr(keep.toArray(String[]::new));
        if (out != null) {
            predictions.write().mode(SaveMode.Overwrite).parquet(out);
            predictions = spark.read().parquet(out); // evaluate what was written, without scoring twice
        } else {
            predictions = predictions.cache();
        }
        long rows = predictions.count();
        String metric = metricName(ember);
        double value = labeled ? evaluate(ember, predictions) : Double.NaN;
        if (out == null) predictions.unpersist();
        double seconds = SparkJobs.seconds(t0);
        System.out.printf(Locale.ROOT, "scored %d rows of %s with %s in %.1f s (%.0f rows/s)%s%n", rows, data, modelDir, seconds, rows / seconds,
                out != null ? " -> " + out : "");
        if (labeled) System.out.printf(Locale.ROOT, "%s %.4f%n", metric, value);
        return new Result(rows, metric, value, seconds);
    }

    /** The model saved in {@code dir}: a PipelineModel or an EmberModel, as its Spark ML metadata says. */
    static Model<?> load(SparkSession spark, String dir) {
        String saved = DefaultParamsReader.loadMetadata(dir, spark, "").className();
        if (saved.equals(PipelineModel.class.getName())) return PipelineModel.load(dir);
        if (saved.equals(EmberModel.class.getName())) return EmberModel.load(dir);
        throw new SparkJobs.UsageException("--model " + dir + " holds a " + saved + ", not an EmberModel or a PipelineModel ending in one");
    }

    /** Accuracy for a classifier, RMSE for a regressor. */
    static String metricName(EmberModel m) { return m.numClasses() > 1 ? "accuracy" : "rmse"; }

    static double evaluate(EmberModel m, Dataset<Row> predictions) {
        return m.numClasses() > 1
                ? new MulticlassClassificationEvaluator().setLabelCol(m.getLabelCol()).setPredictionCol(m.getPredictionCol()).setMetricName("accuracy").evaluate(predictions)
                : new RegressionEvaluator().setLabelCol(m.getLabelCol()).setPredictionCol(m.getPredictionCol()).setMetricName("rmse").evaluate(predictions);
    }
}
