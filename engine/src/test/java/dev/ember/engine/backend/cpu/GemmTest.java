package dev.ember.engine.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class GemmTest {
    /** Sizes that hit empty, single, prime, tile-tail and multi-block cases. */
    private static final int[] SIZES = {0, 1, 2, 7, 17, 31, 33, 64, 65, 100, 257};

    private int savedThreads;

    @BeforeEach
    void saveThreads() {
        savedThreads = Parallel.numThreads();
    }

    @AfterEach
    void restoreThreads() {
        Parallel.setNumThreads(savedThreads);
    }

    @Test
    void sgemmMatchesNaiveReference() {
        for (int threads : new int[] {1, 2}) {
            Parallel.setNumThreads(threads);
            Random rnd = new Random(42 + threads);
            for (int trial = 0; trial < 120; trial++) {
                Case t = Case.random(rnd, trial);
                float[] a = randomFloats(rnd, t.aLength()), b = randomFloats(rnd, t.bLength());
                float[] c = randomFloats(rnd, t.cLength());
                double[] expected = t.reference(toDouble(a), toDouble(b), toDouble(c));
                Gemm.sgemm(t.transA, t.transB, t.m, t.n, t.k, a, t.aOff, t.lda, b, t.bOff, t.ldb,
                        c, t.cOff, t.ldc, t.accumulate);
                t.assertClose(expected, toDouble(c), 1e-5 * (t.k + 1), "sgemm " + t + " threads=" + threads);
            }
        }
    }

    @Test
    void dgemmMatchesNaiveReference() {
        for (int threads : new int[] {1, 2}) {
            Parallel.setNumThreads(threads);
            Random rnd = new Random(7 + threads);
            for (int trial = 0; trial < 120; trial++) {
                Case t = Case.random(rnd, trial);
                double[] a = randomDoubles(rnd, t.aLength()), b = randomDoubles(rnd, t.bLength());
                double[] c = randomDoubles(rnd, t.cLength());
                double[] expected = t.reference(a, b, c);
                Gemm.dgemm(t.transA, t.transB, t.m, t.n, t.k, a, t.aOff, t.lda, b, t.bOff, t.ldb,
                        c, t.cOff, t.ldc, t.accumulate);
                t.assertClose(expected, c, 1e-13 * (t.k + 1), "dgemm " + t + " threads=" + threads);
            }
        }
    }

    /** A C narrower than one vector (a classifier's 10 outputs) is computed transposed; every layout must still match. */
    @Test
    void narrowProductMatchesNaiveReference() {
        Random rnd = new Random(7);
        for (int n : new int[] {1, 10, 15}) {
            for (int trial = 0; trial < 8; trial++) {
                Case t = new Case(rnd, 130, n, 37);
                float[] a = randomFloats(rnd, t.aLength()), b = randomFloats(rnd, t.bLength()), c = randomFloats(rnd, t.cLength());
                double[] expected = t.reference(toDouble(a), toDouble(b), toDouble(c));
                Gemm.sgemm(t.transA, t.transB, t.m, t.n, t.k, a, t.aOff, t.lda, b, t.bOff, t.ldb, c, t.cOff, t.ldc, t.accumulate);
                t.assertClose(expected, toDouble(c), 1e-5 * (t.k + 1), "sgemm " + t);
            }
        }
    }

    @Test
    void largeSquareProductIsTheSameOnOneAndTwoThreads() {
        int n = 300;
        Random rnd = new Random(3);
        float[] a = randomFloats(rnd, n * n), b = randomFloats(rnd, n * n);
        float[] one = new float[n * n], two = new float[n * n];
        Parallel.setNumThreads(1);
        Gemm.sgemm(false, false, n, n, n, a, 0, n, b, 0, n, one, 0, n, false);
        Parallel.setNumThreads(2);
        Gemm.sgemm(false, false, n, n, n, a, 0, n, b, 0, n, two, 0, n, false);
        assertArrayEquals(one, two);
    }

    @Test
    void zeroInnerDimensionZeroesOrKeepsC() {
        float[] c = {1, 2, 3, 4, 5, 6};
        Gemm.sgemm(false, false, 2, 3, 0, new float[0], 0, 0, new float[0], 0, 3, c, 0, 3, true);
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, c);
        Gemm.sgemm(false, false, 2, 3, 0, new float[0], 0, 0, new float[0], 0, 3, c, 0, 3, false);
        assertArrayEquals(new float[6], c);
    }

    @Test
    void overwriteIgnoresNaNsAlreadyInC() {
        float[] c = new float[4];
        Arrays.fill(c, Float.NaN);
        Gemm.sgemm(false, false, 2, 2, 1, new float[] {1, 2}, 0, 1, new float[] {3, 4}, 0, 2, c, 0, 2, false);
        assertArrayEquals(new float[] {3, 4, 6, 8}, c);
    }

    @Test
    void rejectsBadArguments() {
        float[] x = new float[16];
        assertThrows(IllegalArgumentException.class,
                () -> Gemm.sgemm(false, false, -1, 2, 2, x, 0, 2, x, 0, 2, x, 0, 2, false));
        assertThrows(IllegalArgumentException.class,
                () -> Gemm.sgemm(false, false, 2, 2, 3, x, 0, 2, x, 0, 2, x, 0, 2, false));
        assertThrows(IndexOutOfBoundsException.class,
                () -> Gemm.sgemm(false, false, 4, 4, 4, x, 1, 4, x, 0, 4, x, 0, 4, false));
    }

    @Test
    void backendIsNamed() {
        assertTrue(Gemm.sgemmBackend().startsWith("ember-vector"), Gemm.sgemmBackend());
    }

    @Test
    void forRangeCoversEveryIndexOnce() {
        for (int threads : new int[] {1, 2, 3}) {
            Parallel.setNumThreads(threads);
            for (int n : new int[] {0, 1, 5, 1000}) {
                for (int grain : new int[] {1, 7, 2000}) {
                    AtomicIntegerArray hits = new AtomicIntegerArray(n);
                    Parallel.forRange(n, grain, (start, end) -> {
                        for (int i = start; i < end; i++) hits.incrementAndGet(i);
                    });
                    for (int i = 0; i < n; i++) assertEquals(1, hits.get(i), "index " + i + " of " + n);
                }
            }
        }
    }

    @Test
    void nestedForRangeRunsInline() {
        Parallel.setNumThreads(2);
        AtomicIntegerArray hits = new AtomicIntegerArray(100);
        Parallel.forRange(10, 1, (s, e) -> {
            for (int i = s; i < e; i++) {
                int row = i;
                Parallel.forRange(10, 1, (s2, e2) -> {
                    for (int j = s2; j < e2; j++) hits.incrementAndGet(row * 10 + j);
                });
            }
        });
        for (int i = 0; i < 100; i++) assertEquals(1, hits.get(i));
    }

    @Test
    void forRangePropagatesExceptions() {
        for (int threads : new int[] {1, 2}) {
            Parallel.setNumThreads(threads);
            IllegalStateException boom = new IllegalStateException("boom");
            IllegalStateException thrown = assertThrows(IllegalStateException.class,
                    () -> Parallel.forRange(100, 1, (start, end) -> {
                        if (end == 100) throw boom;
                    }));
            assertSame(boom, thrown);
        }
    }

    @Test
    void setNumThreadsRejectsZero() {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> Parallel.setNumThreads(0));
        assertTrue(e.getMessage().contains("0"), e.getMessage());
    }

    /** One random problem: sizes, transposes, offsets and padded row strides. */
    private static final class Case {
        final boolean transA, transB, accumulate;
        final int m, n, k, aOff, bOff, cOff, lda, ldb, ldc;

        private Case(Random rnd, int m, int n, int k) {
            this.m = m;
            this.n = n;
            this.k = k;
            transA = rnd.nextBoolean();
            transB = rnd.nextBoolean();
            accumulate = rnd.nextBoolean();
            aOff = rnd.nextInt(5);
            bOff = rnd.nextInt(5);
            cOff = rnd.nextInt(5);
            lda = (transA ? m : k) + rnd.nextInt(3);
            ldb = (transB ? k : n) + rnd.nextInt(3);
            ldc = n + rnd.nextInt(3);
        }

        /** Random picks from SIZES, except that the first trials give k every size in turn. */
        static Case random(Random rnd, int trial) {
            int[] s = SIZES;
            return new Case(rnd, s[rnd.nextInt(s.length)], s[rnd.nextInt(s.length)],
                    trial < s.length ? s[trial] : s[rnd.nextInt(s.length)]);
        }

        int aLength() {
            return aOff + (transA ? k : m) * lda;
        }

        int bLength() {
            return bOff + (transB ? n : k) * ldb;
        }

        int cLength() {
            return cOff + m * ldc;
        }

        double a(double[] a, int i, int p) {
            return transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
        }

        double b(double[] b, int p, int j) {
            return transB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
        }

        /** The naive triple loop, accumulated in double; cells outside the C window stay put. */
        double[] reference(double[] a, double[] b, double[] c) {
            double[] out = c.clone();
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double sum = accumulate ? c[cOff + i * ldc + j] : 0;
                    for (int p = 0; p < k; p++) sum += a(a, i, p) * b(b, p, j);
                    out[cOff + i * ldc + j] = sum;
                }
            }
            return out;
        }

        void assertClose(double[] expected, double[] actual, double tolerance, String what) {
            for (int i = 0; i < expected.length; i++) {
                if (!(Math.abs(expected[i] - actual[i]) <= tolerance)) {
                    throw new AssertionError(what + ": element " + i + " expected " + expected[i]
                            + " but was " + actual[i]);
                }
            }
        }

        @Override
        public String toString() {
            return String.format("m=%d n=%d k=%d transA=%b transB=%b acc=%b offs=%d/%d/%d ld=%d/%d/%d",
                    m, n, k, transA, transB, accumulate, aOff, bOff, cOff, lda, ldb, ldc);
        }
    }


    /**
     * {@link NarrowGemm} gives the floats of the blocked kernel's transposed product, bit for bit: C narrower than a
     * vector used to be computed as C^T = op(B)^T op(A)^T into a zeroed buffer (a C as wide as C is tall, so the blocked
     * path), then added to C. The reference here is that computation, through {@link Gemm#sgemm}. Also the other small-C
     * shortcut, a single B panel's A read unpacked.
     */
    @Nested
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    class SmallC {
        @Test
        void handWorkedRowsPlusBias() {
            // C = bias + A W^T (the Linear's addmm): rows [1, 2, 3] and [-1, 0.5, 4], W rows [4, 5, 6] and [0, -2, 1].
            float[] a = {1, 2, 3, -1, 0.5f, 4}, w = {4, 5, 6, 0, -2, 1};
            float[] c = {10, 20, 10, 20};
            NarrowGemm.gemmAccumulate(false, true, 2, 2, 3, a, 0, 3, w, 0, 3, c, 0, 2, new SgemmKernel.Buffers());
            // 10 + (4 + 10 + 18), 20 + (0 - 4 + 3); 10 + (-4 + 2.5 + 24), 20 + (0 - 1 + 4)
            assertEquals(42f, c[0]);
            assertEquals(19f, c[1]);
            assertEquals(32.5f, c[2]);
            assertEquals(23f, c[3]);
        }

        @Test
        void productIsOneFusedChainInKOrder() {
            // (1 + 2^-12)^2 = 1 + 2^-11 + 2^-24. After -1 - 2^-11 (exact), a fused multiply-add keeps the 2^-24; a rounded
            // product (1 + 2^-11, the tie to even) would leave 0, and the other order would have rounded the square first.
            float e = 1 + 0x1p-12f;
            float[] a = {-1 - 0x1p-11f, e}, b = {1, e};
            float[] c = {0};
            NarrowGemm.gemmAccumulate(false, true, 1, 1, 2, a, 0, 2, b, 0, 2, c, 0, 1, new SgemmKernel.Buffers());
            assertEquals(0x1p-24f, c[0]);
        }

        @Test
        void matchesTheTransposedBlockedProductBitForBit() {
            Random rnd = new Random(15);
            int[] ks = {1, 2, 3, 7, 16, 63, 64, 65, 127, 200, 383, 384, 385, 400};
            for (int threads : new int[] {1, 2}) {
                Parallel.setNumThreads(threads);
                for (int n = 1; n < SgemmKernel.L; n++) {  // wider C takes the blocked kernel, as before
                    for (int k : ks) {
                        int m = 2 * (n + rnd.nextInt(40)) + 1;  // odd, taller than wide
                        boolean transA = rnd.nextInt(4) == 0, transB = rnd.nextInt(4) != 0;
                        check(rnd, threads, transA, transB, m, n, k);
                    }
                }
            }
        }

        /**
         * With a single B panel (n <= NR) a row-major A is read where it lies rather than packed: the floats must be those
         * of the packed path, which the same product with A stored transposed takes.
         */
        @Test
        void readingAUnpackedGivesThePackedPathsFloats() {
            Random rnd = new Random(16);
            Parallel.setNumThreads(1);
            for (int n : new int[] {SgemmKernel.L, SgemmKernel.L + 1, SgemmKernel.NR - 1, SgemmKernel.NR}) {
                for (int k : new int[] {1, 5, 64, 383, 385, 400}) {
                    int m = 2 * rnd.nextInt(150) + 1;
                    float[] a = randomFloats(rnd, m * k), b = randomFloats(rnd, n * k), c = randomFloats(rnd, m * n);
                    float[] aT = new float[k * m];
                    for (int i = 0; i < m; i++) for (int p = 0; p < k; p++) aT[p * m + i] = a[i * k + p];
                    float[] packed = c.clone();
                    Gemm.sgemm(true, true, m, n, k, aT, 0, m, b, 0, k, packed, 0, n, true);
                    Gemm.sgemm(false, true, m, n, k, a, 0, k, b, 0, k, c, 0, n, true);
                    for (int i = 0; i < m * n; i++) {
                        assertEquals(Float.floatToRawIntBits(packed[i]), Float.floatToRawIntBits(c[i]), "m=" + m + " n=" + n + " k=" + k + " at " + i);
                    }
                }
            }
        }

        private static void check(Random rnd, int threads, boolean transA, boolean transB, int m, int n, int k) {
            float[] a = randomFloats(rnd, m * k), b = randomFloats(rnd, k * n), c = randomFloats(rnd, m * n);
            int lda = transA ? m : k, ldb = transB ? k : n;
            float[] expected = c.clone();
            float[] t = new float[n * m];
            Gemm.sgemm(!transB, !transA, n, m, k, b, 0, ldb, a, 0, lda, t, 0, m, false);
            for (int i = 0; i < m; i++) for (int j = 0; j < n; j++) expected[i * n + j] += t[j * m + i];
            Gemm.sgemm(transA, transB, m, n, k, a, 0, lda, b, 0, ldb, c, 0, n, true);
            for (int i = 0; i < m * n; i++) {
                assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(c[i]),
                        "m=" + m + " n=" + n + " k=" + k + " transA=" + transA + " transB=" + transB + " threads=" + threads + " at " + i);
            }
        }
    }

    private static float[] randomFloats(Random rnd, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = rnd.nextFloat() * 2 - 1;
        return x;
    }

    private static double[] randomDoubles(Random rnd, int n) {
        double[] x = new double[n];
        for (int i = 0; i < n; i++) x[i] = rnd.nextDouble() * 2 - 1;
        return x;
    }

    private static double[] toDouble(float[] x) {
        double[] d = new double[x.length];
        for (int i = 0; i < x.length; i++) d[i] = x[i];
        return d;
    }
}
