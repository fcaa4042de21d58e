package dev.ember.engine.backend.cpu;

import jdk.incubator.vector.FloatVector;

/**
 * C += op(A) op(B) for a C narrower than one vector and taller than wide (a classifier's 10 outputs): one vector
 * holds a row of C, lanes past n padding. op(B) is packed once into [k x L] rows; each row of C is a broadcast of
 * op(A)[i, p] times packed row p, added up over p with fused multiply-adds, eight rows of C side by side.
 *
 * <p>The floats are those of {@link SgemmKernel}'s blocked kernel: each element of C is its dot product in k order,
 * a fused multiply-add chain from zero per k block ({@link SgemmKernel#kStep}), the blocks' sums added to a zero
 * in order and the total added to C once. Only the lanes differ: the blocked kernel would spend 10 of each tile's
 * 64 (or compute C transposed through a zeroed buffer and a gathered copy of op(A)).
 */
final class NarrowGemm {
    private static final int L = SgemmKernel.L;
    /** Rows of C computed side by side: eight independent accumulator chains hide the fused multiply-add's latency. */
    private static final int ROWS = 8;

    private NarrowGemm() {}

    /**
     * Arguments as in {@link Gemm#sgemm}, with {@code n < L}; {@code buf} is the calling thread's: op(B) is packed
     * into its B buffer, and its tile holds a row of C on its way out.
     */
    static void gemmAccumulate(boolean transA, boolean transB, int m, int n, int k,
            float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
            float[] c, int cOff, int ldc, SgemmKernel.Buffers buf) {
        float[] bp = packB(transB, n, k, b, bOff, ldb, buf);
        // op(A)[i, p] is a[aOff + i * rowStep + p * colStep].
        int rowStep = transA ? 1 : lda, colStep = transA ? lda : 1;
        int kStep = SgemmKernel.kStep(k);
        int i = 0;
        for (; i + ROWS <= m; i += ROWS) {
            eightRows(a, aOff + i * rowStep, rowStep, colStep, bp, k, kStep, n, c, cOff + i * ldc, ldc, buf.tile);
        }
        for (; i < m; i++) oneRow(a, aOff + i * rowStep, colStep, bp, k, kStep, n, c, cOff + i * ldc, buf.tile);
    }

    /** op(B) as k rows of L floats, lanes n and up zero: bp[p * L + j] = op(B)[p, j]. */
    private static float[] packB(boolean transB, int n, int k, float[] b, int bOff, int ldb, SgemmKernel.Buffers buf) {
        if (buf.b.length < k * L) buf.b = new float[k * L];
        float[] bp = buf.b;
        for (int p = 0; p < k; p++) {
            for (int j = 0; j < L; j++) {
                bp[p * L + j] = j >= n ? 0f : transB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
            }
        }
        return bp;
    }

    private static void eightRows(float[] a, int ai, int rowStep, int colStep, float[] bp, int k, int kStep, int n,
            float[] c, int ci, int ldc, float[] row) {
        FloatVector zero = FloatVector.zero(SgemmKernel.S);
        FloatVector t0 = zero, t1 = zero, t2 = zero, t3 = zero, t4 = zero, t5 = zero, t6 = zero, t7 = zero;
        int a0 = ai, a1 = a0 + rowStep, a2 = a1 + rowStep, a3 = a2 + rowStep;
        int a4 = a3 + rowStep, a5 = a4 + rowStep, a6 = a5 + rowStep, a7 = a6 + rowStep;
        for (int pc = 0; pc < k; pc += kStep) {
            int end = Math.min(k, pc + kStep);
            FloatVector c0 = zero, c1 = zero, c2 = zero, c3 = zero, c4 = zero, c5 = zero, c6 = zero, c7 = zero;
            for (int p = pc; p < end; p++) {
                FloatVector bv = FloatVector.fromArray(SgemmKernel.S, bp, p * L);
                int q = p * colStep;
                c0 = FloatVector.broadcast(SgemmKernel.S, a[a0 + q]).fma(bv, c0);
                c1 = FloatVector.broadcast(SgemmKernel.S, a[a1 + q]).fma(bv, c1);
                c2 = FloatVector.broadcast(SgemmKernel.S, a[a2 + q]).fma(bv, c2);
                c3 = FloatVector.broadcast(SgemmKernel.S, a[a3 + q]).fma(bv, c3);
                c4 = FloatVector.broadcast(SgemmKernel.S, a[a4 + q]).fma(bv, c4);
                c5 = FloatVector.broadcast(SgemmKernel.S, a[a5 + q]).fma(bv, c5);
                c6 = FloatVector.broadcast(SgemmKernel.S, a[a6 + q]).fma(bv, c6);
                c7 = FloatVector.broadcast(SgemmKernel.S, a[a7 + q]).fma(bv, c7);
            }
            // Each update starts from a vector whose exact class C2 knows (see SgemmKernel's micro-kernel).
            t0 = zero.add(t0).add(c0); t1 = zero.add(t1).add(c1); t2 = zero.add(t2).add(c2); t3 = zero.add(t3).add(c3);
            t4 = zero.add(t4).add(c4); t5 = zero.add(t5).add(c5); t6 = zero.add(t6).add(c6); t7 = zero.add(t7).add(c7);
        }
        addRow(t0, c, ci, n, row);
        addRow(t1, c, ci + ldc, n, row);
        addRow(t2, c, ci + 2 * ldc, n, row);
        addRow(t3, c, ci + 3 * ldc, n, row);
        addRow(t4, c, ci + 4 * ldc, n, row);
        addRow(t5, c, ci + 5 * ldc, n, row);
        addRow(t6, c, ci + 6 * ldc, n, row);
        addRow(t7, c, ci + 7 * ldc, n, row);
    }

    private static void oneRow(float[] a, int ai, int colStep, float[] bp, int k, int kStep, int n, float[] c, int ci, float[] row) {
        FloatVector zero = FloatVector.zero(SgemmKernel.S), t = zero;
        for (int pc = 0; pc < k; pc += kStep) {
            int end = Math.min(k, pc + kStep);
            FloatVector acc = zero;
            for (int p = pc; p < end; p++) {
                acc = FloatVector.broadcast(SgemmKernel.S, a[ai + p * colStep]).fma(FloatVector.fromArray(SgemmKernel.S, bp, p * L), acc);
            }
            t = zero.add(t).add(acc);
        }
        addRow(t, c, ci, n, row);
    }

    /** C[row, 0..n) += the first n lanes of t. */
    private static void addRow(FloatVector t, float[] c, int ci, int n, float[] row) {
        t.intoArray(row, 0);
        for (int j = 0; j < n; j++) c[ci + j] += row[j];
    }
}
