package dev.ember.engine.backend.cuda;

import dev.ember.engine.DType;
import dev.ember.engine.Device;
import dev.ember.engine.backend.Buffer;

/**
 * Flat device memory of one dtype: a block of the device's caching allocator. It goes back to the
 * allocator when its {@link CudaMemoryScope} closes without keeping it, or on {@link #release()};
 * never when the garbage collector runs. Reading the address of released memory throws, naming
 * the scope that released it, so a use after release is an error rather than garbage.
 */
public final class CudaBuffer implements Buffer {
    private final CudaDevice device;
    private final DType dtype;
    private final int length;
    private final CachingAllocator.Block<Long> block;
    private CudaMemoryScope scope;
    private String releasedBy;

    CudaBuffer(CudaDevice device, DType dtype, int length, CachingAllocator.Block<Long> block) {
        this.device = device;
        this.dtype = dtype;
        this.length = length;
        this.block = block;
        this.scope = CudaMemoryScope.current();
        if (scope != null) scope.adopt(this);
    }

    @Override public Device device() { return device.device(); }

    @Override public DType dtype() { return dtype; }

    /** Elements (not bytes). */
    @Override public int length() { return length; }

    /** Bytes of data (the block may be larger). */
    public long bytes() { return (long) length * dtype.itemSize(); }

    /** The device the memory is on. */
    public CudaDevice cudaDevice() { return device; }

    /** The device address of element 0. @throws IllegalStateException once released */
    public synchronized long address() {
        if (releasedBy != null) {
            throw new IllegalStateException("device memory of a " + dtype + " buffer of " + length + " elements on " + device.device()
                    + " was released " + releasedBy + "; keep tensors that outlive a memory scope");
        }
        return block.handle();
    }

    /** Whether the memory went back to the allocator. */
    public synchronized boolean isReleased() { return releasedBy != null; }

    /** Gives the memory back now (idempotent). */
    public void release() {
        releaseFrom(null);
    }

    synchronized boolean releaseFrom(CudaMemoryScope by) {
        if (releasedBy != null) return false;
        releasedBy = by == null ? "explicitly" : "when memory scope '" + by.name() + "' closed";
        device.allocator().release(block);
        return true;
    }

    synchronized void moveTo(CudaMemoryScope outer) {
        scope = outer;
        if (outer != null) outer.adopt(this);
    }

    @Override public String toString() { return "CudaBuffer(" + dtype + "[" + length + "] on " + device.device() + ")"; }
}
