package dev.ember.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ember.engine.Tensor;
import dev.ember.engine.backend.cuda.EmulatedCudaDriver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Fits on a local-cluster (two executor JVMs): tasks use the GPU Spark assigned them when CUDA can run
 * there and say so otherwise, and the model is the same bit for bit as on local[2].
 */
@Tag("slow") // starts a master, two workers and two executor JVMs
class ClusterFitTest {
    private static final List<Row> ROWS = TestSpark.blobRows(400, 51);

    private static EmberEstimator estimator() {
        return new EmberEstimator().setModelSpec(TestSpark.mlpSpec(4, 3)).setLearningRate(0.01).setBatchSize(32).setMaxEpochs(3).setSeed(6);
    }

    @Test
    @Timeout(240)
    void tasksSeeTheirAssignedGpuAndTrainTheSameModelAsLocalMode() {
        Map<String, Tensor> clusterWeights;
        try (LocalCluster cluster = LocalCluster.start(1)) {
            EmberModel model = estimator().fit(TestSpark.frame(cluster.spark(), ROWS, 2));
            // These executors have no CUDA (no driver, no emulator): each task reports the GPU Spark gave it, and the cpu it used.
            assertEquals(Set.of("cpu (gpu 0 assigned; CUDA unavailable)"), model.summary().rounds().get(0).devices());
            double accuracy = new MulticlassClassificationEvaluator().setMetricName("accuracy")
                    .evaluate(model.transform(TestSpark.frame(cluster.spark(), ROWS, 2)));
            assertTrue(accuracy > 0.95, "accuracy " + accuracy);

            Exception e = assertThrows(TaskDevice.DeviceUnavailableException.class,
                    () -> estimator().setDevice("cuda").fit(TestSpark.frame(cluster.spark(), ROWS, 2)));
            assertEquals("device = \"cuda\": Spark assigned GPU 0, but CUDA is not available in this executor (no CUDA backend or driver)", e.getMessage());
            clusterWeights = model.module().stateDict();
        }
        Map<String, Tensor> localWeights = estimator().fit(TestSpark.frame(ROWS, 2)).module().stateDict();
        clusterWeights.forEach((k, v) -> assertArrayEquals(localWeights.get(k).toFloatArray(), v.toFloatArray(), 0f, k));
    }

    /**
     * device = "cuda" on executors whose CUDA is the emulated device (Ember's kernels built with g++): the tasks
     * train and infer on cuda:0, the summary names it, and the model matches the cpu's within float tolerance.
     */
    @Test
    @Timeout(300)
    void tasksTrainAndInferOnTheirGpuThroughTheEmulatedDevice() {
        Path cuda = Path.of("..", "engine", "src", "main", "cuda").toAbsolutePath().normalize();
        Path emu = Path.of("..", "engine", "src", "test", "cuda", "emu").toAbsolutePath().normalize();
        assumeTrue(Files.isRegularFile(cuda.resolve("build-ptx.sh")) && Files.isRegularFile(emu.resolve("emu_driver.cpp")), "no engine sources at " + cuda);
        assumeTrue(onPath("g++"), "g++ is not on PATH: no emulated CUDA device");
        Path lib = EmulatedCudaDriver.buildLibrary(cuda, emu, Path.of("target", "cuda-emu").toAbsolutePath());
        Map<String, Tensor> gpuWeights;
        try (LocalCluster cluster = LocalCluster.start(1, lib)) {
            EmberModel model = estimator().setDevice("cuda").fit(TestSpark.frame(cluster.spark(), ROWS, 2));
            assertEquals(Set.of("cuda:0 (emulated CUDA device 0 (g++))"), model.summary().rounds().get(0).devices());
            double accuracy = new MulticlassClassificationEvaluator().setMetricName("accuracy")
                    .evaluate(model.transform(TestSpark.frame(cluster.spark(), ROWS, 2)));
            assertTrue(accuracy > 0.95, "accuracy " + accuracy);
            gpuWeights = model.module().stateDict();
        }
        Map<String, Tensor> cpuWeights = estimator().fit(TestSpark.frame(ROWS, 2)).module().stateDict();
        gpuWeights.forEach((k, v) -> assertArrayEquals(cpuWeights.get(k).toFloatArray(), v.toFloatArray(), 2e-3f, k));
    }

    private static boolean onPath(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, tool))) return true;
        }
        return false;
    }
}
