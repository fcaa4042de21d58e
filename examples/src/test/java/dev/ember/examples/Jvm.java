package dev.ember.examples;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Starts a separate JVM or one of the examples' scripts for a test, as a user's shell would: for a JVM, the flags the
 * build wrote, a classpath, a main class. Output goes to a file, not a pipe the test reads, so the time limit always
 * applies.
 */
public final class Jvm {
    private Jvm() {}

    /** The repository root (Surefire runs in the module's folder). */
    public static final Path ROOT = Path.of("").toAbsolutePath().getParent();
    /** What the build wrote from the parent pom's ember.jvm.flags. */
    public static final Path FLAGS = ROOT.resolve("spark-connector/target/conf/jvm-flags");
    public static final Path SPARK_DEFAULTS = ROOT.resolve("spark-connector/target/conf/spark-defaults.conf");

    /** What a finished process wrote (stdout and stderr together) and its exit status. */
    public record Finished(int exitCode, String output) {}

    /** The jars of this test JVM's classpath that are not Ember's own (no dev.ember module, no JCuda): Spark and its dependencies. */
    public static List<String> sparkJars() {
        return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(e -> e.endsWith(".jar") && !e.contains("/org/jcuda/") && !e.contains("/dev/ember/") && !e.contains("/target/"))
                .collect(Collectors.toList());
    }

    /** The build's JVM flags, one list entry each. */
    public static List<String> flags() throws IOException {
        return List.of(Files.readString(FLAGS).trim().split("\\s+"));
    }

    /** Runs {@code java FLAGS -cp CLASSPATH ARGS...} with stdin from {@code input} (may be null). */
    public static Finished java(List<String> classpath, List<String> args, Path input, Duration limit) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(flags());
        cmd.add("-cp");
        cmd.add(String.join(File.pathSeparator, classpath));
        cmd.addAll(args);
        return run(cmd, input, limit);
    }

    /** Runs {@code cmd} from the repository root, stdin from {@code input} (may be null), killed past {@code limit}. */
    public static Finished run(List<String> cmd, Path input, Duration limit) throws IOException, InterruptedException {
        Path log = Files.createTempFile("ember-jvm", ".log");
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(ROOT.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().put("EMBER_NO_BUILD", "1"); // a script started by a test never starts a second Maven build
            pb.redirectInput(input == null ? ProcessBuilder.Redirect.from(new File("/dev/null")) : ProcessBuilder.Redirect.from(input.toFile()));
            Process p = pb.start();
            if (!p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                fail("timed out after " + limit.toSeconds() + " s and killed: " + cmd + "\n" + Files.readString(log));
            }
            return new Finished(p.exitValue(), Files.readString(log));
        } finally {
            Files.deleteIfExists(log);
        }
    }
}
