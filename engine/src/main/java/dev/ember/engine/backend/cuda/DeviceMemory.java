package dev.ember.engine.backend.cuda;

/**
 * The raw device allocator under {@link CachingAllocator}: {@link DriverMemory} on a GPU, a fake in
 * tests. {@code H} is the handle type of a block (a {@code CUdeviceptr} for the driver).
 */
public interface DeviceMemory<H> {
    /** Allocates {@code bytes} bytes, or returns null when the device is out of memory. */
    H allocate(long bytes);

    /** Returns a block from {@link #allocate} to the device. */
    void free(H block);

    /** Bytes the device reports free right now (for error messages). */
    long freeBytes();
}
