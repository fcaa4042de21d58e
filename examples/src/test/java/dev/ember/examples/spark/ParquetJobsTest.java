package dev.ember.examples.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The general train and score jobs on Parquet files written here: numeric columns, an array column, a regression. */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ParquetJobsTest {
    private static SparkSession spark;

    @BeforeAll
    static void start() {
        spark = SparkJobs.session("parquet-jobs-test", "local[2]");
        spark.sparkContext().setLogLevel("WARN");
    }

    @AfterAll
    static void stop() {
        if (spark != null) spark.stop();
    }

    /** n rows of x1, x2 ~ N(0, 1) as columns and as an array {@code xs}; {@code cls} = [x1 + 2 x2 > 0], {@code y} = 2 x1 - x2 + 0.5. */
    static String write(Path dir, String name, int n, long seed) {
        Random rnd = new Random(seed);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            double x1 = rnd.nextGaussian(), x2 = rnd.nextGaussian();
            rows.add(RowFactory.create(x1, x2, new double[]{x1, x2}, x1 + 2 * x2 > 0 ? 1 : 0, 2 * x1 - x2 + 0.5));
        }
        StructType schema = new StructType().add("x1", DataTypes.DoubleType).add("x2", DataTypes.DoubleType)
                .add("xs", DataTypes.createArrayType(DataTypes.DoubleType, false)).add("cls", DataTypes.IntegerType).add("y", DataTypes.DoubleType);
        String path = dir.resolve(name).toString();
        spark.createDataFrame(rows, schema).write().parquet(path);
        return path;
    }

    static Path spec(Path dir, String json) throws Exception {
        return Files.writeString(dir.resolve("spec.json"), json);
    }

    @Test
    @Tag("slow") // a fit, a save and two scorings on local Spark: ~20 s on 2 shared cores
    void classifierOnNumericColumns(@TempDir Path tmp) throws Exception {
        String train = write(tmp, "train", 3000, 1), test = write(tmp, "test", 1000, 2), model = tmp.resolve("model").toString();
        Path spec = spec(tmp, "{\"layers\": [{\"type\": \"Linear\", \"in_features\": 2, \"out_features\": 16}, {\"type\": \"ReLU\"},"
                + " {\"type\": \"Linear\", \"in_features\": 16, \"out_features\": 2}]}");
        ParquetTrainJob.Result fit = ParquetTrainJob.run(spark, "--data", train, "--test", test, "--spec", spec.toString(), "--features", "x1,x2",
                "--label", "cls", "--out", model, "--epochs", "5", "--lr", "0.01");
        assertEquals("accuracy", fit.metric());
        // Classes split by a line through the origin: chance is about 0.5, a 2-16-2 MLP separates them almost perfectly.
        assertTrue(fit.testMetric() >= 0.95, "test accuracy " + fit.testMetric());

        String predictions = tmp.resolve("predictions").toString();
        ScoreJob.Result scored = ScoreJob.run(spark, "--data", test, "--model", model, "--out", predictions);
        assertEquals(1000, scored.rows());
        assertEquals(fit.testMetric(), scored.value(), 1e-12, "the saved pipeline scores as the fitted one did");
        assertEquals(List.of("cls", "prediction", "probability"), List.of(spark.read().parquet(predictions).columns()));
    }

    @Test
    @Tag("slow")
    void regressorOnAnArrayColumn(@TempDir Path tmp) throws Exception {
        String train = write(tmp, "train", 2000, 3), test = write(tmp, "test", 500, 4), model = tmp.resolve("model").toString();
        Path spec = spec(tmp, "{\"layers\": [{\"type\": \"Linear\", \"in_features\": 2, \"out_features\": 1}]}");
        ParquetTrainJob.Result fit = ParquetTrainJob.run(spark, "--data", train, "--test", test, "--spec", spec.toString(), "--features", "xs",
                "--label", "y", "--loss", "mse", "--out", model, "--epochs", "20", "--lr", "0.05");
        assertEquals("rmse", fit.metric());
        // y is exactly linear in (x1, x2): a Linear layer can reach 0; predicting the mean gives sqrt(4 + 1) = 2.24.
        assertTrue(fit.testMetric() < 0.1, "test RMSE " + fit.testMetric());
        ScoreJob.Result scored = ScoreJob.run(spark, "--data", test, "--model", model);
        assertEquals(fit.testMetric(), scored.value(), 1e-9);
    }

    @Test
    void aMissingFeatureColumnIsNamed(@TempDir Path tmp) throws Exception {
        String train = write(tmp, "train", 10, 5);
        Path spec = spec(tmp, "{\"layers\": [{\"type\": \"Linear\", \"in_features\": 2, \"out_features\": 2}]}");
        SparkJobs.UsageException e = assertThrows(SparkJobs.UsageException.class, () -> ParquetTrainJob.run(spark, "--data", train,
                "--spec", spec.toString(), "--features", "x1,x3", "--label", "cls", "--out", tmp.resolve("m").toString()));
        assertTrue(e.getMessage().contains("no column 'x3'"), e.getMessage());
    }
}
