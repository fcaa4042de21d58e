package dev.ember.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.ember.engine.Tensor;
import dev.ember.engine.nn.Module;
import dev.ember.engine.nn.spec.ModelSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * An executor JVM dies in the middle of a fit (on a standalone cluster, where Spark retries lost tasks): the fit
 * finishes, and its model is the one the same fit gives when nothing dies, bit for bit. The lost executor's cached
 * partitions are rebuilt from their lineage and its tasks' state from the round's broadcast, in both averaging modes.
 */
@Tag("slow") // a master, two workers and executor JVMs, one of which is killed
class ExecutorLossTest {
    /** Armed by the test: the first executor task to delete it halts its JVM (one kill, whichever executor wins). */
    static final Path ARM = Path.of(System.getProperty("java.io.tmpdir"), "ember-executor-loss-test.arm");
    private static final List<Row> ROWS = TestSpark.blobRows(256, 12);

    /** The blobs MLP, whose forward halts its executor at its 16th pass in that JVM since {@link #ARM} appeared. */
    public static final class DyingOnce extends Module {
        private static final AtomicInteger ARMED_PASSES = new AtomicInteger();
        final Module net = ModelSpec.parse(TestSpark.mlpSpec(4, 3)).build();

        @Override public Tensor forward(Tensor x) {
            boolean executor = TaskContext.get() != null && !"driver".equals(SparkEnv.get().executorId());
            if (executor && Files.exists(ARM) && ARMED_PASSES.incrementAndGet() >= 16) {
                try {
                    Files.delete(ARM);
                    Runtime.getRuntime().halt(137); // as the OOM killer or a lost node would: no shutdown hooks
                } catch (NoSuchFileException disarmed) {
                    // not armed, or the other executor already died
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            return net.forward(x);
        }
    }

    public static final class Factory implements ModuleFactory {
        @Override public Module create() { return new DyingOnce(); }
    }

    private static Map<String, Tensor> fit(LocalCluster cluster, String averaging) {
        return new EmberEstimator().setModelFactory(Factory.class.getName()).setAveraging(averaging).setNumWorkers(4)
                .setLearningRate(0.01).setBatchSize(32).setMaxEpochs(3).setSeed(8)
                .fit(TestSpark.frame(cluster.spark(), ROWS, 4)).module().stateDict();
    }

    @ParameterizedTest
    @ValueSource(strings = {"gradients", "weights"})
    @Timeout(300)
    void aFitSurvivesAnExecutorKilledMidwayAndGivesTheSameModel(String averaging) throws IOException {
        Files.deleteIfExists(ARM);
        try (LocalCluster cluster = LocalCluster.start(0)) {
            Map<String, Tensor> unharmed = fit(cluster, averaging);
            Files.createFile(ARM);
            Map<String, Tensor> survived = fit(cluster, averaging);
            assertFalse(Files.exists(ARM), "no executor was killed: the test proves nothing");
            assertEquals(unharmed.keySet(), survived.keySet());
            unharmed.forEach((k, v) -> assertArrayEquals(v.toFloatArray(), survived.get(k).toFloatArray(), 0f, k));
        } finally {
            Files.deleteIfExists(ARM);
        }
    }
}
