package dev.ember.spark;

import java.io.File;
import java.nio.file.Path;
import java.util.Map;
import org.apache.spark.SparkContext;
import org.apache.spark.SparkEnv;
import scala.Tuple2;

/**
 * Where a fit keeps each partition's training tensors ({@code cacheStorage}): {@code memory} (heap arrays, read
 * at memory speed every round), {@code disk} (local files on the executor, memory-mapped, so the heap holds a batch
 * at a time), or {@code auto}: memory while a partition stays within its share of the executor's storage memory,
 * the rest of it on disk. Every choice gives the same batches bit for bit.
 */
final class CacheStorage {
    static final String AUTO = "auto", MEMORY = "memory", DISK = "disk";
    static final String[] VALUES = {AUTO, MEMORY, DISK};
    /**
     * Share of an executor's storage memory that auto lets the cached partitions fill: the rest stays free for
     * the rounds' broadcast state, the results and other cached data, which Spark would otherwise evict.
     */
    static final double AUTO_SHARE = 0.5;

    private CacheStorage() {}

    /** The bytes of features one partition may keep on the heap before the rest goes to local files. */
    static long partitionBudget(String storage, SparkContext sc, int partitions) {
        return switch (storage) {
            case MEMORY -> Long.MAX_VALUE;
            case DISK -> 0;
            case AUTO -> autoBudget(executorStorageMemory(sc), partitions);
            default -> throw new IllegalArgumentException("cacheStorage must be one of auto, memory, disk; got '" + storage + "'");
        };
    }

    /**
     * Auto's share per partition: the smallest executor's storage memory times {@link #AUTO_SHARE}, over the
     * partitions each executor holds when they spread evenly.
     */
    static long autoBudget(long[] executorStorageBytes, int partitions) {
        long smallest = Long.MAX_VALUE;
        for (long b : executorStorageBytes) smallest = Math.min(smallest, b);
        int perExecutor = (partitions + executorStorageBytes.length - 1) / executorStorageBytes.length;
        return (long) (smallest * AUTO_SHARE / Math.max(1, perExecutor));
    }

    /**
     * Each executor's storage memory, as its block manager reports it (Spark's unified memory: the heap less
     * 300 MB, times {@code spark.memory.fraction}). The driver's own block manager counts only in local mode, where
     * it is the executor. Before any executor registers, {@code spark.executor.memory} gives the same estimate.
     */
    static long[] executorStorageMemory(SparkContext sc) {
        Map<String, Tuple2<Object, Object>> status = scala.jdk.javaapi.CollectionConverters.asJava(sc.getExecutorMemoryStatus());
        String driver = SparkEnv.get().blockManager().blockManagerId().hostPort();
        long[] bytes = status.entrySet().stream().filter(e -> sc.isLocal() || !e.getKey().equals(driver))
                .mapToLong(e -> (Long) e.getValue()._1()).toArray();
        if (bytes.length > 0) return bytes;
        long heap = sc.getConf().getSizeAsBytes("spark.executor.memory", "1g");
        double fraction = sc.getConf().getDouble("spark.memory.fraction", 0.6);
        return new long[]{(long) (Math.max(0, heap - (300L << 20)) * fraction)};
    }

    /** A directory for one partition's files among the executor's local dirs (Spark deletes them when it stops), else the temp dir. */
    static Path localDir(int partition) {
        SparkEnv env = SparkEnv.get();
        File[] dirs = env == null ? new File[0] : env.blockManager().diskBlockManager().localDirs();
        Path root = dirs.length > 0 ? dirs[Math.floorMod(partition, dirs.length)].toPath() : Path.of(System.getProperty("java.io.tmpdir"));
        return root.resolve("ember-rows");
    }
}
