package dev.ember.examples;

import dev.ember.engine.Device;
import dev.ember.engine.Storage;
import dev.ember.engine.Threads;
import dev.ember.engine.backend.Backend;
import dev.ember.engine.backend.Backends;
import dev.ember.engine.backend.Buffer;
import dev.ludovic.netlib.blas.BLAS;
import java.util.Arrays;
import java.util.Random;

/**
 * Square sgemm throughput of Ember's CPU {@link Backend#gemm} against netlib BLAS, on 1 and 2 Ember threads.
 * Usage: {@code BenchGemm [n ...]} (default 128 256 512 1024 2048).
 */
public final class BenchGemm {
    /** Time spent on each measured point, after warm-up. */
    private static final double SECONDS_PER_POINT = 0.3;
    private static final Backend CPU = Backends.of(Device.CPU);

    private BenchGemm() {}

    public static void main(String[] args) {
        int[] sizes = args.length > 0
                ? Arrays.stream(args).mapToInt(Integer::parseInt).toArray()
                : new int[] {128, 256, 512, 1024, 2048};
        int[] threads = {1, 2};
        // All Ember points run before any netlib call: VectorBLAS uses the Vector API with another
        // species, which makes the JDK's shared type profiles polymorphic and would tax Ember's
        // kernel for the rest of the run (Ember's kernel avoids the collapse, not all of the cost).
        double[][] ember = new double[sizes.length][threads.length];
        int savedThreads = Threads.getNumThreads();
        try {
            warmUp(threads);
            for (int s = 0; s < sizes.length; s++) {
                int n = sizes[s];
                Buffer a = buffer(random(n)), b = buffer(random(n)), c = buffer(new float[n * n]);
                for (int t = 0; t < threads.length; t++) {
                    Threads.setNumThreads(threads[t]);
                    ember[s][t] = gflops(n, () -> CPU.gemm(false, false, n, n, n, a, 0, n, b, 0, n, c, 0, n, false));
                }
            }
        } finally {
            Threads.setNumThreads(savedThreads);
        }
        BLAS blas = BLAS.getInstance();
        double[] reference = new double[sizes.length];
        for (int s = 0; s < sizes.length; s++) {
            int n = sizes[s];
            float[] a = random(n), b = random(n), c = new float[n * n];
            // Row-major C = A B is column-major C^T = B^T A^T, hence B before A for Fortran BLAS.
            reference[s] = gflops(n, () -> blas.sgemm("N", "N", n, n, n, 1f, b, n, a, n, 0f, c, n));
        }

        System.out.println("ember: " + CPU + ", threads set per row");
        System.out.println("reference: netlib " + blas.getClass().getSimpleName() + ", measured once per n: its threads"
                + " are not set here (JNIBLAS follows the system BLAS, e.g. OPENBLAS_NUM_THREADS;"
                + " VectorBLAS and JavaBLAS are single-threaded)");
        System.out.printf("%6s %8s %14s %14s %8s%n", "n", "threads", "ember GFLOP/s", "ref GFLOP/s", "ratio");
        for (int s = 0; s < sizes.length; s++) {
            for (int t = 0; t < threads.length; t++) {
                System.out.printf("%6d %8d %14.1f %14.1f %8.2f%n",
                        sizes[s], threads[t], ember[s][t], reference[s], ember[s][t] / reference[s]);
            }
        }
    }

    /**
     * Runs the kernels until C2 has compiled them: before that the Vector API code is interpreted,
     * about a hundred times slower, for roughly the first second.
     */
    private static void warmUp(int[] threads) {
        int n = 200; // not a multiple of the 6 x 64 tile, so the edge path warms up too
        Buffer a = buffer(random(n)), c = buffer(new float[n * n]);
        for (int t : threads) {
            Threads.setNumThreads(t);
            repeatFor(1.0, () -> CPU.gemm(false, false, n, n, n, a, 0, n, a, 0, n, c, 0, n, false));
        }
    }

    /** Best rate over repetitions filling SECONDS_PER_POINT, after about as long of warm-up. */
    private static double gflops(int n, Runnable sgemm) {
        repeatFor(SECONDS_PER_POINT, sgemm);
        return 2.0 * n * n * n / repeatFor(SECONDS_PER_POINT, sgemm);
    }

    /** Runs at least once and until the time is spent; returns the fastest run in nanoseconds. */
    private static long repeatFor(double seconds, Runnable body) {
        long deadline = System.nanoTime() + (long) (seconds * 1e9), best = Long.MAX_VALUE;
        do {
            long start = System.nanoTime();
            body.run();
            best = Math.min(best, System.nanoTime() - start);
        } while (System.nanoTime() < deadline);
        return best;
    }

    /** An n x n matrix of uniform values in [-1, 1). */
    private static float[] random(int n) {
        Random rnd = new Random(n);
        float[] x = new float[n * n];
        for (int i = 0; i < x.length; i++) x[i] = rnd.nextFloat() * 2 - 1;
        return x;
    }

    private static Buffer buffer(float[] values) { return Storage.of(values).buffer(); }
}
