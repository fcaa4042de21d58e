package dev.ember.examples.spark;

import dev.ember.spark.EmberEstimator;
import dev.ember.spark.EmberModel;
import dev.ember.spark.TrainingSummary;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;

/**
 * {@code examples/run train-fashion-mnist --train DIR [--test DIR] [--model mlp|cnn|SPEC.json] ...}: fits an
 * {@link EmberEstimator} on a Parquet folder of {@code label} + {@code features} rows, prints one line per round
 * (live through the estimator's INFO log, and as a table at the end), saves the model (overwriting), draws the
 * loss and accuracy curves into {@code OUT.loss.png} next to the model folder. With {@code --test}, the test rows are
 * the fit's validation rows ({@code validationIndicatorCol}): their loss and accuracy after every round are in the
 * table and the plot, and the test accuracy of the saved model (MulticlassClassificationEvaluator) is printed at the end.
 */
public final class TrainJob {
    static final String USAGE = "train-fashion-mnist --train DIR [--test DIR] [--model mlp|cnn|SPEC.json (default mlp)] [--epochs N (mlp 15, cnn 8)]"
            + " [--workers N (2)] [--batch-size N (128)] [--lr X (0.003)] [--lr-schedule constant|cosine (cosine)] [--local-steps N (0: auto, -1: one pass per round)]"
            + " [--optimizer adam|adamw|sgd|rmsprop|adagrad (adam)] [--seed N (42)] [--device auto|cpu|cuda (auto)]"
            + " [--out MODEL_DIR (" + SparkJobs.DEFAULT_MODELS + "/fashion-MODEL)] [--checkpoint-dir DIR] [--master URL]";
    static final Set<String> OPTIONS = Set.of("train", "test", "model", "epochs", "workers", "batch-size", "lr", "lr-schedule", "local-steps",
            "optimizer", "seed", "device", "out", "checkpoint-dir", "master");

    /** The column that marks the --test rows in the fit's input. */
    static final String TEST_MARK = "ember_is_test";

    private TrainJob() {}

    /** What a training run gives: the model, where it went, and its numbers (testAccuracy NaN without --test). */
    public record Result(EmberModel model, String modelDir, Path lossPng, double testAccuracy, double fitSeconds) {
        public TrainingSummary summary() { return model.summary(); }
    }

    public static void main(String[] args) throws Exception {
        SparkJobs.job("train-fashion-mnist", USAGE, OPTIONS, args, TrainJob::run);
    }

    /** Runs with command-line style arguments on a session the caller owns. */
    public static Result run(SparkSession spark, String... args) throws Exception {
        return run(spark, SparkJobs.Args.parse(args, OPTIONS, false));
    }

    static Result run(SparkSession spark, SparkJobs.Args a) throws Exception {
        String trainDir = a.require("train"), testDir = a.get("test", null);
        String model = a.get("model", "mlp"), name = SparkJobs.modelName(model);
        String spec = SparkJobs.modelSpec(model);
        int epochs = a.getInt("epochs", name.equals("cnn") ? 8 : 15), workers = a.getInt("workers", 2);
        String out = stripSlash(a.get("out", SparkJobs.DEFAULT_MODELS + "/fashion-" + name));

        EmberEstimator estimator = new EmberEstimator()
                .setFeaturesCol("features").setLabelCol("label")
                .setModelSpec(spec).setLoss("crossEntropy")
                // Averaging the workers' epochs gives less progress per sample than one model trained alone:
                // a larger rate, annealed to zero, makes up for it (0.889-0.892 on 2 workers; 1e-3 constant: 0.885-0.889).
                .setOptimizer(a.get("optimizer", "adam")).setLearningRate(a.getDouble("lr", 3e-3)).setLrSchedule(a.get("lr-schedule", "cosine"))
                .setBatchSize(a.getInt("batch-size", 128)).setMaxEpochs(epochs).setLocalSteps(a.getInt("local-steps", 0))
                .setSeed(a.getInt("seed", 42)).setNumWorkers(workers)
                .setCheckpointDir(a.get("checkpoint-dir", "")).setDevice(a.get("device", "auto")).setHandleInvalid("error");

        Dataset<Row> train = spark.read().parquet(trainDir);
        if (testDir != null) {
            train = train.withColumn(TEST_MARK, functions.lit(false)).unionByName(spark.read().parquet(testDir).withColumn(TEST_MARK, functions.lit(true)));
            estimator.setValidationIndicatorCol(TEST_MARK);
        }
        System.out.printf(Locale.ROOT, "training %s (%s) on %s: %d epochs, %d workers, batch %d, %s lr %s (%s), local steps %d, master %s%n",
                name, model, trainDir, epochs, workers, estimator.getBatchSize(), estimator.getOptimizer(), estimator.getLearningRate(),
                estimator.getLrSchedule(), estimator.getLocalSteps(), spark.sparkContext().master());
        long t0 = System.nanoTime();
        EmberModel fitted = estimator.fit(train);
        double fitSeconds = SparkJobs.seconds(t0);
        TrainingSummary s = fitted.summary();

        printRounds(s);
        System.out.printf(Locale.ROOT, "fit: %.1f s (rows to tensors %.1f s, %d rounds %.1f s), %.0f samples/s, %d rows, %d workers%n",
                fitSeconds, s.setupSeconds(), s.totalRounds(), s.trainingSeconds(), s.samplesPerSecond(), s.trainingRows(), s.numWorkers());

        fitted.write().overwrite().save(out);
        System.out.println("model saved to " + out);

        double testAccuracy = Double.NaN;
        if (testDir != null) {
            long t1 = System.nanoTime();
            testAccuracy = new MulticlassClassificationEvaluator().setLabelCol("label").setPredictionCol("prediction").setMetricName("accuracy")
                    .evaluate(fitted.transform(spark.read().parquet(testDir)));
            System.out.printf(Locale.ROOT, "test accuracy %.4f (%s, %.1f s)%n", testAccuracy, testDir, SparkJobs.seconds(t1));
        }

        Path png = lossPng(out);
        LossPlot.write(png, "Fashion-MNIST " + name + " on Spark, " + s.numWorkers() + " workers", LossPlot.Curves.of(s), testAccuracy);
        System.out.println("loss curve: " + png);
        return new Result(fitted, out, png, testAccuracy, fitSeconds);
    }

    /**
     * The summary's rounds as a table: loss, accuracy, throughput and where each round's time went; with validation
     * rows, their loss and accuracy under the model after the round.
     */
    static void printRounds(TrainingSummary s) {
        Map<Integer, TrainingSummary.Evaluation> validation = new HashMap<>();
        for (TrainingSummary.Evaluation e : s.validation()) validation.put(e.afterRound(), e);
        System.out.println("round  epoch    loss   train-acc  samples  samples/s  seconds  overhead  (broadcast  schedule+sum  task-setup  update)"
                + (validation.isEmpty() ? "" : "  val-loss  val-acc"));
        for (TrainingSummary.Round r : s.rounds()) {
            TrainingSummary.Costs c = r.costs();
            TrainingSummary.Evaluation v = validation.get(r.round());
            System.out.printf(Locale.ROOT, "%5d  %5.2f  %.4f  %9.4f  %7d  %9.0f  %7.3f  %8.3f   %9.3f  %12.3f  %10.3f  %6.3f%s%n",
                    r.round(), r.epoch(), r.loss(), r.accuracy(), r.samples(), r.samplesPerSecond(), r.seconds(), c.overheadSeconds(),
                    c.broadcastSeconds(), c.schedulingAndSumSeconds(), c.setupSeconds() / c.slots(), c.updateSeconds(),
                    v == null ? "" : String.format(Locale.ROOT, "  %8.4f  %7.4f", v.loss(), v.accuracy()));
        }
    }

    /** {@code OUT.loss.png} beside the model folder (on the local disk; for a remote OUT, in the working directory). */
    static Path lossPng(String out) {
        String local = out.startsWith("file:") ? out.substring(5) : out;
        if (local.contains("://")) local = local.substring(local.lastIndexOf('/') + 1);
        return Path.of(local + ".loss.png");
    }

    private static String stripSlash(String s) {
        while (s.length() > 1 && s.endsWith("/")) s = s.substring(0, s.length() - 1);
        return s;
    }
}
