package dev.ember.spark;

import static org.apache.spark.sql.functions.lit;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.ember.arrow.ArrowToTensor;
import dev.ember.arrow.Features;
import dev.ember.arrow.Labels;
import dev.ember.engine.Tensor;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A fit over Parquet reads the scan's columnar batches, and trains the model it trains from Spark's rows, bit for bit. */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class FitRowsTest {
    private static final String VECTORIZED = "spark.sql.parquet.enableVectorizedReader";

    private static final ArrowToTensor CONVERTER = ArrowToTensor.builder(Features.mlVector("features")).labels(Labels.classes("label", 3))
            .numFeatures(4).build();

    @Test
    void parquetFitsReadColumnarBatchesAndTrainTheSameModelAsFromRows(@TempDir Path dir) {
        SparkSession spark = TestSpark.session();
        // An extra column, and label before features in the files: the fit's column pruning must leave the bare scan.
        TestSpark.blobs(300, 9, 2).withColumn("note", lit("unused")).write().parquet(dir.resolve("rows").toString());
        String saved = spark.conf().get(VECTORIZED);
        EmberModel columnar, rows;
        try {
            spark.conf().set(VECTORIZED, "true");
            Dataset<Row> parquet = spark.read().parquet(dir.resolve("rows").toString());
            assertEquals(List.of("label", "features", "note"), List.of(parquet.columns()));
            assertEquals(FitRows.Path.COLUMNAR, new FitRows(FitRows.columns(parquet, 0, "features", "label"), p -> CONVERTER).path);
            columnar = estimator(parquet).fit(parquet);

            spark.conf().set(VECTORIZED, "false");
            parquet = spark.read().parquet(dir.resolve("rows").toString());
            assertEquals(FitRows.Path.ROWS, new FitRows(FitRows.columns(parquet, 0, "features", "label"), p -> CONVERTER).path);
            rows = estimator(parquet).fit(parquet);
        } finally {
            spark.conf().set(VECTORIZED, saved);
        }
        assertEquals(300, columnar.summary().trainingRows());
        Map<String, Tensor> a = columnar.module().stateDict(), b = rows.module().stateDict();
        assertEquals(a.keySet(), b.keySet());
        a.forEach((k, v) -> assertArrayEquals(v.toFloatArray(), b.get(k).toFloatArray(), 0f, k));
    }

    @Test
    void columnsKeepTheDatasetsOrderUnlessARepartitionFollows() {
        Dataset<Row> data = TestSpark.blobs(10, 1, 1).withColumn("note", lit("x"));
        assertEquals(List.of("label", "features"), List.of(FitRows.columns(data, 0, "features", "label").columns()));
        assertEquals(List.of("label", "features"), List.of(FitRows.columns(data, 1, "features", "label").columns()));
        // The repartition's sort sees the row's bytes, so its columns stay in the order a fit always gave them.
        Dataset<Row> two = FitRows.columns(data, 2, "features", "label");
        assertEquals(List.of("features", "label"), List.of(two.columns()));
        assertEquals(2, two.rdd().getNumPartitions());
    }

    @Test
    void oneWorkerTakesThePartitionsInOrderWithoutAShuffle() {
        Dataset<Row> three = TestSpark.blobs(30, 2, 3);
        Dataset<Row> one = FitRows.columns(three, 1, "features", "label");
        assertEquals(1, one.rdd().getNumPartitions());
        assertFalse(one.queryExecution().executedPlan().toString().contains("Exchange"), one.queryExecution().executedPlan().toString());
        // All rows, partition 0's first: the order of the input, as collect gives it.
        assertEquals(three.select("features", "label").collectAsList(), one.select("features", "label").collectAsList());
    }

    /** As many workers as the files' partitions: a repartition would put a shuffle between the scan and the fit. */
    private static EmberEstimator estimator(Dataset<Row> data) {
        return new EmberEstimator().setModelSpec(TestSpark.mlpSpec(4, 3)).setLearningRate(0.01).setBatchSize(32).setSeed(5).setMaxEpochs(2)
                .setNumWorkers(data.rdd().getNumPartitions());
    }
}
