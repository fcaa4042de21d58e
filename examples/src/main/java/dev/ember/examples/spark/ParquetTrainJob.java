package dev.ember.examples.spark;

import dev.ember.spark.EmberEstimator;
import dev.ember.spark.EmberModel;
import dev.ember.spark.TrainingSummary;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * {@code examples/run train --data DIR --spec SPEC.json --out MODEL_DIR [--features COL | COL1,COL2,...] [--label COL] ...}:
 * fits an {@link EmberEstimator} on any Parquet folder, with no code: the features are one column (an ML Vector or
 * an array of numbers) or a list of numeric columns (assembled into one vector by Spark's VectorAssembler), the
 * model is a spec file (docs/model-spec.md). Saves a Spark ML {@link PipelineModel} (the assembler, when there is
 * one, and the model), so {@link ScoreJob} needs only the model folder. Prints one line per round and, with
 * {@code --test}, the test accuracy (classification losses) or RMSE (regression losses).
 */
public final class ParquetTrainJob {
    static final String USAGE = "train --data DIR --spec SPEC.json --out MODEL_DIR [--features COL|COL1,COL2,... (features)] [--label COL (label)]"
            + " [--test DIR] [--loss crossEntropy|nll|bceWithLogits|mse|l1|smoothL1|huber (crossEntropy)] [--epochs N (10)] [--workers N (2)]"
            + " [--batch-size N (128)] [--lr X (0.003)] [--lr-schedule constant|cosine (cosine)] [--optimizer NAME (adam)] [--local-steps N (0: auto)]"
            + " [--seed N (42)] [--master URL]";
    static final Set<String> OPTIONS = Set.of("data", "spec", "out", "features", "label", "test", "loss", "epochs", "workers", "batch-size", "lr",
            "lr-schedule", "optimizer", "local-steps", "seed", "master");
    /** The assembled vector's column when the features are a list of columns. */
    static final String ASSEMBLED = "ember_features";

    private ParquetTrainJob() {}

    /** The saved pipeline, its summary, and the test metric (NaN without --test). */
    public record Result(PipelineModel model, TrainingSummary summary, String metric, double testMetric) {}

    public static void main(String[] args) throws Exception {
        SparkJobs.job("ember-train", USAGE, OPTIONS, args, ParquetTrainJob::run);
    }

    public static Result run(SparkSession spark, String... args) throws Exception {
        return run(spark, SparkJobs.Args.parse(args, OPTIONS, false));
    }

    static Result run(SparkSession spark, SparkJobs.Args a) throws Exception {
        String data = a.require("data"), out = a.require("out"), label = a.get("label", "label");
        Path specFile = Path.of(a.require("spec"));
        if (!Files.isRegularFile(specFile)) throw new SparkJobs.UsageException("--spec: no model spec file " + specFile.toAbsolutePath());
        Dataset<Row> train = spark.read().parquet(data);
        List<String> features = Arrays.asList(a.get("features", "features").split(","));
        for (String c : features) {
            if (!Arrays.asList(train.columns()).contains(c)) {
                throw new SparkJobs.UsageException("--features: no column '" + c + "' in " + data + " (columns: " + String.join(", ", train.columns()) + ")");
            }
        }

        List<PipelineStage> stages = new ArrayList<>();
        String featuresCol = features.get(0);
        if (features.size() > 1) {
            stages.add(new VectorAssembler().setInputCols(features.toArray(String[]::new)).setOutputCol(ASSEMBLED).setHandleInvalid("error"));
            featuresCol = ASSEMBLED;
        }
        EmberEstimator estimator = new EmberEstimator().setFeaturesCol(featuresCol).setLabelCol(label)
                .setModelSpec(Files.readString(specFile)).setLoss(a.get("loss", "crossEntropy"))
                .setOptimizer(a.get("optimizer", "adam")).setLearningRate(a.getDouble("lr", 3e-3)).setLrSchedule(a.get("lr-schedule", "cosine"))
                .setBatchSize(a.getInt("batch-size", 128)).setMaxEpochs(a.getInt("epochs", 10)).setLocalSteps(a.getInt("local-steps", 0))
                .setNumWorkers(a.getInt("workers", 2)).setSeed(a.getInt("seed", 42));
        stages.add(estimator);

        System.out.printf(Locale.ROOT, "training %s on %s (features %s, label %s): %d epochs, %d workers, %s loss, master %s%n", specFile, data,
                String.join(",", features), label, estimator.getMaxEpochs(), estimator.getNumWorkers(), estimator.getLoss(), spark.sparkContext().master());
        PipelineModel model = new Pipeline().setStages(stages.toArray(PipelineStage[]::new)).fit(train);
        EmberModel ember = (EmberModel) model.stages()[model.stages().length - 1];
        TrainingSummary s = ember.summary();
        TrainJob.printRounds(s);
        System.out.printf(Locale.ROOT, "fit: %d rounds, %.1f s, %.0f samples/s, %d rows%n", s.totalRounds(), s.trainingSeconds(), s.samplesPerSecond(), s.trainingRows());
        model.write().overwrite().save(out);
        System.out.println("model saved to " + out);

        String metric = ScoreJob.metricName(ember);
        double testMetric = Double.NaN;
        if (a.has("test")) {
            testMetric = ScoreJob.evaluate(ember, model.transform(spark.read().parquet(a.get("test", null))));
            System.out.printf(Locale.ROOT, "test %s %.4f%n", metric, testMetric);
        }
        return new Result(model, s, metric, testMetric);
    }
}
