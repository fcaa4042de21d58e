package dev.ember.engine.backend.cuda;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class CachingAllocatorTest {
    /** A device with a fixed capacity whose blocks are numbered handles; it checks every free. */
    static final class FakeDevice implements DeviceMemory<Long> {
        final long capacity;
        long used;
        long nextHandle = 1;
        int allocCalls, freeCalls;
        final java.util.Map<Long, Long> live = new java.util.HashMap<>();

        FakeDevice(long capacity) { this.capacity = capacity; }

        @Override public Long allocate(long bytes) {
            allocCalls++;
            if (used + bytes > capacity) return null;
            used += bytes;
            long h = nextHandle++;
            live.put(h, bytes);
            return h;
        }

        @Override public void free(Long block) {
            freeCalls++;
            Long size = live.remove(block);
            assertNotNull(size, "freed a block the device does not know: " + block);
            used -= size;
        }

        @Override public long freeBytes() { return capacity - used; }
    }

    @Test
    void roundsSmallRequestsTo512BytesAndLargeOnesToQuarterPowersOfTwo() {
        // Expected sizes worked out by hand from the rule in the class comment.
        assertEquals(512, CachingAllocator.roundSize(0));
        assertEquals(512, CachingAllocator.roundSize(1));
        assertEquals(512, CachingAllocator.roundSize(512));
        assertEquals(1024, CachingAllocator.roundSize(513));
        assertEquals(1L << 20, CachingAllocator.roundSize((1L << 20) - 1));  // 1048575 -> 2048 * 512
        assertEquals(1L << 20, CachingAllocator.roundSize(1L << 20));
        assertEquals(1_310_720, CachingAllocator.roundSize((1L << 20) + 1));  // 1.25 MiB
        assertEquals(3L << 20, CachingAllocator.roundSize(3_000_000));      // 2 MiB steps of 512 KiB: 3 MiB
        assertEquals(10L << 20, CachingAllocator.roundSize(9_500_000));     // between 8 and 16 MiB, steps of 2 MiB
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CachingAllocator.roundSize(-5));
        assertTrue(e.getMessage().contains("-5"), e.getMessage());
    }

    @Test
    void reusesReleasedBlocksOfTheSameSizeClass() {
        FakeDevice dev = new FakeDevice(1L << 30);
        try (CachingAllocator<Long> alloc = new CachingAllocator<>(dev)) {
            CachingAllocator.Block<Long> a = alloc.allocate(1000);
            assertEquals(1024, a.size());
            assertEquals(1000, a.requested());
            alloc.release(a);
            assertEquals(0, alloc.allocatedBytes());
            assertEquals(1024, alloc.cachedBytes());
            CachingAllocator.Block<Long> b = alloc.allocate(900);  // same class (1024)
            assertEquals(a.handle(), b.handle(), "same class must reuse the cached block");
            assertEquals(1, alloc.cacheHits());
            assertEquals(1, dev.allocCalls);
            assertEquals(0, alloc.cachedBytes());
            CachingAllocator.Block<Long> c = alloc.allocate(2000);  // other class: new device block
            assertNotEquals(b.handle(), c.handle());
            assertEquals(2, dev.allocCalls);
            alloc.release(b);
            alloc.release(c);
        }
        assertEquals(0, dev.used, "close() must return every cached block");
        assertEquals(2, dev.freeCalls);
    }

    @Test
    void aTrainingLoopHoldsFlatMemoryAfterItsFirstStep() {
        FakeDevice dev = new FakeDevice(1L << 30);
        long[] sizes = {4096, 40_000, 3_000_000, 4096, 123};
        try (CachingAllocator<Long> alloc = new CachingAllocator<>(dev)) {
            long reservedAfterFirst = -1;
            for (int step = 0; step < 20; step++) {
                Set<Long> handles = new HashSet<>();
                var blocks = new java.util.ArrayList<CachingAllocator.Block<Long>>();
                for (long s : sizes) {
                    var b = alloc.allocate(s);
                    assertTrue(handles.add(b.handle()), "a live block was handed out twice");
                    blocks.add(b);
                }
                blocks.forEach(alloc::release);
                if (step == 0) reservedAfterFirst = alloc.reservedBytes();
                assertEquals(reservedAfterFirst, alloc.reservedBytes(), "step " + step);
            }
            assertEquals(sizes.length, dev.allocCalls, "only the first step may call the device");
            assertEquals(19L * sizes.length, alloc.cacheHits());
            // The two 4096-byte requests live at once, so that class holds two blocks.
            assertEquals(Map.of(512L, 1, 4096L, 2, 40_448L, 1, 3L << 20, 1), alloc.cachedBlocksBySize());
        }
    }

    @Test
    void tracksAllocatedCachedAndPeakBytes() {
        FakeDevice dev = new FakeDevice(1L << 30);
        try (CachingAllocator<Long> alloc = new CachingAllocator<>(dev)) {
            var a = alloc.allocate(512);
            var b = alloc.allocate(1536);
            assertEquals(2048, alloc.allocatedBytes());
            assertEquals(2048, alloc.peakAllocatedBytes());
            alloc.release(b);
            assertEquals(512, alloc.allocatedBytes());
            assertEquals(1536, alloc.cachedBytes());
            assertEquals(2048, alloc.reservedBytes());
            assertEquals(2048, alloc.peakAllocatedBytes(), "peak stays after a release");
            alloc.resetPeak();
            assertEquals(512, alloc.peakAllocatedBytes());
            assertEquals(1, alloc.liveBlocks());
            alloc.emptyCache();
            assertEquals(0, alloc.cachedBytes());
            assertEquals(512, dev.used);
            assertTrue(alloc.summary().contains("allocated 512 B in 1 block(s)"), alloc.summary());
            alloc.release(a);
        }
    }

    @Test
    void emptiesTheCacheAndRetriesBeforeReportingOutOfMemory() {
        FakeDevice dev = new FakeDevice(4096);
        try (CachingAllocator<Long> alloc = new CachingAllocator<>(dev)) {
            var a = alloc.allocate(2048);
            alloc.release(a);                   // 2048 cached
            var b = alloc.allocate(3000);       // needs 3072: only fits once the cache is freed
            assertEquals(3072, b.size());
            assertEquals(0, alloc.cachedBytes());
            assertEquals(1, dev.freeCalls);
            alloc.release(b);
        }
    }

    @Test
    void outOfMemoryNamesRequestedAndFreeBytes() {
        FakeDevice dev = new FakeDevice(10_000);
        try (CachingAllocator<Long> alloc = new CachingAllocator<>(dev)) {
            var a = alloc.allocate(8000);  // 8192 of 10000 used
            CudaOutOfMemoryError e = assertThrows(CudaOutOfMemoryError.class, () -> alloc.allocate(5000));
            assertEquals(5000, e.requestedBytes());
            assertEquals(1808, e.freeBytes());
            String m = e.getMessage();
            assertTrue(m.contains("5120 bytes for a request of 5000"), m);
            assertTrue(m.contains("1808 bytes) free"), m);
            assertTrue(m.contains("8.00 KiB allocated in 1 block(s)"), m);
            assertEquals(8192, alloc.allocatedBytes(), "a failed request changes nothing");
            alloc.release(a);
        }
    }

    @Test
    void releasingTwiceOrLeakingIsAnError() {
        FakeDevice dev = new FakeDevice(1 << 20);
        CachingAllocator<Long> alloc = new CachingAllocator<>(dev);
        var a = alloc.allocate(100);
        alloc.release(a);
        IllegalStateException twice = assertThrows(IllegalStateException.class, () -> alloc.release(a));
        assertTrue(twice.getMessage().contains("released twice"), twice.getMessage());
        var leaked = alloc.allocate(700);
        IllegalStateException leak = assertThrows(IllegalStateException.class, alloc::close);
        assertTrue(leak.getMessage().contains("1 block(s) (1.00 KiB) still allocated"), leak.getMessage());
        assertThrows(IllegalStateException.class, () -> alloc.allocate(1));
        alloc.release(leaked);  // after close, a release goes straight to the device
        assertEquals(0, dev.used);
    }
}
