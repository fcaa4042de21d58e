package dev.ember.examples.spark;

import dev.ember.spark.TrainingSummary;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * {@code examples/run spark-fashion-mnist [mlp|cnn] [epochs] [train options...]}: the whole Spark pipeline on
 * Fashion-MNIST in one session: prepare the Parquet (when it is missing), train with 2 workers, score the test
 * set with the saved model, and print the test accuracy. Extra options go to train-fashion-mnist (e.g.
 * {@code --local-steps 50}, {@code --workers 4}). {@code --repeat N} trains on the training set N times over
 * (written once as {@code PARQUET/train-xN}): data larger than the executors' memory, for the cached tensors' disk path.
 */
public final class SparkFashionMnist {
    static final String USAGE = "spark-fashion-mnist [mlp|cnn (mlp)] [epochs (mlp 15, cnn 8)] [--min-accuracy X] [--repeat N (1)] [--data IDX_DIR] [--parquet DIR] [--master URL] [train-fashion-mnist options]";

    private SparkFashionMnist() {}

    /** Writes every row of {@code from} {@code times} times to {@code to}: each input file becomes one output file, no shuffle. */
    static void repeatRows(org.apache.spark.sql.SparkSession spark, String from, String to, int times) {
        long t0 = System.nanoTime();
        org.apache.spark.sql.Column copies = org.apache.spark.sql.functions.sequence(org.apache.spark.sql.functions.lit(1),
                org.apache.spark.sql.functions.lit(times));
        spark.read().parquet(from).withColumn("copy", org.apache.spark.sql.functions.explode(copies)).drop("copy")
                .write().mode(org.apache.spark.sql.SaveMode.Overwrite).parquet(to);
        System.out.printf(Locale.ROOT, "%s x %d -> %s (%.1f s)%n", from, times, to, SparkJobs.seconds(t0));
    }

    public static void main(String[] args) throws Exception {
        SparkJobs.main(USAGE, () -> {
            Set<String> accepted = new java.util.HashSet<>(TrainJob.OPTIONS);
            accepted.addAll(Set.of("data", "parquet", "min-accuracy", "repeat"));
            accepted.removeAll(Set.of("train", "test", "model", "epochs"));
            SparkJobs.Args a = SparkJobs.Args.parse(args, accepted, true);
            List<String> pos = a.positional();
            if (pos.size() > 2) throw new SparkJobs.UsageException("too many arguments: " + pos);
            String model = pos.isEmpty() ? "mlp" : pos.get(0);
            if (!model.equals("mlp") && !model.equals("cnn")) throw new SparkJobs.UsageException("model must be mlp or cnn, got '" + model + "'");
            int epochs;
            try {
                epochs = pos.size() > 1 ? Integer.parseInt(pos.get(1)) : model.equals("cnn") ? 8 : 15;
            } catch (NumberFormatException e) {
                throw new SparkJobs.UsageException("epochs must be an integer, got '" + pos.get(1) + "'");
            }
            String parquet = a.get("parquet", SparkJobs.DEFAULT_PARQUET);
            Path idx = Path.of(a.get("data", SparkJobs.DEFAULT_DATA));
            double minAccuracy = a.getDouble("min-accuracy", 0);
            int repeat = a.getInt("repeat", 1);
            if (repeat < 1) throw new SparkJobs.UsageException("--repeat must be at least 1, got " + repeat);
            double[] accuracy = new double[1];
            SparkJobs.withSession("spark-fashion-mnist", a.get("master", null), null, spark -> {
                long t0 = System.nanoTime();
                System.out.println("== prepare");
                if (SparkJobs.complete(parquet + "/train") && SparkJobs.complete(parquet + "/test")) {
                    System.out.println("using " + parquet + "/{train,test} (delete it to prepare again)");
                } else {
                    PrepareFashionMnist.prepare(spark, idx, parquet, 8);
                }
                String train = parquet + "/train";
                if (repeat > 1) {
                    train = parquet + "/train-x" + repeat;
                    if (SparkJobs.complete(train)) System.out.println("using " + train);
                    else repeatRows(spark, parquet + "/train", train, repeat);
                }

                System.out.println("\n== train");
                // No --test here: the score step measures the test accuracy once, from the saved model.
                List<String> trainArgs = new ArrayList<>(List.of("--train", train, "--model", model,
                        "--epochs", String.valueOf(epochs)));
                for (String key : accepted) {
                    if (a.has(key) && !Set.of("data", "parquet", "master", "min-accuracy", "repeat").contains(key)) trainArgs.addAll(List.of("--" + key, a.get(key, null)));
                }
                TrainJob.Result trained = TrainJob.run(spark, trainArgs.toArray(new String[0]));

                System.out.println("\n== score");
                String predictions = "data/fashion-mnist-predictions-" + model;
                ScoreJob.Result scored = ScoreJob.run(spark, "--data", parquet + "/test", "--model", trained.modelDir(), "--out", predictions);
                TrainingSummary s = trained.summary();
                System.out.println(s.cacheStorage());
                LossPlot.write(trained.lossPng(), "Fashion-MNIST " + model + " on Spark, " + s.numWorkers() + " workers", LossPlot.Curves.of(s),
                        scored.accuracy()); // again, now with the test accuracy

                System.out.printf(Locale.ROOT, "%nFashion-MNIST %s on Spark (%s, %d workers, %d epochs): test accuracy %.4f; fit %.1f s, %.0f samples/s; "
                                + "model %s, loss curve %s; total %.1f s%n",
                        model, spark.sparkContext().master(), trained.summary().numWorkers(), epochs, scored.accuracy(), trained.fitSeconds(),
                        trained.summary().samplesPerSecond(), trained.modelDir(), trained.lossPng(), SparkJobs.seconds(t0));
                accuracy[0] = scored.accuracy();
            });
            if (accuracy[0] < minAccuracy) {
                // For scripted checks (the standalone-cluster test in CI): fail the job, not just print.
                System.err.printf(Locale.ROOT, "test accuracy %.4f is below --min-accuracy %.4f%n", accuracy[0], minAccuracy);
                System.exit(1);
            }
        });
    }
}
