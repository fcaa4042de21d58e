package dev.ember.examples.spark;

import dev.ember.spark.EmberEstimator;
import dev.ember.spark.EmberModel;
import dev.ember.spark.TrainingSummary;
import java.awt.Color;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.XYStyler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * {@code examples/run bench-scaling [--workers 1,2,8,32,128] [--epochs 5,15] [--local-steps N] [--averaging auto|gradients|weights] [--data DIR] [--out PNG] [--master URL]}:
 * the Fashion-MNIST MLP (784-256-128-10, Adam lr 3e-3 cosine, batch 128 over all workers) fitted with each number of
 * workers on local[2] or {@code --master} (partitions beyond the task slots run in turn), each for each number of
 * epochs. Prints test accuracy, fit time, rounds, and where a round's time goes, and draws accuracy against workers
 * into a PNG. {@code --master local-cluster[2,1,2048]} runs the same fits on two executor JVMs, where the round's
 * state and results travel serialized, as on a real cluster.
 */
public final class BenchScaling {
    /** One fit; the per-round costs are means over the rounds but the first, {@code medianOverhead} their median. */
    record Result(int workers, int epochs, double accuracy, double fitSeconds, int rounds, double overhead, double medianOverhead,
                  double broadcast, double scheduleAndSum, double taskSetup, double trainWall, double update) {}

    static final String USAGE = "bench-scaling [--workers 1,2,8,32,128] [--epochs 5,15] [--local-steps N (0)] [--averaging auto|gradients|weights] "
            + "[--data DIR] [--out PNG] [--master URL (local[2])]";

    /** The command line's settings, defaults filled in. */
    record Options(int[] workers, int[] epochs, int localSteps, String averaging, String data, String out, String master) {
        static Options parse(String[] args) {
            SparkJobs.Args a = SparkJobs.Args.parse(args, java.util.Set.of("workers", "epochs", "local-steps", "averaging", "data", "out", "master"), false);
            return new Options(ints("workers", a.get("workers", "1,2,8,32,128")), ints("epochs", a.get("epochs", "5,15")), a.getInt("local-steps", 0),
                    a.get("averaging", "auto"), a.get("data", SparkJobs.DEFAULT_PARQUET), a.get("out", "data/bench-scaling.png"), a.get("master", "local[2]"));
        }
    }

    public static void main(String[] args) throws Exception {
        SparkJobs.main(USAGE, () -> run(Options.parse(args)));
    }

    private static void run(Options o) throws Exception {
        int[] workers = o.workers(), epochs = o.epochs();
        String data = o.data(), out = o.out();
        SparkSession spark = SparkJobs.session("bench-scaling", o.master(), "local[2]");
        if (!Files.isDirectory(Path.of(data, "train"))) PrepareFashionMnist.main(new String[]{"--out", data});
        Dataset<Row> train = spark.read().parquet(data + "/train").cache();
        Dataset<Row> test = spark.read().parquet(data + "/test").cache();
        System.out.printf("data: %d training rows (%d input partitions), %d test rows, %s (%d task slots): partitions beyond the slots run in turn%n",
                train.count(), train.rdd().getNumPartitions(), test.count(), spark.sparkContext().master(), spark.sparkContext().defaultParallelism());
        MulticlassClassificationEvaluator accuracy = new MulticlassClassificationEvaluator().setMetricName("accuracy");
        String spec = Files.readString(Path.of("conf/models/fashion-mlp.json"));

        List<Result> results = new ArrayList<>();
        for (int e : epochs) {
            for (int w : workers) {
                EmberEstimator estimator = new EmberEstimator().setModelSpec(spec).setLoss("crossEntropy").setOptimizer("adam")
                        .setLearningRate(3e-3).setLrSchedule("cosine").setBatchSize(128).setMaxEpochs(e).setNumWorkers(w)
                        .setLocalSteps(o.localSteps()).setAveraging(o.averaging()).setSeed(42);
                long t0 = System.nanoTime();
                EmberModel model = estimator.fit(train);
                double fit = (System.nanoTime() - t0) / 1e9;
                Result r = result(w, e, accuracy.evaluate(model.transform(test)), fit, model.summary());
                results.add(r);
                System.out.printf(Locale.ROOT, "  %3d workers, %2d epochs: averaging %s, test accuracy %.4f, fit %.1f s, %d rounds, overhead %.1f ms/round (median %.1f)%n",
                        w, e, model.summary().averaging(), r.accuracy, r.fitSeconds, r.rounds, r.overhead * 1e3, r.medianOverhead * 1e3);
            }
        }

        System.out.println("\nworkers  epochs  test-acc  vs-1-worker  fit-s  rounds  per round (ms): overhead  median  broadcast  schedule+sum  task-setup  train  update");
        for (Result r : results) {
            Result one = results.stream().filter(x -> x.workers == 1 && x.epochs == r.epochs).findFirst().orElse(null);
            System.out.printf(Locale.ROOT, "%7d  %6d  %8.4f  %11s  %5.1f  %6d  %25.1f  %6.1f  %9.1f  %12.1f  %10.1f  %5.1f  %6.1f%n",
                    r.workers, r.epochs, r.accuracy, one == null ? "-" : String.format(Locale.ROOT, "%+.4f", r.accuracy - one.accuracy),
                    r.fitSeconds, r.rounds, r.overhead * 1e3, r.medianOverhead * 1e3, r.broadcast * 1e3, r.scheduleAndSum * 1e3, r.taskSetup * 1e3,
                    r.trainWall * 1e3, r.update * 1e3);
        }
        System.out.print("\n" + accuracyTable(results, workers, epochs));
        plot(Path.of(out), results, epochs);
        System.out.println("\naccuracy against workers: " + out);
        spark.stop();
    }

    /**
     * Means per round, and the median overhead (a few slow rounds, a GC or a busy machine, move the mean but not the
     * median); the first round is left out of the per-round costs when there are others (JIT warm-up, first broadcast).
     */
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
        double median = median(steady.stream().mapToDouble(r -> r.costs().overheadSeconds()).toArray());
        return new Result(workers, epochs, accuracy, fit, rounds.size(), overhead, median, broadcast, sched, setup, train, update);
    }

    /**
     * Test accuracy with one row per number of workers and one column per number of epochs, each with its distance
     * from one worker in points ("-" where that fit was not run).
     */
    static String accuracyTable(List<Result> results, int[] workers, int[] epochs) {
        StringBuilder out = new StringBuilder("workers");
        for (int e : epochs) out.append(String.format(Locale.ROOT, "  %18s", e + " epochs (points)"));
        out.append('\n');
        for (int w : workers) {
            out.append(String.format(Locale.ROOT, "%7d", w));
            for (int e : epochs) {
                Result r = find(results, w, e), one = find(results, 1, e);
                String cell = r == null ? "-" : one == null ? String.format(Locale.ROOT, "%.4f", r.accuracy)
                        : String.format(Locale.ROOT, "%.4f (%+.2f)", r.accuracy, 100 * (r.accuracy - one.accuracy));
                out.append(String.format(Locale.ROOT, "  %18s", cell));
            }
            out.append('\n');
        }
        return out.toString();
    }

    private static Result find(List<Result> results, int workers, int epochs) {
        return results.stream().filter(r -> r.workers == workers && r.epochs == epochs).findFirst().orElse(null);
    }

    /** The middle value, or the mean of the two middle ones; NaN for none. */
    static double median(double[] values) {
        if (values.length == 0) return Double.NaN;
        double[] v = values.clone();
        Arrays.sort(v);
        int mid = v.length / 2;
        return v.length % 2 == 1 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
    }

    /** A comma-separated list of positive integers, e.g. {@code --workers 1,8,32}. */
    private static int[] ints(String option, String csv) {
        try {
            int[] v = Arrays.stream(csv.split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
            if (Arrays.stream(v).anyMatch(x -> x < 1)) throw new NumberFormatException();
            return v;
        } catch (NumberFormatException e) {
            throw new SparkJobs.UsageException("--" + option + " must be positive integers separated by commas, got '" + csv + "'");
        }
    }

    /**
     * Test accuracy against workers (log scale), one solid line per number of epochs and, dashed in the same colour,
     * the goal: one worker's accuracy at those epochs less half a point.
     */
    static XYChart chart(List<Result> results, int[] epochs) {
        XYChart c = new XYChartBuilder().width(720).height(460).title("Fashion-MNIST MLP on Spark local[2]: test accuracy against workers")
                .xAxisTitle("workers (log scale)").yAxisTitle("test accuracy").build();
        XYStyler styler = c.getStyler();
        styler.setXAxisLogarithmic(true);
        styler.setXAxisDecimalPattern("0");
        styler.setYAxisDecimalPattern("0.000");
        styler.setChartBackgroundColor(Color.WHITE).setLegendPosition(Styler.LegendPosition.InsideSW).setMarkerSize(8);
        Color[] colors = {new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0x9467bd)};
        for (int k = 0; k < epochs.length; k++) {
            int e = epochs[k];
            List<Result> line = results.stream().filter(r -> r.epochs == e).toList();
            if (line.isEmpty()) continue;
            double[] x = line.stream().mapToDouble(Result::workers).toArray();
            XYSeries s = c.addSeries(e + " epochs", x, line.stream().mapToDouble(Result::accuracy).toArray());
            Color color = colors[k % colors.length];
            s.setLineColor(color);
            s.setMarkerColor(color);
            s.setMarker(SeriesMarkers.CIRCLE);
            line.stream().filter(r -> r.workers == 1).findFirst().filter(one -> x.length > 1).ifPresent(one -> {
                XYSeries goal = c.addSeries(e + " epochs: 1 worker - 0.5 points", new double[]{x[0], x[x.length - 1]},
                        new double[]{one.accuracy - 0.005, one.accuracy - 0.005});
                goal.setLineColor(color);
                goal.setLineStyle(SeriesLines.DASH_DASH);
                goal.setMarker(SeriesMarkers.NONE);
            });
        }
        return c;
    }

    static void plot(Path png, List<Result> results, int[] epochs) throws java.io.IOException {
        System.setProperty("java.awt.headless", "true");
        Path parent = png.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        BitmapEncoder.saveBitmap(chart(results, epochs), png.toString(), BitmapEncoder.BitmapFormat.PNG);
    }
}
