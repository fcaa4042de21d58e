package dev.ember.examples.spark;

import dev.ember.spark.EmberEstimator;
import dev.ember.spark.EmberModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.apache.spark.ml.classification.MultilayerPerceptronClassificationModel;
import org.apache.spark.ml.classification.MultilayerPerceptronClassifier;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * {@code examples/run bench-vs-mllib [--mllib-iters N] [--data DIR]}: Fashion-MNIST MLP 784-256-128-10 through
 * the EmberEstimator and through Spark MLlib's MultilayerPerceptronClassifier (L-BFGS), on the same cached
 * Parquet data and the same local[2] session, side by side; plus Ember's fit time with 1 and 2 workers.
 *
 * <p>Ember's time-to-accuracy is the fit time of the fewest epochs that reach 0.85 test accuracy (fits
 * with the same seed are prefixes of each other, so this is the time a longer fit takes to get there), with 1 worker
 * and with 2.
 */
public final class BenchVsMllib {
    private static final double TARGET = 0.85;

    public static void main(String[] args) throws Exception {
        int mllibIters = 100, scalingEpochs = 3;
        String data = SparkJobs.DEFAULT_PARQUET;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--mllib-iters" -> mllibIters = Integer.parseInt(args[++i]);
                case "--scaling-epochs" -> scalingEpochs = Integer.parseInt(args[++i]);
                case "--data" -> data = args[++i];
                default -> throw new IllegalArgumentException("unknown argument " + args[i] + "; usage: bench-vs-mllib [--mllib-iters N] [--scaling-epochs N] [--data DIR]");
            }
        }
        SparkSession spark = SparkJobs.session("bench-vs-mllib", "local[2]");
        if (!Files.isDirectory(Path.of(data, "train"))) PrepareFashionMnist.main(new String[]{"--out", data});
        Dataset<Row> train = spark.read().parquet(data + "/train").repartition(2).cache();
        Dataset<Row> test = spark.read().parquet(data + "/test").repartition(2).cache();
        System.out.printf("data: %d training rows, %d test rows, local[2]%n", train.count(), test.count());
        MulticlassClassificationEvaluator accuracy = new MulticlassClassificationEvaluator().setMetricName("accuracy");
        String spec = Files.readString(Path.of("conf/models/fashion-mlp.json"));

        // Ember's time to the target with 1 worker (one pass per round) and 2 (the default local steps): both are what a
        // user of one 2-core machine might pick.
        double[] emberSeconds = new double[2], emberAccuracy = new double[2];
        int[] emberRounds = new int[2];
        for (int workers = 1; workers <= 2; workers++) {
            System.out.printf(Locale.ROOT, "%nEmber, %d worker(s): epochs until test accuracy >= %.2f%n", workers, TARGET);
            for (int epochs = 1; epochs <= 10 && emberAccuracy[workers - 1] < TARGET; epochs++) {
                long t0 = System.nanoTime();
                EmberModel model = ember(spec, epochs, workers).fit(train);
                emberSeconds[workers - 1] = (System.nanoTime() - t0) / 1e9;
                emberAccuracy[workers - 1] = accuracy.evaluate(model.transform(test));
                emberRounds[workers - 1] = model.summary().totalRounds();
                System.out.printf(Locale.ROOT, "  %d epoch(s): fit %.1f s (%d rounds, %.1f s before the first), test accuracy %.4f%n", epochs,
                        emberSeconds[workers - 1], emberRounds[workers - 1], model.summary().setupSeconds(), emberAccuracy[workers - 1]);
            }
        }

        System.out.printf("%nEmber scaling: %d epochs with 1 and 2 workers%n", scalingEpochs);
        double[] scaling = new double[2];
        for (int workers = 1; workers <= 2; workers++) {
            long t0 = System.nanoTime();
            ember(spec, scalingEpochs, workers).fit(train);
            scaling[workers - 1] = (System.nanoTime() - t0) / 1e9;
            System.out.printf(Locale.ROOT, "  %d worker(s): fit %.1f s%n", workers, scaling[workers - 1]);
        }

        System.out.printf("%nMLlib MultilayerPerceptronClassifier 784-256-128-10, %d L-BFGS iterations%n", mllibIters);
        long t0 = System.nanoTime();
        MultilayerPerceptronClassificationModel mllib = new MultilayerPerceptronClassifier()
                .setLayers(new int[]{784, 256, 128, 10}).setMaxIter(mllibIters).setSeed(1L).fit(train);
        double mllibSeconds = (System.nanoTime() - t0) / 1e9;
        double mllibAccuracy = accuracy.evaluate(mllib.transform(test));
        System.out.printf(Locale.ROOT, "  fit %.1f s, test accuracy %.4f%n", mllibSeconds, mllibAccuracy);

        System.out.printf(Locale.ROOT, "%nsummary (local[2], same cached data)%n");
        for (int w = 0; w < 2; w++) {
            System.out.printf(Locale.ROOT, "  Ember, %d worker(s): %.4f test accuracy after %.1f s of fit (%d rounds); MLlib: %.4f after %.1f s: %.0fx (goal >= 100x)%n",
                    w + 1, emberAccuracy[w], emberSeconds[w], emberRounds[w], mllibAccuracy, mllibSeconds, mllibSeconds / emberSeconds[w]);
        }
        System.out.printf(Locale.ROOT, "  Ember fit time, 2 workers / 1 worker: %.2f (goal <= 0.6)%n", scaling[1] / scaling[0]);
        spark.stop();
    }

    private static EmberEstimator ember(String spec, int epochs, int workers) {
        return new EmberEstimator().setModelSpec(spec).setLoss("crossEntropy").setOptimizer("adam").setLearningRate(1e-3)
                .setBatchSize(128).setMaxEpochs(epochs).setNumWorkers(workers).setSeed(42);
    }
}
