package dev.ember.engine;

import dev.ember.engine.backend.cpu.Parallel;

/** How many CPU threads the engine's kernels use, as {@code torch.get_num_threads} / {@code torch.set_num_threads}. */
public final class Threads {
    private Threads() {}

    /** Threads the calling thread's kernels use, itself included: its {@link #useThreads} scope's count, else the global one. */
    public static int getNumThreads() { return Parallel.numThreads(); }

    /**
     * Sets the global count, the caller included; 1 runs every kernel on the calling thread.
     *
     * @throws IllegalArgumentException if {@code n < 1}
     */
    public static void setNumThreads(int n) { Parallel.setNumThreads(n); }

    /**
     * Makes kernels started from the calling thread use {@code n} threads until the scope closes, leaving other
     * threads alone: a Spark task uses its {@code spark.task.cpus} while other tasks run in the same executor.
     *
     * @throws IllegalArgumentException if {@code n < 1}
     */
    public static ThreadOverride.Scope useThreads(int n) { return Parallel.useThreads(n); }
}
