package dev.ember.examples.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.engine.nn.spec.ModelSpec;
import java.awt.image.BufferedImage;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import javax.imageio.ImageIO;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Spark jobs end to end on a small synthetic Fashion-MNIST look-alike written as gzipped IDX files:
 * prepare -> train (2 workers, the MLP spec) -> score, on an embedded local[2] Spark.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES) // each test on the shared local Spark
class SparkJobsTest {
    private static SparkSession session;

    /** Started by the first test that needs it: the quick profile runs none of those. */
    private static synchronized SparkSession spark() {
        if (session == null) {
            session = SparkJobs.session("spark-jobs-test", "local[2]");
            session.sparkContext().setLogLevel("WARN");
        }
        return session;
    }

    @AfterAll
    static void stop() {
        if (session != null) session.stop();
    }

    /**
     * Class c (0..9) is a bright 7x7 square at one of ten places on a noisy 28x28 background: learnable,
     * but not by a constant guess (classes are balanced, so chance is 0.1).
     */
    static void writeIdx(Path dir, String split, int n, long seed) throws IOException {
        Random rnd = new Random(seed);
        byte[] images = new byte[n * 784], labels = new byte[n];
        for (int i = 0; i < n; i++) {
            int c = i % 10;
            labels[i] = (byte) c;
            int top = 2 + (c / 5) * 12 + rnd.nextInt(3), left = 1 + (c % 5) * 5 + rnd.nextInt(2);
            for (int p = 0; p < 784; p++) images[i * 784 + p] = (byte) rnd.nextInt(60);
            for (int y = top; y < Math.min(28, top + 7); y++) {
                for (int x = left; x < Math.min(28, left + 7); x++) images[i * 784 + y * 28 + x] = (byte) (180 + rnd.nextInt(76));
            }
        }
        write(dir.resolve(split + "-images-idx3-ubyte.gz"), 0x0803, new int[]{n, 28, 28}, images);
        write(dir.resolve(split + "-labels-idx1-ubyte.gz"), 0x0801, new int[]{n}, labels);
    }

    private static void write(Path file, int magic, int[] dims, byte[] data) throws IOException {
        try (DataOutputStream out = new DataOutputStream(new GZIPOutputStream(Files.newOutputStream(file)))) {
            out.writeInt(magic);
            for (int d : dims) out.writeInt(d);
            out.write(data);
        }
    }

    @Test
    @Tag("slow") // the three jobs end to end on Spark: about a minute on 2 shared cores
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void prepareTrainScore(@TempDir Path tmp) throws Exception {
        SparkSession spark = spark();
        Path idx = Files.createDirectories(tmp.resolve("idx"));
        writeIdx(idx, "train", 600, 1);
        writeIdx(idx, "t10k", 200, 2);
        String parquet = tmp.resolve("parquet").toString();

        long[] counts = PrepareFashionMnist.prepare(spark, idx, parquet, 4);
        assertEquals(600, counts[0]);
        assertEquals(200, counts[1]);
        Dataset<Row> train = spark.read().parquet(parquet + "/train");
        assertEquals(600, train.count());
        assertEquals("label", train.schema().fields()[0].name());
        Row first = train.orderBy("label").first();
        Vector v = first.getAs("features");
        assertEquals(784, v.size());
        for (double x : v.toArray()) assertTrue(x >= 0 && x <= 1, "pixel " + x + " outside [0, 1]");
        assertTrue(SparkJobs.complete(parquet + "/test"));

        String model = tmp.resolve("models/mlp").toString();
        TrainJob.Result trained = TrainJob.run(spark, "--train", parquet + "/train", "--test", parquet + "/test", "--model", "mlp",
                "--epochs", "3", "--workers", "2", "--batch-size", "16", "--local-steps", "-1", "--out", model);
        assertEquals(2, trained.summary().numWorkers());
        assertEquals(3, trained.summary().totalRounds()); // one pass over each worker's rows per round
        assertTrue(trained.testAccuracy() > 0.6, "test accuracy " + trained.testAccuracy() + " is not well above chance (0.1)");
        // --test rows are held out as validation rows: not trained on, and the last round's figure is the saved model's test accuracy.
        assertEquals(600, trained.summary().trainingRows());
        assertEquals(3, trained.summary().validation().size());
        assertEquals(200, trained.summary().validation().get(2).rows());
        assertEquals(trained.testAccuracy(), trained.summary().validationAccuracyHistory()[2], 1e-12);
        assertTrue(Files.isDirectory(Path.of(model)), "model dir");
        assertEquals(Path.of(model + ".loss.png"), trained.lossPng());
        assertLossCurve(ImageIO.read(trained.lossPng().toFile()), trained.summary().objectiveHistory());

        String predictions = tmp.resolve("predictions").toString();
        ScoreJob.Result scored = ScoreJob.run(spark, "--data", parquet + "/test", "--model", model, "--out", predictions);
        assertEquals(200, scored.rows());
        assertEquals(trained.testAccuracy(), scored.accuracy(), 1e-9, "the saved model scores as the fitted one");
        Dataset<Row> written = spark.read().parquet(predictions);
        assertEquals(java.util.List.of("label", "prediction", "probability"), java.util.List.of(written.columns()));
    }

    /** The PNG is LossPlot's figure of two 560x420 panels, with the loss curve's colour in the left one. */
    static void assertLossCurve(BufferedImage png, double[] loss) {
        assertTrue(png != null, "not a PNG");
        assertEquals(2 * 560, png.getWidth(), "width: two panels");
        assertEquals(420, png.getHeight(), "height");
        assertTrue(LossPlotTest.pixels(png, 0, 560, LossPlot.LOSS) > 5 * loss.length, "no loss curve in the left panel");
    }

    @Test
    void localClusterExecutorsGetThisJvmsClassPathAndModuleFlags() {
        var conf = dev.ember.spark.LocalClusterConf.executorConf();
        String[] given = System.getProperty("java.class.path").split(java.io.File.pathSeparator), sent = conf.get("spark.executor.extraClassPath").split(java.io.File.pathSeparator);
        assertEquals(given.length, sent.length);
        for (int i = 0; i < given.length; i++) assertEquals(Path.of(given[i]).toAbsolutePath().toString(), sent[i]); // executors run in their own dirs
        assertEquals("2.13", conf.get("spark.executorEnv.SPARK_SCALA_VERSION"));
        assertEquals("1", conf.get("spark.executorEnv.SPARK_SQL_TESTING"));
        // Surefire runs the tests with the parent pom's flags; the Arrow bridge needs java.nio opened.
        assertTrue(conf.get("spark.executor.extraJavaOptions").contains("--add-opens=java.base/java.nio=ALL-UNNAMED"), conf.get("spark.executor.extraJavaOptions"));
        assertTrue(conf.get("spark.executor.extraJavaOptions").contains("--add-modules=jdk.incubator.vector"), conf.get("spark.executor.extraJavaOptions"));
    }

    @Test
    void modelSpecsMatchTheEngineExample() throws Exception {
        // conf/models/*.json are packaged as ember/models/*.json; the tests run from examples/, so these come from the jar's copy.
        ModelSpec mlp = ModelSpec.parse(SparkJobs.modelSpec("mlp")), cnn = ModelSpec.parse(SparkJobs.modelSpec("cnn"));
        assertEquals("Flatten", mlp.layers().get(0).type());
        assertEquals(235_146, parameters(mlp)); // 784*256+256 + 256*128+128 + 128*10+10
        assertEquals("Unflatten", cnn.layers().get(0).type());
        assertEquals(421_642, parameters(cnn)); // 1*32*9+32 + 32*64*9+64 + 3136*128+128 + 128*10+10
        assertThrows(SparkJobs.UsageException.class, () -> SparkJobs.modelSpec("no-such-model.json"));
    }

    private static long parameters(ModelSpec spec) {
        long n = 0;
        for (var p : spec.build().parameters()) n += p.numel();
        return n;
    }

    @Test
    void missingDatasetSaysHowToInstallIt(@TempDir Path tmp) {
        // No session: the files are checked before Spark is used.
        var e = assertThrows(SparkJobs.UsageException.class, () -> PrepareFashionMnist.prepare(null, tmp, tmp.resolve("out").toString(), 2));
        assertTrue(e.getMessage().contains("apt-get install -y dataset-fashion-mnist"), e.getMessage());
    }
}
