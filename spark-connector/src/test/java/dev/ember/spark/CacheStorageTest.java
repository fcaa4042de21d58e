package dev.ember.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.engine.Tensor;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.tuning.CrossValidator;
import org.apache.spark.ml.tuning.ParamGridBuilder;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import scala.jdk.javaapi.CollectionConverters;

/** cacheStorage: memory, disk (in chunks) and auto train the same model bit for bit, and the summary says which ran. */
@Timeout(value = 3, unit = TimeUnit.MINUTES) // each test on the shared local Spark
class CacheStorageTest {
    private static EmberEstimator estimator() {
        return new EmberEstimator().setModelSpec(TestSpark.mlpSpec(4, 3)).setLearningRate(0.01).setBatchSize(48).setSeed(4).setMaxEpochs(2)
                .setNumWorkers(2);
    }

    private static void assertSameWeights(EmberModel expected, EmberModel actual) {
        Map<String, Tensor> a = expected.module().stateDict(), b = actual.module().stateDict();
        assertEquals(a.keySet(), b.keySet());
        a.forEach((k, v) -> assertArrayEquals(v.toFloatArray(), b.get(k).toFloatArray(), 0f, k));
    }

    @Test
    void memoryDiskAndAutoTrainTheSameModelAndTheSummarySaysWhichRan() {
        Dataset<Row> data = TestSpark.blobs(300, 9, 2);
        EmberModel memory = estimator().setCacheStorage("memory").fit(data), disk, auto;
        int saved = RowChunks.chunkValues;
        try {
            RowChunks.chunkValues = 5 * 4; // 5 rows a chunk: 30 files a partition, so rows come from many chunks
            disk = estimator().setCacheStorage("disk").fit(data);
            auto = estimator().fit(data);
        } finally {
            RowChunks.chunkValues = saved;
        }
        assertSameWeights(memory, disk);
        assertSameWeights(memory, auto);
        assertEquals("cacheStorage memory: 2 of 2 partitions in memory, 0 on local disk", memory.summary().cacheStorage());
        assertTrue(disk.summary().cacheStorage().matches("cacheStorage disk: 0 of 2 partitions in memory, 2 on local disk \\(0 MB, read back every epoch\\)"),
                disk.summary().cacheStorage());
        assertTrue(disk.summary().cachedOnDiskBytes() >= 300 * 4 * 4, "on disk: " + disk.summary().cachedOnDiskBytes());
        // local[2]: the driver is the executor, with hundreds of MB of storage memory for 2.4 KB a partition.
        assertTrue(auto.summary().cacheStorage().matches("cacheStorage auto: 2 of 2 partitions in memory, 0 on local disk; heap budget \\d+ MB a partition"),
                auto.summary().cacheStorage());
        assertTrue(auto.summary().toString().contains("cacheStorage auto"), auto.summary().toString());
    }

    @Test
    void autoGivesEachPartitionItsShareOfTheSmallestExecutor() {
        // 5 partitions over 2 executors: 3 on one; half of the smaller executor's 400 MB, over 3.
        assertEquals((400L << 20) / 2 / 3, CacheStorage.autoBudget(new long[]{500L << 20, 400L << 20}, 5));
        assertEquals(500, CacheStorage.autoBudget(new long[]{1000}, 1));
        assertEquals(125, CacheStorage.autoBudget(new long[]{1000}, 4));
    }

    @Test
    void theSettingIsCheckedAndPersists(@TempDir Path dir) throws Exception {
        assertEquals("auto", new EmberEstimator().getCacheStorage());
        EmberEstimator e = new EmberEstimator().setCacheStorage("DISK");
        assertEquals("disk", e.getCacheStorage());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> e.setCacheStorage("ssd"));
        assertTrue(bad.getMessage().contains("'ssd'") && bad.getMessage().contains("memory"), bad.getMessage());
        String path = dir.resolve("estimator").toString();
        TestSpark.session(); // ML writers need an active session
        e.write().save(path);
        assertEquals("disk", EmberEstimator.load(path).getCacheStorage());
    }

    @Test
    void crossValidatorFindsTheSameMetricForEveryStorage() {
        EmberEstimator e = estimator().setNumWorkers(0);
        ParamMap[] grid = new ParamGridBuilder().addGrid(e.cacheStorage(), CollectionConverters.asScala(java.util.List.of("memory", "disk"))).build();
        double[] metrics = new CrossValidator().setEstimator(e).setEstimatorParamMaps(grid)
                .setEvaluator(new MulticlassClassificationEvaluator().setMetricName("accuracy")).setNumFolds(2).setSeed(1)
                .fit(TestSpark.blobs(300, 17, 2)).avgMetrics();
        assertEquals(metrics[0], metrics[1], 0.0); // the same models, so the same folds' accuracies
        assertTrue(metrics[0] > 0.8, java.util.Arrays.toString(metrics));
    }
}
