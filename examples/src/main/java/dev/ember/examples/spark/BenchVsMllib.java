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
 * with the same seed are prefixes of each other, so this is the time a longer fit takes to get there).
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

        System.out.println("\nEmber: epochs until test accuracy >= " + TARGET);
        double emberSeconds = 0, emberAccuracy = 0;
        for (int epochs = 1; epochs <= 10 && emberAccuracy < TARGET; epochs++) {
            long t0 = System.nanoTime();
            EmberModel model = ember(spec, epochs, 2).fit(train);
            emberSeconds = (System.nanoTime() - t0) / 1e9;
            emberAccuracy = accuracy.evaluate(model.transform(test));
            System.out.printf(Locale.ROOT, "  %d epoch(s): fit %.1f s, test accuracy %.4f%n", epochs, emberSeconds, emberAccuracy);
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
        System.out.printf(Locale.ROOT, "  Ember: %.4f test accuracy after %.1f s of fit; MLlib: %.4f after %.1f s%n", emberAccuracy, emberSeconds, mllibAccuracy, mllibSeconds);
        System.out.printf(Locale.ROOT, "  MLlib time / Ember time to %.2f: %.0fx (goal >= 50x)%n", TARGET, mllibSeconds / emberSeconds);
        System.out.printf(Locale.ROOT, "  Ember fit time, 2 workers / 1 worker: %.2f (goal <= 0.6)%n", scaling[1] / scaling[0]);
        spark.stop();
    }

    private static EmberEstimator ember(String spec, int epochs, int workers) {
        return new EmberEstimator().setModelSpec(spec).setLoss("crossEntropy").setOptimizer("adam").setLearningRate(1e-3)
                .setBatchSize(128).setMaxEpochs(epochs).setNumWorkers(workers).setSeed(42);
    }
}
