package dev.ember.engine.backend.cuda;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Runs a build tool (nvcc, the kernel emulator) for a test. Output goes to a file, not a pipe the test reads, so
 * the time limit always applies: reading a pipe to its end would block until the process exits.
 */
final class Processes {
    private Processes() {}

    /** What a finished process wrote (stdout and stderr together) and its exit status. */
    record Finished(int exitCode, String output) {}

    /** Runs {@code cmd}; past {@code limit} the process is killed and the test fails with what it had written. */
    static Finished run(List<String> cmd, Map<String, String> env, Duration limit) throws IOException, InterruptedException {
        Path log = Files.createTempFile("ember-process", ".log");
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().putAll(env);
            Process p = pb.start();
            if (!p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                fail("timed out after " + limit.toMillis() + " ms and killed: " + cmd + "\n" + read(log));
            }
            return new Finished(p.exitValue(), read(log));
        } finally {
            Files.deleteIfExists(log);
        }
    }

    private static String read(Path log) throws IOException {
        return Files.readString(log, StandardCharsets.UTF_8);
    }
}
