package dev.ember.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The JVM flags are defined once (the parent pom's ember.jvm.flags); the build writes them into
 * target/conf/{jvm-flags,spark-defaults.conf} and the jar, Surefire passes them to this JVM, and examples/run and
 * examples/cluster-test read target/conf. All of these must hold the same flags.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class JvmFlagsTest {
    static final Path ROOT = Path.of("").toAbsolutePath().getParent();
    static final Path CONF = ROOT.resolve("spark-connector/target/conf");

    static List<String> split(String flags) { return Arrays.asList(flags.trim().split("\\s+")); }

    static List<String> flagsFile() throws IOException { return split(Files.readString(CONF.resolve("jvm-flags"))); }

    /** The value of a property line {@code key  value} in a spark-defaults.conf. */
    static String property(String conf, String key) {
        return conf.lines().filter(l -> l.startsWith(key + " ")).map(l -> l.substring(key.length()).trim()).findFirst()
                .orElseThrow(() -> new AssertionError("no " + key + " line in spark-defaults.conf"));
    }

    @Test
    void theFlagsFileHoldsWhatSparkArrowAndTheVectorApiNeed() throws IOException {
        List<String> flags = flagsFile();
        assertTrue(flags.contains("--add-modules=jdk.incubator.vector"), flags.toString());
        assertTrue(flags.contains("--add-opens=java.base/java.nio=ALL-UNNAMED"), "Arrow needs java.nio: " + flags);
        assertTrue(flags.contains("--add-opens=java.base/sun.nio.ch=ALL-UNNAMED"), "Spark needs sun.nio.ch: " + flags);
        assertTrue(flags.stream().noneMatch(f -> f.contains("${")), "unfiltered placeholder: " + flags);
    }

    @Test
    void sparkDefaultsGiveDriverAndExecutorsTheSameFlags() throws IOException {
        List<String> flags = flagsFile();
        String conf = Files.readString(CONF.resolve("spark-defaults.conf"));
        assertEquals(flags, split(property(conf, "spark.driver.extraJavaOptions")));
        assertEquals(flags, split(property(conf, "spark.executor.extraJavaOptions")));
        try (InputStream in = JvmFlagsTest.class.getResourceAsStream("/ember/spark-defaults.conf")) {
            assertEquals(conf, new String(in.readAllBytes(), StandardCharsets.UTF_8), "the jar's copy differs from target/conf");
        }
    }

    @Test
    void surefireStartedThisJvmWithTheFlags() throws IOException {
        List<String> args = ManagementFactory.getRuntimeMXBean().getInputArguments();
        List<String> flags = flagsFile();
        assertTrue(Collections.indexOfSubList(args, flags) >= 0, "Surefire's argLine " + args + " lacks " + flags);
    }

    @Test
    void theScriptsReadTheGeneratedFlags() throws IOException {
        for (String script : List.of("examples/run", "examples/cluster-test")) {
            String text = Files.readString(ROOT.resolve(script));
            assertTrue(text.contains("spark-connector/target/conf"), script + " does not read the build's flags");
            assertTrue(!text.contains("--add-opens"), script + " spells out flags of its own");
        }
    }
}
