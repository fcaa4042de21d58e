package dev.ember.examples.spark;

import dev.ember.spark.EmberEstimator;
import dev.ember.spark.EmberModel;
import dev.ember.spark.TrainingSummary;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * {@code examples/run bench-scaling [--workers 1,2,8,32,128] [--epochs 5,15] [--local-steps N] [--data DIR] [--out PNG]}:
 * the Fashion-MNIST MLP (784-256-128-10, Adam lr 3e-3 cosine, batch 128 over all workers) fitted with each number of
 * workers on local[2] (partitions beyond the two cores run in turn), each for each number of epochs. Prints test
 * accuracy, fit time, rounds, and where a round's time goes, and draws accuracy against workers into a PNG.
 */
public final class BenchScaling {
    record Result(int workers, int epochs, double accuracy, double fitSeconds, int rounds, double overhead, double broadcast,
                  double scheduleAndSum, double taskSetup, double trainWall, double update) {}

    public static void main(String[] args) throws Exception {
        int[] workers = {1, 2, 8, 32, 128}, epochs = {5, 15};
        int localSteps = 0;
        String data = SparkJobs.DEFAULT_PARQUET, out = "data/bench-scaling.png";
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--workers" -> workers = ints(args[++i]);
                case "--epochs" -> epochs = ints(args[++i]);
                case "--local-steps" -> localSteps = Integer.parseInt(args[++i]);
                case "--data" -> data = args[++i];
                case "--out" -> out = args[++i];
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + "; usage: bench-scaling [--workers 1,2,8,32,128] [--epochs 5,15] [--local-steps N] [--data DIR] [--out PNG]");
            }
        }
        SparkSession spark = SparkJobs.session("bench-scaling", "local[2]");
        if (!Files.isDirectory(Path.of(data, "train"))) PrepareFashionMnist.main(new String[]{"--out", data});
        Dataset<Row> train = spark.read().parquet(data + "/train").cache();
        Dataset<Row> test = spark.read().parquet(data + "/test").cache();
        System.out.printf("data: %d training rows, %d test rows, local[2] (%d cores): partitions beyond the cores run in turn%n",
                train.count(), test.count(), spark.sparkContext().defaultParallelism());
        MulticlassClassificationEvaluator accuracy = new MulticlassClassificationEvaluator().setMetricName("accuracy");
        String spec = Files.readString(Path.of("conf/models/fashion-mlp.json"));

        List<Result> results = new ArrayList<>();
        for (int e : epochs) {
            for (int w : workers) {
                EmberEstimator estimator = new EmberEstimator().setModelSpec(spec).setLoss("crossEntropy").setOptimizer("adam")
                        .setLearningRate(3e-3).setLrSchedule("cosine").setBatchSize(128).setMaxEpochs(e).setNumWorkers(w)
                        .setLocalSteps(localSteps).setSeed(42);
                long t0 = System.nanoTime();
                EmberModel model = estimator.fit(train);
                double fit = (System.nanoTime() - t0) / 1e9;
                Result r = result(w, e, accuracy.evaluate(model.transform(test)), fit, model.summary());
                results.add(r);
                System.out.printf(Locale.ROOT, "  %3d workers, %2d epochs: test accuracy %.4f, fit %.1f s, %d rounds, overhead %.1f ms/round%n",
                        w, e, r.accuracy, r.fitSeconds, r.rounds, r.overhead * 1e3);
            }
        }

        System.out.println("\nworkers  epochs  test-acc  vs-1-worker  fit-s  rounds  per round (ms): overhead  broadcast  schedule+sum  task-setup  train  update");
        for (Result r : results) {
            Result one = results.stream().filter(x -> x.workers == 1 && x.epochs == r.epochs).findFirst().orElse(null);
            System.out.printf(Locale.ROOT, "%7d  %6d  %8.4f  %11s  %5.1f  %6d  %25.1f  %9.1f  %12.1f  %10.1f  %5.1f  %6.1f%n",
                    r.workers, r.epochs, r.accuracy, one == null ? "-" : String.format(Locale.ROOT, "%+.4f", r.accuracy - one.accuracy),
                    r.fitSeconds, r.rounds, r.overhead * 1e3, r.broadcast * 1e3, r.scheduleAndSum * 1e3, r.taskSetup * 1e3,
                    r.trainWall * 1e3, r.update * 1e3);
        }
        plot(Path.of(out), results, epochs);
        System.out.println("\naccuracy against workers: " + out);
        spark.stop();
    }

    /** Means per round; the first round is left out of the per-round costs when there are others (JIT warm-up, first broadcast). */
    private static Result result(int workers, int epochs, double accuracy, double fit, TrainingSummary s) {
        List<TrainingSummary.Round> rounds = s.rounds();
        List<TrainingSummary.Round> steady = rounds.size() > 1 ? rounds.subList(1, rounds.size()) : rounds;
        double n = steady.size(), overhead = 0, broadcast = 0, sched = 0, setup = 0, train = 0, update = 0;
        for (TrainingSummary.Round r : steady) {
            TrainingSummary.Costs c = r.costs();
            overhead += c.overheadSeconds() / n;
            broadcast += c.broadcastSeconds() / n;
            sched += c.schedulingAndSumSeconds() / n;
            setup += c.setupSeconds() / c.slots() / n;
            train += c.trainWallSeconds() / n;
            update += c.updateSeconds() / n;
        }
        return new Result(workers, epochs, accuracy, fit, rounds.size(), overhead, broadcast, sched, setup, train, update);
    }

    private static int[] ints(String csv) { return Arrays.stream(csv.split(",")).mapToInt(Integer::parseInt).toArray(); }

    /** Test accuracy against workers (log scale), one line per number of epochs. */
    private static void plot(Path png, List<Result> results, int[] epochs) throws java.io.IOException {
        int w = 720, h = 460, left = 80, right = 30, top = 50, bottom = 60;
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        double lo = results.stream().mapToDouble(Result::accuracy).min().orElse(0) - 0.01;
        double hi = results.stream().mapToDouble(Result::accuracy).max().orElse(1) + 0.01;
        int maxWorkers = results.stream().mapToInt(Result::workers).max().orElse(1);
        double logMax = Math.max(1, Math.log(maxWorkers) / Math.log(2));
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        g.drawString("Fashion-MNIST MLP on Spark local[2]: test accuracy against workers", left, 28);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        g.drawLine(left, h - bottom, w - right, h - bottom);
        g.drawLine(left, top, left, h - bottom);
        for (Result r : results) {
            int x = left + (int) ((w - left - right) * (Math.log(r.workers) / Math.log(2)) / logMax);
            g.drawString(Integer.toString(r.workers), x - 8, h - bottom + 18);
        }
        g.drawString("workers (log scale)", w / 2 - 50, h - 15);
        for (double[] t : List.of(new double[]{lo}, new double[]{(lo + hi) / 2}, new double[]{hi})) {
            int y = top + (int) ((h - top - bottom) * (hi - t[0]) / (hi - lo));
            g.drawString(String.format(Locale.ROOT, "%.3f", t[0]), 20, y + 4);
        }
        Color[] colors = {new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0x9467bd)};
        for (int k = 0; k < epochs.length; k++) {
            int e = epochs[k];
            g.setColor(colors[k % colors.length]);
            g.setStroke(new BasicStroke(2.5f));
            int px = -1, py = -1;
            for (Result r : results) {
                if (r.epochs != e) continue;
                int x = left + (int) ((w - left - right) * (Math.log(r.workers) / Math.log(2)) / logMax);
                int y = top + (int) ((h - top - bottom) * (hi - r.accuracy) / (hi - lo));
                g.fillOval(x - 4, y - 4, 8, 8);
                if (px >= 0) g.drawLine(px, py, x, y);
                px = x;
                py = y;
            }
            g.drawString(e + " epochs", w - right - 90, top + 20 + 18 * k);
        }
        g.dispose();
        Files.createDirectories(png.toAbsolutePath().getParent());
        ImageIO.write(img, "png", png.toFile());
    }
}
