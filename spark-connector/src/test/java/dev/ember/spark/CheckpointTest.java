package dev.ember.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.engine.Tensor;
import java.util.concurrent.TimeUnit;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 3, unit = TimeUnit.MINUTES) // each test on the shared local Spark
class CheckpointTest {
    private static final Dataset<Row> DATA = TestSpark.blobs(200, 41, 2);

    private static EmberEstimator estimator(Path dir, int epochs) {
        return new EmberEstimator().setModelSpec(TestSpark.mlpSpec(4, 3)).setLearningRate(0.01).setBatchSize(32)
                .setSeed(8).setMaxEpochs(epochs).setLocalSteps(-1).setCheckpointDir(dir == null ? "" : dir.toString());
    }

    @Test
    void aRestartedFitResumesAfterTheLastRoundAndEndsWhereAnUninterruptedOneDoes(@TempDir Path dir) {
        // "Interrupted" after 2 of 4 rounds: the first fit stops there, the second picks up at round 3.
        EmberModel firstPart = estimator(dir, 2).fit(DATA);
        assertEquals(2, firstPart.summary().totalRounds());
        assertTrue(Files.isDirectory(dir.resolve("round-00001")));
        EmberModel resumed = estimator(dir, 4).fit(DATA);
        assertEquals(2, resumed.summary().totalRounds());
        assertEquals(3, resumed.summary().rounds().get(0).round());

        EmberModel straight = estimator(null, 4).fit(DATA);
        Map<String, Tensor> a = straight.module().stateDict(), b = resumed.module().stateDict();
        a.forEach((k, v) -> assertArrayEquals(v.toFloatArray(), b.get(k).toFloatArray(), 0f, k));
    }

    @Test
    void aCheckpointOfOtherSettingsIsRefused(@TempDir Path dir) {
        estimator(dir, 1).fit(DATA);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> estimator(dir, 2).setLearningRate(0.5).fit(DATA));
        assertTrue(e.getMessage().startsWith("checkpointDir " + dir + " holds a checkpoint of a fit with other settings"), e.getMessage());
        assertTrue(e.getMessage().contains("learningRate=0.5"), e.getMessage());
    }
}
