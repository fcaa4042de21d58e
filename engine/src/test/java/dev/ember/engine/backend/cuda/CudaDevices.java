package dev.ember.engine.backend.cuda;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Test helper: the CUDA devices this machine can run tests on. The emulated device needs g++ (its
 * library is built once into target/cuda-emu, named by a hash of the sources); the GPU needs a
 * driver and a device ({@link CudaProbe}). Tests parametrized over {@link #names()} run on each.
 */
public final class CudaDevices {
    private CudaDevices() {}

    private static Path emulatorLibrary;
    private static String emulatorUnavailable;

    /** "emulated" where g++ builds the emulator; "gpu" where a real device is there. */
    public static List<String> names() {
        List<String> out = new ArrayList<>();
        if (emulator() != null) out.add("emulated");
        if (CudaProbe.available() && EmulatedCudaDriver.configuredLibrary() == null) out.add("gpu");
        if (out.isEmpty()) out.add("none");
        return out;
    }

    /** Opens device 0 of {@code name}; the calling test is skipped (with the reason) for "none". */
    public static CudaDriver open(String name) {
        switch (name) {
            case "emulated": return EmulatedCudaDriver.open(emulator(), 0);
            case "gpu": return NativeCudaDriver.open(0);
            default:
                org.junit.jupiter.api.Assumptions.abort("no CUDA device to test on: " + whyNone());
                throw new AssertionError();
        }
    }

    /** Why neither device is there. */
    public static String whyNone() {
        return "GPU: " + CudaProbe.reason() + "; emulator: " + emulatorUnavailable;
    }

    /** The emulator library, built on first use; null (with the reason kept) where it cannot be built. */
    public static synchronized Path emulator() {
        if (emulatorLibrary != null || emulatorUnavailable != null) return emulatorLibrary;
        Path cuda = CudaSources.dir();
        if (cuda == null) {
            emulatorUnavailable = "engine/src/main/cuda not found";
        } else if (!onPath("g++")) {
            emulatorUnavailable = "g++ is not on PATH";
        } else {
            Path target = cuda.getParent().getParent().getParent().resolve("target/cuda-emu");
            long start = System.nanoTime();
            emulatorLibrary = EmulatedCudaDriver.buildLibrary(cuda, cuda.getParent().getParent().resolve("test/cuda/emu"), target);
            System.out.printf("CUDA emulator library %s (%.1f s)%n", emulatorLibrary.getFileName(), (System.nanoTime() - start) / 1e9);
        }
        return emulatorLibrary;
    }

    static boolean onPath(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, tool))) return true;
        }
        return false;
    }
}
