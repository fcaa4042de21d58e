package dev.ember.engine.backend.cuda;

import java.util.ArrayDeque;
import java.util.Map;
import java.util.TreeMap;

/**
 * A caching allocator for device memory, after PyTorch's: a released block is kept in a free list
 * for its size class and handed out again to the next request of that class, so a training loop
 * that allocates the same shapes every step stops calling {@code cuMemAlloc}/{@code cuMemFree}
 * (which synchronize the device) after its first step and holds flat memory.
 *
 * <p>Size classes ({@link #roundSize}): requests below 1 MiB round up to a multiple of 512 bytes;
 * larger ones round up to the next of four steps between powers of two (1, 1.25, 1.5, 1.75 x 2^k),
 * which bounds the waste by 25% while keeping the number of classes small. When the device is out
 * of memory, the allocator frees its whole cache and tries once more before throwing
 * {@link CudaOutOfMemoryError}.
 *
 * <p>Thread-safe (Spark runs tasks on changing threads). Like an Arrow allocator, {@link #close()}
 * with blocks still allocated throws, so every test that opens one is also a leak test.
 *
 * @param <H> the device's block handle type
 */
public final class CachingAllocator<H> implements AutoCloseable {
    /** Requests below this size are "small" and round to {@link #SMALL_ROUNDING}. */
    public static final long SMALL_LIMIT = 1L << 20;
    public static final long SMALL_ROUNDING = 512;

    /** A block handed out by {@link #allocate}; give it back with {@link #release}. */
    public static final class Block<H> {
        private final H handle;
        private final long size;
        private final long requested;
        private boolean live;

        private Block(H handle, long size, long requested) {
            this.handle = handle;
            this.size = size;
            this.requested = requested;
        }

        /** The device handle (a {@code CUdeviceptr} on a GPU). */
        public H handle() { return handle; }

        /** The block's size: the request rounded up to its size class. */
        public long size() { return size; }

        /** The size that was asked for when the block was last handed out. */
        public long requested() { return requested; }

        @Override public String toString() { return "Block(" + size + " bytes)"; }
    }

    private final DeviceMemory<H> device;
    private final TreeMap<Long, ArrayDeque<Block<H>>> freeBySize = new TreeMap<>();
    private long allocatedBytes;
    private long cachedBytes;
    private long peakAllocatedBytes;
    private long liveBlocks;
    private long deviceAllocations;
    private long cacheHits;
    private boolean closed;

    public CachingAllocator(DeviceMemory<H> device) {
        this.device = device;
    }

    /** The size class of a request of {@code bytes} bytes (see the class comment). */
    public static long roundSize(long bytes) {
        if (bytes < 0) throw new IllegalArgumentException("allocation size must be >= 0, got " + bytes);
        if (bytes == 0) return SMALL_ROUNDING;
        if (bytes < SMALL_LIMIT) return ceilTo(bytes, SMALL_ROUNDING);
        long power = Long.highestOneBit(bytes);
        if (power == bytes) return bytes;
        long step = power / 4;
        return ceilTo(bytes, step);
    }

    private static long ceilTo(long v, long multiple) {
        return Math.addExact(v, multiple - 1) / multiple * multiple;
    }

    /**
     * A block of at least {@code bytes} bytes: a cached one of the same size class when there is one,
     * else a new one from the device.
     *
     * @throws CudaOutOfMemoryError when the device cannot provide the block even after the cache is emptied
     */
    public synchronized Block<H> allocate(long bytes) {
        checkOpen();
        long size = roundSize(bytes);
        ArrayDeque<Block<H>> free = freeBySize.get(size);
        Block<H> block;
        if (free != null && !free.isEmpty()) {
            Block<H> cached = free.pop();
            if (free.isEmpty()) freeBySize.remove(size);
            cachedBytes -= size;
            cacheHits++;
            block = new Block<>(cached.handle, size, bytes);
        } else {
            H handle = device.allocate(size);
            if (handle == null && cachedBytes > 0) {
                emptyCache();
                handle = device.allocate(size);
            }
            if (handle == null) throw outOfMemory(bytes, size);
            deviceAllocations++;
            block = new Block<>(handle, size, bytes);
        }
        block.live = true;
        liveBlocks++;
        allocatedBytes += size;
        peakAllocatedBytes = Math.max(peakAllocatedBytes, allocatedBytes);
        return block;
    }

    private CudaOutOfMemoryError outOfMemory(long bytes, long size) {
        long free = device.freeBytes();
        String msg = "CUDA out of memory: tried to allocate " + human(size) + " (" + size + " bytes for a request of "
                + bytes + "); the device has " + human(free) + " (" + free + " bytes) free; this allocator holds "
                + human(allocatedBytes) + " allocated in " + liveBlocks + " block(s) and " + human(cachedBytes)
                + " cached (the cache was emptied before giving up)";
        return new CudaOutOfMemoryError(msg, bytes, free);
    }

    /**
     * Gives a block back. It goes to the cache, not to the device, so the next request of its size
     * class reuses it.
     *
     * @throws IllegalStateException when the block was already released
     */
    public synchronized void release(Block<H> block) {
        if (!block.live) throw new IllegalStateException("block of " + block.size + " bytes released twice");
        block.live = false;
        liveBlocks--;
        allocatedBytes -= block.size;
        if (closed) {  // released after close(): nothing caches anymore
            device.free(block.handle);
            return;
        }
        freeBySize.computeIfAbsent(block.size, s -> new ArrayDeque<>()).push(new Block<>(block.handle, block.size, 0));
        cachedBytes += block.size;
    }

    /** Returns every cached block to the device (like {@code torch.cuda.empty_cache()}). */
    public synchronized void emptyCache() {
        for (ArrayDeque<Block<H>> free : freeBySize.values()) {
            for (Block<H> b : free) device.free(b.handle);
        }
        freeBySize.clear();
        cachedBytes = 0;
    }

    /** Bytes in blocks handed out and not yet released (rounded sizes). */
    public synchronized long allocatedBytes() { return allocatedBytes; }

    /** Bytes in released blocks kept for reuse. */
    public synchronized long cachedBytes() { return cachedBytes; }

    /** Bytes this allocator holds on the device: allocated + cached. */
    public synchronized long reservedBytes() { return allocatedBytes + cachedBytes; }

    /** The highest {@link #allocatedBytes()} since creation or the last {@link #resetPeak()}. */
    public synchronized long peakAllocatedBytes() { return peakAllocatedBytes; }

    /** Starts peak tracking afresh from the current allocation. */
    public synchronized void resetPeak() { peakAllocatedBytes = allocatedBytes; }

    /** Blocks handed out and not yet released. */
    public synchronized long liveBlocks() { return liveBlocks; }

    /** Calls to the device's allocate that succeeded (cache misses). */
    public synchronized long deviceAllocations() { return deviceAllocations; }

    /** Requests served from the cache. */
    public synchronized long cacheHits() { return cacheHits; }

    /** Cached block counts by size class, smallest first (for diagnostics and tests). */
    public synchronized Map<Long, Integer> cachedBlocksBySize() {
        Map<Long, Integer> out = new TreeMap<>();
        freeBySize.forEach((size, q) -> out.put(size, q.size()));
        return out;
    }

    /** A one-line summary like PyTorch's memory_summary headline. */
    public synchronized String summary() {
        return "allocated " + human(allocatedBytes) + " in " + liveBlocks + " block(s), cached " + human(cachedBytes)
                + ", peak " + human(peakAllocatedBytes) + ", device allocations " + deviceAllocations
                + ", cache hits " + cacheHits;
    }

    /**
     * Empties the cache. Blocks released later go straight to the device.
     *
     * @throws IllegalStateException when blocks are still allocated (a leak); the cache is emptied first
     */
    @Override
    public synchronized void close() {
        if (closed) return;
        emptyCache();
        closed = true;
        if (liveBlocks > 0) {
            throw new IllegalStateException("CachingAllocator closed with " + liveBlocks + " block(s) ("
                    + human(allocatedBytes) + ") still allocated");
        }
    }

    private void checkOpen() {
        if (closed) throw new IllegalStateException("CachingAllocator is closed");
    }

    /** Bytes as B / KiB / MiB / GiB with two decimals. */
    static String human(long bytes) {
        if (bytes < 1024) return bytes + " B";
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(java.util.Locale.ROOT, "%.2f %s", v, units[u]);
    }
}
