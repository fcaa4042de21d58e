package dev.ember.engine.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Set;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ParallelTest {
    /**
     * The distinct threads that ran the chunks of a 4-item range. Each chunk waits at a barrier for the
     * {@code expectedThreads} chunks the range should be split into: they meet only if they run at the same
     * time, so each on its own thread (no sleep, and no worker can take two chunks one after the other).
     * Fails if the range is split differently or the chunks cannot all run at once.
     */
    private static int threadsUsed(int expectedThreads) {
        Set<Thread> seen = ConcurrentHashMap.newKeySet();
        AtomicInteger chunks = new AtomicInteger();
        CyclicBarrier allRunning = new CyclicBarrier(expectedThreads);
        Parallel.forRange(4, 1, (start, end) -> {
            seen.add(Thread.currentThread());
            chunks.incrementAndGet();
            try {
                // The limit only bounds a failure: a passing run never waits for it.
                allRunning.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException | BrokenBarrierException | TimeoutException e) {
                throw new AssertionError("the " + expectedThreads + " chunks did not all run at once", e);
            }
        });
        assertEquals(expectedThreads, chunks.get(), "chunks");
        return seen.size();
    }

    @Test
    void everyIndexRunsOnceAcrossChunks() {
        AtomicInteger[] hits = new AtomicInteger[1000];
        for (int i = 0; i < hits.length; i++) hits[i] = new AtomicInteger();
        Parallel.forRange(1000, 7, (start, end) -> { for (int i = start; i < end; i++) hits[i].incrementAndGet(); });
        for (AtomicInteger h : hits) assertEquals(1, h.get());
    }

    @Test
    void useThreadsLimitsTheCallingThreadOnlyAndRestores() throws InterruptedException {
        int global = Parallel.numThreads();
        Parallel.setNumThreads(3);
        try {
            try (var scope = Parallel.useThreads(1)) {
                assertEquals(1, Parallel.numThreads());
                assertEquals(1, threadsUsed(1));
                int[] other = new int[1];
                Thread t = new Thread(() -> other[0] = Parallel.numThreads());
                t.start();
                t.join();
                assertEquals(3, other[0], "another thread keeps the global count");
                try (var inner = Parallel.useThreads(2)) {
                    assertEquals(2, Parallel.numThreads());
                }
                assertEquals(1, Parallel.numThreads());
            }
            assertEquals(3, Parallel.numThreads());
            assertEquals(3, threadsUsed(3));
        } finally {
            Parallel.setNumThreads(global);
        }
        assertThrows(IllegalArgumentException.class, () -> Parallel.useThreads(0));
    }
}
