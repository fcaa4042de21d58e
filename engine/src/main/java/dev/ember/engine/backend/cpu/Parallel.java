package dev.ember.engine.backend.cpu;

import dev.ember.engine.ThreadOverride;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The CPU worker pool. Splits an index range into chunks, runs one chunk on the calling thread
 * and the others on {@code numThreads() - 1} daemon workers that live as long as the JVM.
 * Workers and the caller spin briefly before they block, as OpenMP and OpenBLAS threads do: a training
 * step hands out dozens of chunks of tens of microseconds, and waking a parked thread (on a VM, an
 * idle virtual CPU) can take as long as the chunk itself.
 */
public final class Parallel {
    private static final AtomicInteger THREAD_IDS = new AtomicInteger();
    /** True on a thread that is running a chunk, so nested calls run inline instead of queueing. */
    private static final ThreadLocal<Boolean> IN_CHUNK = ThreadLocal.withInitial(() -> false);

    /** How long a worker polls for the next chunk, and the caller for its workers' chunks, before blocking. */
    private static final long SPIN_NANOS = 50_000;

    private static volatile int numThreads = Runtime.getRuntime().availableProcessors();
    private static final LinkedBlockingQueue<Runnable> QUEUE = new LinkedBlockingQueue<>();
    private static int workerCount;

    private Parallel() {}

    /** Set by {@link #useThreads}: a per-thread count that overrides the global one. */
    private static final ThreadOverride<Integer> THREAD_COUNT = new ThreadOverride<>();

    /**
     * Threads used by {@link #forRange} on the calling thread, the caller included: the count of an open
     * {@link #useThreads} scope, else the global count (default: the available processors).
     */
    public static int numThreads() {
        Integer own = THREAD_COUNT.get();
        return own != null ? own : numThreads;
    }

    /**
     * Makes work started from the calling thread use {@code n} threads until the scope closes, leaving
     * other threads' setting alone: a Spark task uses its {@code spark.task.cpus} while other tasks run
     * in the same executor.
     */
    public static ThreadOverride.Scope useThreads(int n) {
        if (n < 1) throw new IllegalArgumentException("numThreads must be >= 1, got " + n);
        return THREAD_COUNT.set(n);
    }

    /**
     * Sets the number of threads, the caller included; 1 runs everything on the calling thread.
     *
     * @throws IllegalArgumentException if {@code n < 1}
     */
    public static void setNumThreads(int n) {
        if (n < 1) throw new IllegalArgumentException("numThreads must be >= 1, got " + n);
        numThreads = n;
    }

    /** A body run on the half-open index range [start, end). */
    @FunctionalInterface
    public interface RangeBody {
        void run(int start, int end);
    }

    /**
     * Splits [0, n) into at most {@code numThreads()} contiguous chunks of at least {@code grain}
     * items and runs them, the caller taking the first. Returns when all chunks finish and rethrows
     * the first exception. Runs inline when {@code n <= grain}, with one thread, or when called from
     * inside a chunk (so nested calls cannot deadlock).
     */
    public static void forRange(int n, int grain, RangeBody body) {
        int threads = numThreads();
        int chunks = (int) Math.min(threads, n / (long) Math.max(1, grain));
        if (n <= 0) return;
        if (chunks <= 1 || IN_CHUNK.get()) {
            body.run(0, n);
            return;
        }
        ensureWorkers(threads - 1);
        FutureTask<?>[] pending = new FutureTask<?>[chunks - 1];
        for (int i = 1; i < chunks; i++) {
            int start = bound(n, i, chunks), end = bound(n, i + 1, chunks);
            pending[i - 1] = new FutureTask<>(() -> runChunk(body, start, end), null);
            QUEUE.add(pending[i - 1]);
        }
        Throwable first = null;
        try {
            runChunk(body, 0, bound(n, 1, chunks));
        } catch (Throwable t) {
            first = t;
        }
        for (FutureTask<?> f : pending) {
            for (long spinStart = System.nanoTime(); !f.isDone() && System.nanoTime() - spinStart < SPIN_NANOS; ) Thread.onSpinWait();
            try {
                f.get();
            } catch (ExecutionException e) {
                if (first == null) first = e.getCause();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                if (first == null) first = e;
            }
        }
        if (first instanceof RuntimeException) throw (RuntimeException) first;
        if (first instanceof Error) throw (Error) first;
        if (first != null) throw new RuntimeException(first);
    }

    private static int bound(int n, int i, int chunks) {
        return (int) ((long) n * i / chunks);
    }

    private static void runChunk(RangeBody body, int start, int end) {
        IN_CHUNK.set(true);
        try {
            body.run(start, end);
        } finally {
            IN_CHUNK.set(false);
        }
    }

    /** Grows the pool (never shrinks it: callers may ask for different sizes) to at least {@code count} workers. */
    private static synchronized void ensureWorkers(int count) {
        for (; workerCount < count; workerCount++) {
            Thread t = new Thread(Parallel::work, "ember-cpu-" + THREAD_IDS.incrementAndGet());
            t.setDaemon(true);
            t.start();
        }
    }

    /** A worker: runs queued chunks, polling for SPIN_NANOS after each before it blocks on the queue. */
    private static void work() {
        while (true) {
            Runnable chunk = QUEUE.poll();
            for (long spinStart = System.nanoTime(); chunk == null && System.nanoTime() - spinStart < SPIN_NANOS; chunk = QUEUE.poll()) {
                Thread.onSpinWait();
            }
            try {
                if (chunk == null) chunk = QUEUE.take();
            } catch (InterruptedException e) {
                continue; // daemon workers live as long as the JVM
            }
            chunk.run(); // a FutureTask: its exception goes to the caller's get()
        }
    }
}
