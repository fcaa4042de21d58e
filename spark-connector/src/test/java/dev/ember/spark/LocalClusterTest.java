package dev.ember.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The cluster tests of the connector rely on: two executor JVMs, and a GPU per task when asked for. */
@Tag("slow") // starts a master, two workers and two executor JVMs per test
class LocalClusterTest {

    /** What one task saw: the executor it ran on and its GPU addresses ("" when it got none). */
    private static List<String> probe(LocalCluster cluster) {
        return cluster.jsc().parallelize(List.of(0, 1), 2).map(i -> {
            ResourceInformation gpu = TaskContext.get().resources().get("gpu").getOrElse(() -> null);
            return SparkEnv.get().executorId() + "|" + (gpu == null ? "" : String.join(",", gpu.addresses()));
        }).collect();
    }

    private static Set<String> executors(List<String> seen) {
        return seen.stream().map(s -> s.substring(0, s.indexOf('|'))).collect(Collectors.toSet());
    }

    @Test
    @Timeout(120)
    void eachTaskGetsAFakeGpuOnItsOwnExecutor() {
        try (LocalCluster cluster = LocalCluster.start(1)) {
            List<String> seen = probe(cluster);
            // One core and one GPU per executor: the two tasks cannot share an executor.
            assertEquals(2, executors(seen).size(), seen::toString);
            for (String s : seen) assertEquals("0", s.substring(s.indexOf('|') + 1), seen::toString);
        }
    }

    @Test
    @Timeout(120)
    void withoutGpusTasksGetNone() {
        try (LocalCluster cluster = LocalCluster.start(0)) {
            List<String> seen = probe(cluster);
            assertEquals(2, seen.size());
            for (String s : seen) assertEquals("", s.substring(s.indexOf('|') + 1), seen::toString);
        }
    }
}
