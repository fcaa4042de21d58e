package dev.ember.engine.backend.cuda;

import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Runs every CUDA kernel source on the CPU emulator in engine/src/test/cuda/emu (g++, C++20)
 * against double-precision reference loops: the kernels' indexing, tiling, bounds and
 * synchronization are checked on machines without a GPU. Skipped where g++ is missing.
 */
class CudaKernelEmulationTest {
    @Test
    void kernelsMatchReferenceLoopsOnTheCpuEmulator() throws Exception {
        Path cuda = CudaSources.dir();
        assumeTrue(cuda != null, "engine/src/main/cuda not found");
        Path script = cuda.getParent().getParent().resolve("test/cuda/emu/run-emu.sh");
        assumeTrue(Files.isRegularFile(script), "no emulator at " + script);
        assumeTrue(onPath("g++"), "g++ not on PATH: skipping the kernel emulation check");
        Path build = Files.createTempDirectory("ember-cuda-emu");
        try {
            Process p = new ProcessBuilder("bash", script.toString(), build.toString()).redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "emulator timed out");
            String text = new String(out, StandardCharsets.UTF_8);
            assertEquals(0, p.exitValue(), "kernel emulation failed:\n" + text);
            assertTrue(text.contains(" passed, 0 failed"), text);
        } finally {
            try (var files = Files.list(build)) {
                for (Path f : files.toList()) Files.delete(f);
            }
            Files.delete(build);
        }
    }

    private static boolean onPath(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, tool))) return true;
        }
        return false;
    }
}
