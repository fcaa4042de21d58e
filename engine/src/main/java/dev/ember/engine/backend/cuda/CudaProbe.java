package dev.ember.engine.backend.cuda;

import jcuda.driver.CUdevice;
import jcuda.driver.JCudaDriver;

/**
 * Finds out, once per JVM, whether CUDA can be used: the JCuda driver binding loads (it needs
 * {@code libcuda.so.1}), {@code cuInit} succeeds and at least one device is there. Never throws:
 * a failed native load leaves JCuda's classes unusable for the life of the JVM, so the answer is
 * computed once and every caller gets the same {@link #available()} and {@link #reason()}.
 *
 * <p>Setting the system property {@code ember.cuda.disable=true} (or the environment variable
 * {@code EMBER_CUDA_DISABLE=1}) makes the probe report "disabled" without touching the driver.
 * Naming an emulator library ({@link EmulatedCudaDriver#LIBRARY_PROPERTY}) makes the probe report
 * the emulated devices instead of the GPU's.
 */
public final class CudaProbe {
    private CudaProbe() {}

    /** The outcome of the probe. {@code reason} says why CUDA is unavailable, or describes the driver. */
    public record Result(boolean available, String reason, int deviceCount, int driverVersion) {}

    private static final class Holder {
        static final Result RESULT = probe();
    }

    /** Whether a CUDA driver and at least one device can be used. */
    public static boolean available() { return Holder.RESULT.available(); }

    /**
     * Why CUDA is unavailable ("no libcuda.so.1: ...", "cuInit failed: ...", "no CUDA device"), or,
     * when it is available, a description such as "CUDA driver 12.4, 1 device(s)".
     */
    public static String reason() { return Holder.RESULT.reason(); }

    /** Number of CUDA devices; 0 when unavailable. */
    public static int deviceCount() { return Holder.RESULT.deviceCount(); }

    /** The full result of the probe. */
    public static Result result() { return Holder.RESULT; }

    private static Result probe() {
        if (Boolean.getBoolean("ember.cuda.disable") || "1".equals(System.getenv("EMBER_CUDA_DISABLE"))) {
            return new Result(false, "CUDA disabled by ember.cuda.disable / EMBER_CUDA_DISABLE", 0, 0);
        }
        java.nio.file.Path emulator = EmulatedCudaDriver.configuredLibrary();
        if (emulator != null) return probeEmulator(emulator);
        try {
            JCudaDriver.setExceptionsEnabled(true);
            JCudaDriver.cuInit(0);
            int[] version = {0};
            JCudaDriver.cuDriverGetVersion(version);
            int[] count = {0};
            JCudaDriver.cuDeviceGetCount(count);
            String driver = "CUDA driver " + version[0] / 1000 + "." + (version[0] % 1000) / 10;
            if (count[0] == 0) return new Result(false, "no CUDA device (" + driver + ")", 0, version[0]);
            // Touch device 0 so a broken installation shows up here rather than at first use.
            CUdevice device = new CUdevice();
            JCudaDriver.cuDeviceGet(device, 0);
            return new Result(true, driver + ", " + count[0] + " device(s)", count[0], version[0]);
        } catch (UnsatisfiedLinkError e) {
            return new Result(false, "JCuda driver library did not load (no libcuda.so.1?): " + firstLine(e), 0, 0);
        } catch (Throwable t) {
            return new Result(false, "CUDA probe failed: " + t.getClass().getSimpleName() + ": " + firstLine(t), 0, 0);
        }
    }

    private static Result probeEmulator(java.nio.file.Path library) {
        if (!java.nio.file.Files.isRegularFile(library)) {
            return new Result(false, "the CUDA emulator library " + library + " (ember.cuda.emulator) does not exist", 0, 0);
        }
        try {
            EmulatedCudaDriver.open(library, 0).close();
            int n = EmulatedCudaDriver.deviceCount();
            return new Result(true, "emulated CUDA (" + library.getFileName() + "), " + n + " device(s)", n, 0);
        } catch (Throwable t) {
            return new Result(false, "the CUDA emulator did not load (JNA on the class path?): "
                    + t.getClass().getSimpleName() + ": " + firstLine(t), 0, 0);
        }
    }

    private static String firstLine(Throwable t) {
        String m = String.valueOf(t.getMessage());
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
