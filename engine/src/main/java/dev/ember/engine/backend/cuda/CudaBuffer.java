package dev.ember.engine.backend.cuda;

import dev.ember.engine.DType;
import dev.ember.engine.Device;
import dev.ember.engine.backend.Buffer;

/**
 * Flat device memory of one dtype: a block of the device's caching allocator. It goes back to the
 * allocator when its {@link CudaMemoryScope} collects it, or on {@link #release()}: deterministically,
 * at a point the program chooses. Memory allocated outside any scope that becomes unreachable goes
 * back after the garbage collector finds it (a safety net for loops written without scopes; an
 * allocation that finds the device full collects garbage once before giving up). Reading the address
 * of released memory throws, naming who released it, so a use after release is an error rather than
 * garbage.
 */
public final class CudaBuffer implements Buffer {
    private final CudaDevice device;
    private final DType dtype;
    private final int length;
    private final Block memory;
    private CudaMemoryScope scope;

    /** The block and whether it went back: shared with the GC safety net, which must not reach the buffer. */
    private static final class Block implements Runnable {
        final CachingAllocator<Long> allocator;
        final CachingAllocator.Block<Long> block;
        String releasedBy;

        Block(CachingAllocator<Long> allocator, CachingAllocator.Block<Long> block) {
            this.allocator = allocator;
            this.block = block;
        }

        synchronized boolean release(String by) {
            if (releasedBy != null) return false;
            releasedBy = by;
            allocator.release(block);
            return true;
        }

        /** The GC found the buffer unreachable. */
        @Override public void run() { release("by the garbage collector"); }
    }

    private static final java.lang.ref.Cleaner CLEANER = java.lang.ref.Cleaner.create();

    CudaBuffer(CudaDevice device, DType dtype, int length, CachingAllocator.Block<Long> block) {
        this.device = device;
        this.dtype = dtype;
        this.length = length;
        this.memory = new Block(device.allocator(), block);
        this.scope = CudaMemoryScope.current();
        if (scope != null) scope.adopt(this);
        CLEANER.register(this, memory);
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
    public long address() {
        synchronized (memory) {
            if (memory.releasedBy != null) {
                throw new IllegalStateException("device memory of a " + dtype + " buffer of " + length + " elements on " + device.device()
                        + " was released " + memory.releasedBy + "; name the tensors that outlive a step among the memory scope's live ones");
            }
            return memory.block.handle();
        }
    }

    /** Whether the memory went back to the allocator. */
    public boolean isReleased() {
        synchronized (memory) { return memory.releasedBy != null; }
    }

    /** Gives the memory back now (idempotent). */
    public void release() {
        memory.release("explicitly");
    }

    boolean releaseFrom(CudaMemoryScope by) {
        return memory.release("when memory scope '" + by.name() + "' collected it");
    }

    synchronized void moveTo(CudaMemoryScope outer) {
        scope = outer;
        if (outer != null) outer.adopt(this);
    }

    @Override public String toString() { return "CudaBuffer(" + dtype + "[" + length + "] on " + device.device() + ")"; }
}
