package dev.ember.engine.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link NarrowGemm} gives the floats of the blocked kernel's transposed product, bit for bit: C narrower than a
 * vector used to be computed as C^T = op(B)^T op(A)^T into a zeroed buffer (a C as wide as C is tall, so the blocked
 * path), then added to C. The reference here is that computation, through {@link Gemm#sgemm}. Also the other small-C
 * shortcut, a single B panel's A read unpacked.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class NarrowGemmTest {
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
    void handWorkedRowsPlusBias() {
        // C = bias + A W^T (the Linear's addmm): rows [1, 2, 3] and [-1, 0.5, 4], W rows [4, 5, 6] and [0, -2, 1].
        float[] a = {1, 2, 3, -1, 0.5f, 4}, w = {4, 5, 6, 0, -2, 1};
        float[] c = {10, 20, 10, 20};
        NarrowGemm.gemmAccumulate(false, true, 2, 2, 3, a, 0, 3, w, 0, 3, c, 0, 2);
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
        NarrowGemm.gemmAccumulate(false, true, 1, 1, 2, a, 0, 2, b, 0, 2, c, 0, 1);
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
                float[] a = gaussian(rnd, m * k), b = gaussian(rnd, n * k), c = gaussian(rnd, m * n);
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
        float[] a = gaussian(rnd, m * k), b = gaussian(rnd, k * n), c = gaussian(rnd, m * n);
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

    private static float[] gaussian(Random rnd, int size) {
        float[] x = new float[size];
        for (int i = 0; i < size; i++) x[i] = (float) rnd.nextGaussian();
        return x;
    }
}
