package dev.ember.engine.backend.cuda;

import java.nio.ByteBuffer;

/**
 * The calls the CUDA backend makes to a device: load kernels, allocate and free memory, copy
 * between host and device, launch, synchronize. Two implementations: {@link NativeCudaDriver}, the
 * real driver through JCuda, and {@link EmulatedCudaDriver}, Ember's unchanged kernel sources built
 * with g++ against a CPU stand-in for the CUDA execution model, so machines without a GPU run the
 * same host code and kernels. Device memory is named by addresses ({@code long}); 0 is null.
 *
 * <p>A driver serves one device. It is thread-safe: every call first makes the device's context
 * current on the calling thread (Spark runs tasks on changing threads).
 */
public interface CudaDriver extends DeviceMemory<Long>, AutoCloseable {
    /**
     * Opens device {@code index}: on the emulated device when {@link EmulatedCudaDriver#configuredLibrary()}
     * names one, else on the GPU.
     *
     * @throws IllegalStateException naming {@link CudaProbe#reason()} when CUDA is unavailable
     */
    static CudaDriver open(int index) {
        if (!CudaProbe.available()) throw new IllegalStateException("CUDA is not available: " + CudaProbe.reason());
        java.nio.file.Path emulator = EmulatedCudaDriver.configuredLibrary();
        return emulator != null ? EmulatedCudaDriver.open(emulator, index) : NativeCudaDriver.open(index);
    }

    /** A kernel looked up in one of the shipped modules ({@link PtxSource#MODULES}). */
    interface Kernel {
        String module();
        String name();
    }

    /** The device index this driver serves. */
    int deviceIndex();

    /** What the device is, for logs and summaries: "NVIDIA H200 (sm_90)", "emulated CUDA device 0 (g++)". */
    String deviceName();

    /** Compute capability as major * 10 + minor (decides whether the TF32 tensor-core GEMM can run). */
    int computeCapability();

    /**
     * The kernel {@code name} of {@code module}, loaded on first use and cached.
     *
     * @throws IllegalArgumentException naming the module's kernels when it has no such kernel
     */
    Kernel kernel(String module, String name);

    /** Enqueues a launch; kernel errors surface at the next synchronizing call. An empty grid does nothing. */
    void launch(Kernel kernel, LaunchConfig config, KernelArgs args);

    /** Waits for all queued work on the device. */
    void synchronize();

    /**
     * Page-locked host memory of {@code bytes} bytes for fast copies (native byte order). Give it
     * back with {@link #freePinned}.
     */
    ByteBuffer allocatePinned(long bytes);

    /** Returns a buffer from {@link #allocatePinned}. */
    void freePinned(ByteBuffer buffer);

    /** Copies {@code bytes} bytes from {@code src} (position 0; direct) to device address {@code dst}; returns when done. */
    void copyToDevice(long dst, ByteBuffer src, long bytes);

    /** Copies {@code bytes} bytes from device address {@code src} into {@code dst} (position 0; direct); returns when done. */
    void copyToHost(ByteBuffer dst, long src, long bytes);

    /** Copies {@code bytes} bytes between device addresses (queued like a launch). */
    void copyOnDevice(long dst, long src, long bytes);

    /** Releases the driver's modules and context; memory still allocated is the allocator's to report. */
    @Override
    void close();
}
