package dev.ember.engine.backend.cpu;

import java.util.Arrays;

/**
 * Dense matrix multiply on the CPU: row-major {@code C = (accumulate ? C : 0) + op(A) op(B)},
 * float32 runs on the Vector API kernel {@link SgemmKernel}, split across {@link Parallel} threads
 * when the product is large enough to pay for the hand-off.
 */
public final class Gemm {
    /**
     * Fewest multiply-adds worth giving to another thread: about 25 us of work at ~90 GFLOP/s,
     * well above the cost of waking a pool worker.
     */
    private static final long MIN_TASK_MADDS = 1L << 20;

    private Gemm() {}

    /**
     * Row-major {@code C[m,n] = (accumulate ? C : 0) + op(A) * op(B)}. op(A) is [m,k]: A stored
     * [m,k] with row stride lda, or when transA stored [k,m] with row stride lda. Likewise op(B) is
     * [k,n]: B stored [k,n], or [n,k] when transB. Row r of a matrix X starts at xOff + r * ldx.
     * With k == 0 the product is zero: C is zeroed, or left as is when accumulating.
     *
     * @throws IllegalArgumentException if a size is negative or a row stride is below its width
     * @throws IndexOutOfBoundsException if a matrix does not fit in its array
     */
    public static void sgemm(boolean transA, boolean transB, int m, int n, int k,
            float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
            float[] c, int cOff, int ldc, boolean accumulate) {
        if (!check(transA, transB, m, n, k, a.length, aOff, lda, b.length, bOff, ldb, c.length, cOff, ldc)) return;
        if (!accumulate) {
            for (int i = 0; i < m; i++) Arrays.fill(c, cOff + i * ldc, cOff + i * ldc + n, 0f);
        }
        if (k == 0) return;
        long madds = (long) m * n * k;
        if (Parallel.numThreads() == 1 || madds < 2 * MIN_TASK_MADDS) {
            SgemmKernel.gemmAccumulate(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
        } else if (!splitRows(m, n, SgemmKernel.MR)) {
            // Each thread takes whole NR-wide column panels of B and C, and packs all of A.
            int nr = SgemmKernel.NR, panels = (n + nr - 1) / nr;
            Parallel.forRange(panels, grain(madds / panels), (p0, p1) -> {
                int j0 = p0 * nr, j1 = Math.min(p1 * nr, n);
                SgemmKernel.gemmAccumulate(transA, transB, m, j1 - j0, k, a, aOff, lda,
                        b, bOff + (transB ? j0 * ldb : j0), ldb, c, cOff + j0, ldc);
            });
        } else {
            // Each thread takes whole MR-high row panels of A and C, and packs all of B.
            int mr = SgemmKernel.MR, panels = (m + mr - 1) / mr;
            Parallel.forRange(panels, grain(madds / panels), (p0, p1) -> {
                int i0 = p0 * mr, i1 = Math.min(p1 * mr, m);
                SgemmKernel.gemmAccumulate(transA, transB, i1 - i0, n, k, a, aOff + (transA ? i0 : i0 * lda), lda,
                        b, bOff, ldb, c, cOff + i0 * ldc, ldc);
            });
        }
    }

    /**
     * The float64 product, with {@link #sgemm}'s layout, semantics and exceptions. float64 serves gradient
     * checks and exact references rather than training, so this is a plain single-threaded loop: for each
     * row of C, add A[i, p] times row p of op(B), which streams B along its rows when it is not transposed.
     */
    public static void dgemm(boolean transA, boolean transB, int m, int n, int k,
            double[] a, int aOff, int lda, double[] b, int bOff, int ldb,
            double[] c, int cOff, int ldc, boolean accumulate) {
        if (!check(transA, transB, m, n, k, a.length, aOff, lda, b.length, bOff, ldb, c.length, cOff, ldc)) return;
        for (int i = 0; i < m; i++) {
            int ci = cOff + i * ldc;
            if (!accumulate) Arrays.fill(c, ci, ci + n, 0d);
            for (int p = 0; p < k; p++) {
                double aip = a[aOff + (transA ? p * lda + i : i * lda + p)];
                if (transB) for (int j = 0; j < n; j++) c[ci + j] += aip * b[bOff + j * ldb + p];
                else for (int j = 0, bp = bOff + p * ldb; j < n; j++) c[ci + j] += aip * b[bp + j];
            }
        }
    }

    /**
     * Whether sgemm sums an inner size of k in one block: each element of C then gets its whole product in one
     * addition (threads split C's rows or columns, never k).
     */
    static boolean singleKBlock(int k) { return k <= SgemmKernel.KC; }

    /** Which sgemm implementation is active, e.g. "ember-vector (AVX-512, 16 lanes)". */
    public static String sgemmBackend() {
        int bits = SgemmKernel.S.vectorBitSize();
        String isa = bits == 512 ? "AVX-512" : bits == 256 ? "AVX2" : bits + "-bit vectors";
        return "ember-vector (" + isa + ", " + SgemmKernel.L + " lanes)";
    }

    /**
     * Whether threads should take row panels rather than column panels. Rows are cheaper: each thread
     * then gathers only its own rows of A (strided) and copies all of B (contiguous rows), but there
     * must be enough row panels to balance the threads.
     */
    private static boolean splitRows(int m, int n, int mr) {
        return m >= n || (m + mr - 1) / mr >= 4 * Parallel.numThreads();
    }

    /** Panels per task so that each task gets at least MIN_TASK_MADDS of work. */
    private static int grain(long maddsPerPanel) {
        return (int) Math.max(1, (MIN_TASK_MADDS + maddsPerPanel - 1) / Math.max(1, maddsPerPanel));
    }

    /**
     * The argument checks shared by sgemm and dgemm (array lengths stand in for the arrays); returns whether C
     * is non-empty, i.e. whether there is anything to write.
     */
    private static boolean check(boolean transA, boolean transB, int m, int n, int k, int aLen, int aOff, int lda,
            int bLen, int bOff, int ldb, int cLen, int cOff, int ldc) {
        if (m < 0 || n < 0 || k < 0) {
            throw new IllegalArgumentException("sizes must be >= 0, got m=" + m + " n=" + n + " k=" + k);
        }
        checkMatrix("A", aLen, aOff, lda, transA ? k : m, transA ? m : k);
        checkMatrix("B", bLen, bOff, ldb, transB ? n : k, transB ? k : n);
        checkMatrix("C", cLen, cOff, ldc, m, n);
        return m > 0 && n > 0;
    }

    /** Checks that a rows x cols matrix with row stride ld, starting at off, fits in its array. */
    private static void checkMatrix(String name, int length, int off, int ld, int rows, int cols) {
        if (ld < cols) {
            throw new IllegalArgumentException(name + ": row stride " + ld + " < width " + cols);
        }
        long end = rows == 0 || cols == 0 ? off : off + (long) (rows - 1) * ld + cols;
        if (off < 0 || end > length) {
            throw new IndexOutOfBoundsException(name + ": " + rows + "x" + cols + " matrix at offset "
                    + off + " with row stride " + ld + " does not fit in an array of length " + length);
        }
    }
}
