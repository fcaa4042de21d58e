package dev.ember.engine.backend.cuda;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Runs every CUDA kernel source on the CPU emulator in engine/src/test/cuda/emu (g++, C++20)
 * against double-precision reference loops: the kernels' indexing, tiling, bounds and
 * synchronization are checked on machines without a GPU. Skipped where g++ is missing.
 */
@Tag("slow") // compiles and runs every kernel on the C++ emulator
@Timeout(value = 6, unit = TimeUnit.MINUTES)
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
            Processes.Finished run = Processes.run(List.of("bash", script.toString(), build.toString()), Map.of(), Duration.ofSeconds(300));
            assertEquals(0, run.exitCode(), "kernel emulation failed:\n" + run.output());
            assertTrue(run.output().contains(" passed, 0 failed"), run.output());
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
