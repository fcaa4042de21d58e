package dev.ember.engine.backend.cuda;

import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Makes the engine's tests see a CUDA device on machines without a GPU: before any test runs (and
 * so before anything probes CUDA, which happens once per JVM), builds the emulated device with g++
 * and names it in {@link EmulatedCudaDriver#LIBRARY_PROPERTY}. Device-parametrized tests then run
 * on cpu and on cuda:0. Does nothing where g++ is missing (the CUDA cases skip with the reason),
 * where the property is already set, or under {@code EMBER_CUDA_REAL=1} (gpu-tests.sh on a GPU).
 */
public final class EmulatedCudaSession implements LauncherSessionListener {
    @Override
    public void launcherSessionOpened(LauncherSession session) {
        if ("1".equals(System.getenv("EMBER_CUDA_REAL")) || System.getProperty(EmulatedCudaDriver.LIBRARY_PROPERTY) != null) return;
        try {
            var lib = CudaDevices.emulator();
            if (lib != null) System.setProperty(EmulatedCudaDriver.LIBRARY_PROPERTY, lib.toString());
        } catch (RuntimeException e) {
            System.err.println("EmulatedCudaSession: no emulated CUDA device: " + e.getMessage());
        }
    }
}
