package dev.ember.engine.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ParallelTest {
    /** The distinct threads that ran chunks of a 4-chunk range. */
    private static int threadsUsed() {
        Set<Thread> seen = ConcurrentHashMap.newKeySet();
        Parallel.forRange(4, 1, (start, end) -> {
            seen.add(Thread.currentThread());
            try {
                Thread.sleep(20); // keep each chunk on its own thread
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
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
                assertEquals(1, threadsUsed());
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
            assertEquals(3, threadsUsed());
        } finally {
            Parallel.setNumThreads(global);
        }
        assertThrows(IllegalArgumentException.class, () -> Parallel.useThreads(0));
    }
}
