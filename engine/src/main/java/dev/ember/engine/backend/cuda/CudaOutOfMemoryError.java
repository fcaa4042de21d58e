package dev.ember.engine.backend.cuda;

/**
 * A device allocation failed even after the {@link CachingAllocator} returned its cached blocks to
 * the device. The message names the requested size, the device's free memory and what the
 * allocator holds, like PyTorch's "CUDA out of memory. Tried to allocate ...".
 */
public final class CudaOutOfMemoryError extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final long requestedBytes;
    private final long freeBytes;

    public CudaOutOfMemoryError(String message, long requestedBytes, long freeBytes) {
        super(message);
        this.requestedBytes = requestedBytes;
        this.freeBytes = freeBytes;
    }

    /** The size asked for, before rounding. */
    public long requestedBytes() { return requestedBytes; }

    /** What the device reported free when the allocation failed. */
    public long freeBytes() { return freeBytes; }
}
