package dev.ember.examples.spark;

import dev.ember.spark.EmberModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.evaluation.RegressionEvaluator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

/**
 * {@code examples/run score --data DIR --model MODEL_DIR [--out DIR]}: applies a model saved by {@link ParquetTrainJob}
 * (a Spark ML PipelineModel) to a Parquet folder with the same feature columns, writes the predictions as Parquet
 * (the label when the input has one, {@code prediction}, and {@code probability} for classifiers), and prints the
 * accuracy (classifiers) or RMSE (regressors) when the data has the label column.
 */
public final class ParquetScoreJob {
    static final String USAGE = "score --data DIR --model MODEL_DIR [--out DIR (predictions Parquet)] [--master URL]";
    static final Set<String> OPTIONS = Set.of("data", "model", "out", "master");

    private ParquetScoreJob() {}

    /** Rows scored and the metric (NaN without labels). */
    public record Result(long rows, String metric, double value) {}

    public static void main(String[] args) throws Exception {
        SparkJobs.job("ember-score", USAGE, OPTIONS, args, ParquetScoreJob::run);
    }

    public static Result run(SparkSession spark, String... args) throws Exception {
        return run(spark, SparkJobs.Args.parse(args, OPTIONS, false));
    }

    static Result run(SparkSession spark, SparkJobs.Args a) {
        String data = a.require("data"), modelDir = a.require("model"), out = a.get("out", null);
        PipelineModel model = PipelineModel.load(modelDir);
        EmberModel ember = (EmberModel) model.stages()[model.stages().length - 1];
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
        }
        long rows = predictions.count();
        String metric = metricName(ember);
        double value = labeled ? evaluate(ember, predictions) : Double.NaN;
        System.out.printf(Locale.ROOT, "scored %d rows of %s with %s%s%n", rows, data, modelDir, out != null ? " -> " + out : "");
        if (labeled) System.out.printf(Locale.ROOT, "%s %.4f%n", metric, value);
        return new Result(rows, metric, value);
    }

    /** Accuracy for a classifier, RMSE for a regressor. */
    static String metricName(EmberModel m) { return m.numClasses() > 1 ? "accuracy" : "rmse"; }

    static double evaluate(EmberModel m, Dataset<Row> predictions) {
        return m.numClasses() > 1
                ? new MulticlassClassificationEvaluator().setLabelCol(m.getLabelCol()).setPredictionCol(m.getPredictionCol()).setMetricName("accuracy").evaluate(predictions)
                : new RegressionEvaluator().setLabelCol(m.getLabelCol()).setPredictionCol(m.getPredictionCol()).setMetricName("rmse").evaluate(predictions);
    }
}
