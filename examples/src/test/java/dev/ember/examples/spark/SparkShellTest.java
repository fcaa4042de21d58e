package dev.ember.examples.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ember.examples.Jvm;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** examples/spark-shell with a session piped in (src/test/resources/shell-session.jsh): fit, evaluate, exit. */
class SparkShellTest {
    @Test
    @Tag("slow") // JShell, its agent JVM and a local Spark: ~30 s on 2 shared cores
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void aPipedSessionFitsAndEvaluates() throws Exception {
        assumeTrue(UserProjectTest.shadedJar() != null, "no shaded connector jar: it is built by `mvn package` (run `mvn -B -ntp verify`)");
        Path session = Path.of("src/test/resources/shell-session.jsh").toAbsolutePath();
        Jvm.Finished run = Jvm.run(List.of("examples/spark-shell", "--master", "local[2]"), session, Duration.ofMinutes(2));
        assertEquals(0, run.exitCode(), run.output());
        assertTrue(run.output().contains("as `spark`"), "the start-up script did not create the session:\n" + run.output());
        Matcher m = Pattern.compile("shell accuracy ([0-9.]+)").matcher(run.output());
        assertTrue(m.find(), "no accuracy line:\n" + run.output());
        // Two classes split by the line x1 + 2 x2 = 0, which one Linear layer can draw: chance is about 0.5.
        assertTrue(Double.parseDouble(m.group(1)) >= 0.95, run.output());
    }
}
