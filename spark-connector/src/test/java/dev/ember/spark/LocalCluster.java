package dev.ember.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * A {@code local-cluster[2,1,1024]} SparkSession for tests: a master and two workers inside this JVM, and two
 * executor JVMs with one core each, so tasks really are serialized, shipped and scheduled with resources
 * ({@code local[N]} offers no GPUs: a task GPU request hangs there). Works from Surefire without a Spark
 * distribution. Only one SparkContext can live in a JVM, so {@link #start} stops any active one first.
 * Closing stops the executors, workers and master.
 */
final class LocalCluster implements AutoCloseable {
    static final int WORKERS = 2;
    private static final Duration STARTUP_LIMIT = Duration.ofSeconds(60);

    private final SparkSession spark;
    private final Path scratch;

    private LocalCluster(SparkSession spark, Path scratch) {
        this.spark = spark;
        this.scratch = scratch;
    }

    /**
     * Starts the cluster and waits until both executors have registered.
     *
     * @param gpusPerWorker fake GPUs each worker offers (through conf/gpu-discovery.sh with EMBER_FAKE_GPUS);
     *     when positive each executor takes one and each task one of its executor's; 0 configures no GPUs
     * @throws IllegalStateException when the executors do not register within 60 s (naming the executor logs)
     */
    static LocalCluster start(int gpusPerWorker) {
        return start(gpusPerWorker, null);
    }

    /** {@link #start(int)} with executors whose CUDA is the emulated device in {@code cudaEmulator} (null: none). */
    static LocalCluster start(int gpusPerWorker, Path cudaEmulator) {
        if (gpusPerWorker < 0) throw new IllegalArgumentException("gpusPerWorker < 0: " + gpusPerWorker);
        // getOrCreate would hand back another test's local[N] session.
        for (var other : List.of(SparkSession.getActiveSession(), SparkSession.getDefaultSession())) {
            if (other.isDefined()) other.get().stop();
        }
        Path scratch = createScratch();
        SparkSession.Builder builder = SparkSession.builder()
                .master("local-cluster[" + WORKERS + ",1,1024]").appName("ember-local-cluster")
                .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.ui.enabled", "false")
                .config("spark.executor.memory", "512m")
                .config("spark.executorEnv.CUDA_DEVICE_ORDER", "PCI_BUS_ID");
        Map<String, String> executors = LocalClusterConf.executorConf();
        if (cudaEmulator != null) executors.merge("spark.executor.extraJavaOptions", " -Dember.cuda.emulator=" + cudaEmulator.toAbsolutePath(), String::concat);
        executors.forEach(builder::config);
        if (gpusPerWorker > 0) {
            builder.config("spark.worker.resource.gpu.amount", gpusPerWorker)
                    .config("spark.worker.resource.gpu.discoveryScript", fakeGpuScript(scratch, gpusPerWorker).toString())
                    .config("spark.executor.resource.gpu.amount", 1)
                    .config("spark.task.resource.gpu.amount", 1);
        }
        SparkSession spark = builder.getOrCreate();
        LocalCluster cluster = new LocalCluster(spark, scratch);
        try {
            cluster.awaitExecutors();
        } catch (RuntimeException e) {
            cluster.stop();
            throw e;
        }
        return cluster;
    }

    SparkSession spark() { return spark; }

    JavaSparkContext jsc() { return JavaSparkContext.fromSparkContext(spark.sparkContext()); }

    /** Stops everything and deletes the executors' logs and scratch dirs. */
    @Override
    public void close() {
        stop();
        deleteRecursively(appWorkDir());
        Path.of("work").toFile().delete(); // only if empty: other runs' logs stay
    }

    /** Stops everything but keeps the executors' logs. */
    private void stop() {
        spark.stop();
        SparkSession.clearActiveSession();
        SparkSession.clearDefaultSession();
        deleteRecursively(scratch);
    }

    /**
     * Where the workers put each executor's stdout, stderr and files: outside test mode a Worker works in
     * $SPARK_HOME/work, and without SPARK_HOME that is the current (module) directory.
     */
    private Path appWorkDir() {
        return Path.of("work", spark.sparkContext().applicationId()).toAbsolutePath();
    }

    private void awaitExecutors() {
        long deadline = System.nanoTime() + STARTUP_LIMIT.toNanos();
        // The status tracker lists the driver as an executor too.
        while (spark.sparkContext().statusTracker().getExecutorInfos().length < WORKERS + 1) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("local-cluster: " + (spark.sparkContext().statusTracker()
                        .getExecutorInfos().length - 1) + " of " + WORKERS + " executors registered within "
                        + STARTUP_LIMIT.toSeconds() + " s; " + appWorkDir() + "/*/stderr says why they exit");
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for executors", e);
            }
        }
    }

    /**
     * The workers run inside this JVM and start the discovery script with this JVM's environment, which Java
     * cannot change: a wrapper script sets EMBER_FAKE_GPUS and runs the real conf/gpu-discovery.sh.
     */
    private static Path fakeGpuScript(Path dir, int gpus) {
        Path real = Path.of("..", "conf", "gpu-discovery.sh").toAbsolutePath().normalize();
        if (!Files.isExecutable(real)) {
            throw new IllegalStateException(real + " is missing or not executable (tests run from the module dir)");
        }
        Path wrapper = dir.resolve("fake-gpus.sh");
        try {
            Files.writeString(wrapper, "#!/bin/sh\nEMBER_FAKE_GPUS=" + gpus + " exec '" + real + "'\n");
            Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwx------"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return wrapper;
    }

    private static Path createScratch() {
        try {
            return Files.createTempDirectory("ember-local-cluster");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) return;
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
