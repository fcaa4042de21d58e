package dev.ember.examples.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ember.examples.Jvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Training data several times the executors' memory: Fashion-MNIST five times over (300,000 rows, 0.94 GB of float32
 * features) on examples/cluster-test's two workers with 512 MB executors (127 MB of storage memory each; the README's
 * run: 600,000 rows on 1 GB executors, the same ratio at twice the time). The cached tensors cannot fit (auto puts each
 * partition in local files), the fit must not run out of memory, and the model must be the one the same job trains with
 * the tensors in memory (local[2], an 8 GB driver): the same test accuracy to the last digit.
 */
@Tag("slow") // two one-epoch fits over 300,000 rows (600,000 rows and 2 epochs took 1,028 s on 2 shared cores)
@Timeout(value = 50, unit = TimeUnit.MINUTES)
class DataBiggerThanMemoryTest {
    private static final List<String> JOB = List.of("dev.ember.examples.spark.SparkFashionMnist", "mlp", "1", "--repeat", "5");

    @Test
    void threeHundredThousandRowsTrainFromLocalDiskOn512mExecutorsToTheInMemoryModel() throws Exception {
        assumeTrue(UserProjectTest.shadedJar() != null, "no shaded connector jar: it is built by `mvn package` (run `mvn -B -ntp verify`)");
        assumeTrue(Files.isRegularFile(Path.of(SparkJobs.DEFAULT_DATA, "train-images-idx3-ubyte.gz")),
                "Fashion-MNIST is not installed in " + SparkJobs.DEFAULT_DATA + " (apt-get install dataset-fashion-mnist)");
        Jvm.Finished inMemory = Jvm.run(concat(List.of("examples/run", "spark-fashion-mnist"), JOB.subList(1, JOB.size()), List.of("--master", "local[2]")),
                null, Duration.ofMinutes(20));
        assertEquals(0, inMemory.exitCode(), inMemory.output());
        assertTrue(inMemory.output().contains("cacheStorage auto: 2 of 2 partitions in memory"), inMemory.output());

        Jvm.Finished cluster = Jvm.run(concat(List.of("examples/cluster-test", "--executor-memory", "512m", "--timeout", "1500"), JOB, List.of()),
                null, Duration.ofMinutes(27));
        assertEquals(0, cluster.exitCode(), cluster.output());
        assertTrue(cluster.output().contains("cacheStorage auto: 0 of 2 partitions in memory, 2 on local disk"), cluster.output());
        assertFalse(cluster.output().contains("OutOfMemoryError"), cluster.output());
        assertEquals(accuracy(inMemory.output()), accuracy(cluster.output()), "test accuracy, in memory (local[2]) and from disk (512 MB executors)");
    }

    private static List<String> concat(List<String> a, List<String> b, List<String> c) {
        return java.util.stream.Stream.of(a, b, c).flatMap(List::stream).toList();
    }

    private static String accuracy(String output) {
        Matcher m = Pattern.compile("test accuracy ([0-9.]+)").matcher(output);
        assertTrue(m.find(), "no test accuracy in:\n" + output);
        return m.group(1);
    }
}
