package dev.ember.engine.backend.cuda;

import org.junit.jupiter.api.Test;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** The probe's answer matches what this machine has, worked out here without JCuda: a driver library and a device node. */
class CudaProbeTest {
    private static final List<String> LIBRARY_DIRS = List.of("/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib", "/lib/x86_64-linux-gnu",
            "/lib64", "/usr/local/cuda/compat", "/usr/local/nvidia/lib64", "/usr/lib/wsl/lib");

    private static boolean disabled() {
        return Boolean.getBoolean("ember.cuda.disable") || "1".equals(System.getenv("EMBER_CUDA_DISABLE"));
    }

    /** libcuda.so.1 in LD_LIBRARY_PATH or a standard library folder: without it JCuda's driver binding cannot load. */
    private static boolean driverLibraryPresent() {
        List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("LD_LIBRARY_PATH", "").split(File.pathSeparator)));
        dirs.addAll(LIBRARY_DIRS);
        return dirs.stream().anyMatch(d -> !d.isEmpty() && Files.exists(Path.of(d, "libcuda.so.1")));
    }

    /** /dev/nvidia0, /dev/nvidia1, ... (or WSL's /dev/dxg): without one there is no device to use. */
    private static boolean deviceNodePresent() throws IOException {
        if (Files.exists(Path.of("/dev/dxg"))) return true;
        try (Stream<Path> dev = Files.list(Path.of("/dev"))) {
            return dev.anyMatch(p -> p.getFileName().toString().matches("nvidia[0-9]+"));
        }
    }

    @Test
    void probeMatchesTheMachine() throws IOException {
        CudaProbe.Result r = CudaProbe.result();
        String seen = "probe says " + r + "; libcuda.so.1 present: " + driverLibraryPresent() + ", device node present: " + deviceNodePresent();
        if (disabled()) {
            assertFalse(r.available(), seen);
            assertEquals("CUDA disabled by ember.cuda.disable / EMBER_CUDA_DISABLE", r.reason());
        } else if (EmulatedCudaDriver.configuredLibrary() != null) {
            assertTrue(r.available(), seen);
            assertEquals(EmulatedCudaDriver.deviceCount(), r.deviceCount(), seen);
            assertEquals("emulated CUDA (" + EmulatedCudaDriver.configuredLibrary().getFileName() + "), " + r.deviceCount() + " device(s)", r.reason());
        } else if (!driverLibraryPresent()) {
            assertFalse(r.available(), seen);
            assertTrue(r.reason().startsWith("JCuda driver library did not load (no libcuda.so.1?): "), seen);
        } else if (!deviceNodePresent()) {
            assertFalse(r.available(), seen);
            assertFalse(r.reason().isBlank(), seen);
        } else {
            assertTrue(r.available(), seen);
            assertTrue(r.deviceCount() >= 1, seen);
            assertTrue(r.reason().matches("CUDA driver \\d+\\.\\d+, " + r.deviceCount() + " device\\(s\\)"), seen);
        }
        if (!r.available()) assertEquals(0, r.deviceCount(), seen);
    }

    @Test
    void probeRunsOnceAndAnswersTheSameEveryTime() {
        assertSame(CudaProbe.result(), CudaProbe.result());
        assertEquals(CudaProbe.available(), CudaProbe.result().available());
        assertEquals(CudaProbe.reason(), CudaProbe.result().reason());
    }

    @Test
    void openingAContextWithoutCudaNamesTheReason() {
        if (EmulatedCudaDriver.configuredLibrary() != null) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CudaDriver.open(1 << 20));
            assertTrue(e.getMessage().contains("1048576"), e.getMessage());
        } else if (CudaProbe.available()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CudaContext.open(1 << 20));
            assertTrue(e.getMessage().contains("1048576"), e.getMessage());
        } else {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> CudaContext.open(0));
            assertTrue(e.getMessage().contains(CudaProbe.reason()), e.getMessage());
        }
    }
}
