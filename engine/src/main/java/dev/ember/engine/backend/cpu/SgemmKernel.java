package dev.ember.engine.backend.cpu;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Single-threaded blocked float GEMM (the GotoBLAS/BLIS scheme): op(B) is packed into
 * [kc x NR] panels and op(A) into [MR x kc] panels, zero-padded to whole tiles, and a
 * register-blocked micro-kernel computes each MR x NR tile of C with broadcast-A times vector-B
 * fused multiply-adds. Partial tiles are computed into a scratch tile and copied out, so the hot
 * loop never needs masks.
 */
final class SgemmKernel {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** Lanes per vector: 16 floats with AVX-512. */
    static final int L = S.length();
    /**
     * Tile of C held in registers: 6 rows x 4 vectors = 24 accumulators, plus 4 B vectors and one
     * broadcast A value, fills 29 of AVX-512's 32 vector registers.
     */
    static final int MR = 6, NR = 4 * L;
    /**
     * Cache blocking: a [kc x NR] B panel (96 KiB) and an [MR x kc] A panel stream from
     * the 1 MiB L2, the [mc x kc] A block stays in L2, the [kc x nc] B block in L3.
     */
    static final int KC = 384, MC = 96, NC = 2048;

    /** Per-thread packing buffers, grown on demand and reused across calls (by {@link NarrowGemm} too). */
    static final class Buffers {
        float[] a = new float[0], b = new float[0];
        final float[] tile = new float[MR * NR];
    }

    private static final ThreadLocal<Buffers> BUFFERS = ThreadLocal.withInitial(Buffers::new);

    private SgemmKernel() {}

    /** C += op(A) op(B) on the calling thread; arguments as in {@link Gemm#sgemm}. */
    static void gemmAccumulate(boolean transA, boolean transB, int m, int n, int k,
            float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
            float[] c, int cOff, int ldc) {
        Buffers buf = BUFFERS.get();
        if (n < L && m > n) {
            NarrowGemm.gemmAccumulate(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, buf);
            return;
        }
        int kStep = kStep(k);
        for (int jc = 0; jc < n; jc += NC) {
            int nc = Math.min(NC, n - jc);
            for (int pc = 0; pc < k; pc += kStep) {
                int kc = Math.min(kStep, k - pc);
                int bSize = kc * roundUp(nc, NR);
                if (buf.b.length < bSize) buf.b = new float[bSize];
                packB(transB, b, bOff, ldb, pc, jc, kc, nc, buf.b);
                // With one B panel each A panel is used once: packing it would copy A for nothing, so whole panels
                // of a row-major A are read where they lie (the same values, multiplied in the same order).
                boolean direct = !transA && nc <= NR;
                for (int ic = 0; ic < m; ic += MC) {
                    int mc = Math.min(MC, m - ic);
                    int aSize = kc * roundUp(mc, MR);
                    if (buf.a.length < aSize) buf.a = new float[aSize];
                    packA(transA, a, aOff, lda, ic, pc, mc, kc, buf.a, direct);
                    int aDirect = direct ? aOff + ic * lda + pc : -1;
                    macroKernel(mc, nc, kc, buf, a, aDirect, lda, c, cOff + ic * ldc + jc, ldc);
                }
            }
        }
    }

    /**
     * Adds the A block times the packed B panels to the [mc x nc] block of C at ci. A's panels are packed in buf.a,
     * or when aDirect >= 0 its whole panels are read from a, the block starting at aDirect (row stride lda), and
     * only a last partial panel is packed.
     */
    private static void macroKernel(int mc, int nc, int kc, Buffers buf, float[] a, int aDirect, int lda, float[] c, int ci, int ldc) {
        for (int jr = 0; jr < nc; jr += NR) {
            int nr = Math.min(NR, nc - jr);
            for (int ir = 0; ir < mc; ir += MR) {
                int mr = Math.min(MR, mc - ir);
                int tile = ci + ir * ldc + jr;
                boolean direct = aDirect >= 0 && mr == MR;
                float[] ap = direct ? a : buf.a;
                int ai = direct ? aDirect + ir * lda : ir * kc, rowStep = direct ? lda : 1, colStep = direct ? 1 : MR;
                if (mr == MR && nr == NR) {
                    microKernel(kc, ap, ai, rowStep, colStep, buf.b, jr * kc, c, tile, ldc);
                } else {
                    Arrays.fill(buf.tile, 0);
                    microKernel(kc, ap, ai, rowStep, colStep, buf.b, jr * kc, buf.tile, 0, NR);
                    for (int i = 0; i < mr; i++) {
                        for (int j = 0; j < nr; j++) c[tile + i * ldc + j] += buf.tile[i * NR + j];
                    }
                }
            }
        }
    }

    /**
     * Packs rows [ic, ic + mc) and columns [pc, pc + kc) of op(A) into [MR x kc] panels:
     * panel r holds ap[r * MR * kc + p * MR + i] = op(A)[ic + r * MR + i, pc + p].
     */
    private static void packA(boolean transA, float[] a, int aOff, int lda,
            int ic, int pc, int mc, int kc, float[] ap, boolean partialOnly) {
        for (int ir = 0; ir < mc; ir += MR) {
            int mr = Math.min(MR, mc - ir), base = ir * kc;
            if (partialOnly && mr == MR) continue;
            if (mr < MR) Arrays.fill(ap, base, base + MR * kc, 0);
            if (transA) {
                for (int p = 0; p < kc; p++) {
                    System.arraycopy(a, aOff + (pc + p) * lda + ic + ir, ap, base + p * MR, mr);
                }
            } else {
                // p outer: the panel is written in order, and the MR source rows are read side by side.
                int src = aOff + (ic + ir) * lda + pc;
                for (int p = 0; p < kc; p++) {
                    for (int i = 0; i < mr; i++) ap[base + p * MR + i] = a[src + i * lda + p];
                }
            }
        }
    }

    /**
     * Packs rows [pc, pc + kc) and columns [jc, jc + nc) of op(B) into [kc x NR] panels:
     * panel r holds bp[r * NR * kc + p * NR + j] = op(B)[pc + p, jc + r * NR + j].
     */
    private static void packB(boolean transB, float[] b, int bOff, int ldb,
            int pc, int jc, int kc, int nc, float[] bp) {
        for (int jr = 0; jr < nc; jr += NR) {
            int nr = Math.min(NR, nc - jr), base = jr * kc;
            if (nr < NR) Arrays.fill(bp, base, base + NR * kc, 0);
            if (transB && nr == NR) {
                // Each vector of the panel gathers one column p from L rows of B (the rows are ldb apart).
                int[] rows = gatherIndex(ldb);
                int src = bOff + (jc + jr) * ldb + pc;
                for (int p = 0; p < kc; p++) {
                    for (int v = 0; v < NR; v += L) {
                        FloatVector.fromArray(S, b, src + v * ldb + p, rows, 0).intoArray(bp, base + p * NR + v);
                    }
                }
            } else if (transB) {
                for (int j = 0; j < nr; j++) {
                    int src = bOff + (jc + jr + j) * ldb + pc;
                    for (int p = 0; p < kc; p++) bp[base + p * NR + j] = b[src + p];
                }
            } else {
                for (int p = 0; p < kc; p++) {
                    System.arraycopy(b, bOff + (pc + p) * ldb + jc + jr, bp, base + p * NR, nr);
                }
            }
        }
    }

    /**
     * Adds the A panel times the B panel to the MR x NR tile of C at ci (row stride ldc); A[i, p] is
     * ap[ai + i * rowStep + p * colStep] (a packed panel: 1 and MR).
     */
    private static void microKernel(int kc, float[] ap, int ai, int rowStep, int colStep, float[] bp, int bi, float[] c, int ci, int ldc) {
        int s1 = rowStep, s2 = 2 * rowStep, s3 = 3 * rowStep, s4 = 4 * rowStep, s5 = 5 * rowStep;
        FloatVector zero = FloatVector.zero(S);
        FloatVector c00 = zero, c01 = zero, c02 = zero, c03 = zero, c10 = zero, c11 = zero, c12 = zero, c13 = zero;
        FloatVector c20 = zero, c21 = zero, c22 = zero, c23 = zero, c30 = zero, c31 = zero, c32 = zero, c33 = zero;
        FloatVector c40 = zero, c41 = zero, c42 = zero, c43 = zero, c50 = zero, c51 = zero, c52 = zero, c53 = zero;
        for (int p = 0; p < kc; p++) {
            int pa = ai + p * colStep, pb = bi + p * NR;
            FloatVector b0 = FloatVector.fromArray(S, bp, pb), b1 = FloatVector.fromArray(S, bp, pb + L);
            FloatVector b2 = FloatVector.fromArray(S, bp, pb + 2 * L), b3 = FloatVector.fromArray(S, bp, pb + 3 * L);
            FloatVector a0 = FloatVector.broadcast(S, ap[pa]);
            c00 = a0.fma(b0, c00); c01 = a0.fma(b1, c01); c02 = a0.fma(b2, c02); c03 = a0.fma(b3, c03);
            FloatVector a1 = FloatVector.broadcast(S, ap[pa + s1]);
            c10 = a1.fma(b0, c10); c11 = a1.fma(b1, c11); c12 = a1.fma(b2, c12); c13 = a1.fma(b3, c13);
            FloatVector a2 = FloatVector.broadcast(S, ap[pa + s2]);
            c20 = a2.fma(b0, c20); c21 = a2.fma(b1, c21); c22 = a2.fma(b2, c22); c23 = a2.fma(b3, c23);
            FloatVector a3 = FloatVector.broadcast(S, ap[pa + s3]);
            c30 = a3.fma(b0, c30); c31 = a3.fma(b1, c31); c32 = a3.fma(b2, c32); c33 = a3.fma(b3, c33);
            FloatVector a4 = FloatVector.broadcast(S, ap[pa + s4]);
            c40 = a4.fma(b0, c40); c41 = a4.fma(b1, c41); c42 = a4.fma(b2, c42); c43 = a4.fma(b3, c43);
            FloatVector a5 = FloatVector.broadcast(S, ap[pa + s5]);
            c50 = a5.fma(b0, c50); c51 = a5.fma(b1, c51); c52 = a5.fma(b2, c52); c53 = a5.fma(b3, c53);
        }
        // Each update starts from the loaded C vector, whose exact class C2 knows, never from an
        // accumulator: those leave the loop typed only as FloatVector, and calls on them are compiled from
        // the JDK's shared type profile, which other Vector API code (e.g. netlib's VectorBLAS with
        // SPECIES_MAX) can make polymorphic, and then every vector is boxed (~1 GFLOP/s).
        int r0 = ci, r1 = r0 + ldc, r2 = r1 + ldc, r3 = r2 + ldc, r4 = r3 + ldc, r5 = r4 + ldc;
        FloatVector.fromArray(S, c, r0).add(c00).intoArray(c, r0);
        FloatVector.fromArray(S, c, r0 + L).add(c01).intoArray(c, r0 + L);
        FloatVector.fromArray(S, c, r0 + 2 * L).add(c02).intoArray(c, r0 + 2 * L);
        FloatVector.fromArray(S, c, r0 + 3 * L).add(c03).intoArray(c, r0 + 3 * L);
        FloatVector.fromArray(S, c, r1).add(c10).intoArray(c, r1);
        FloatVector.fromArray(S, c, r1 + L).add(c11).intoArray(c, r1 + L);
        FloatVector.fromArray(S, c, r1 + 2 * L).add(c12).intoArray(c, r1 + 2 * L);
        FloatVector.fromArray(S, c, r1 + 3 * L).add(c13).intoArray(c, r1 + 3 * L);
        FloatVector.fromArray(S, c, r2).add(c20).intoArray(c, r2);
        FloatVector.fromArray(S, c, r2 + L).add(c21).intoArray(c, r2 + L);
        FloatVector.fromArray(S, c, r2 + 2 * L).add(c22).intoArray(c, r2 + 2 * L);
        FloatVector.fromArray(S, c, r2 + 3 * L).add(c23).intoArray(c, r2 + 3 * L);
        FloatVector.fromArray(S, c, r3).add(c30).intoArray(c, r3);
        FloatVector.fromArray(S, c, r3 + L).add(c31).intoArray(c, r3 + L);
        FloatVector.fromArray(S, c, r3 + 2 * L).add(c32).intoArray(c, r3 + 2 * L);
        FloatVector.fromArray(S, c, r3 + 3 * L).add(c33).intoArray(c, r3 + 3 * L);
        FloatVector.fromArray(S, c, r4).add(c40).intoArray(c, r4);
        FloatVector.fromArray(S, c, r4 + L).add(c41).intoArray(c, r4 + L);
        FloatVector.fromArray(S, c, r4 + 2 * L).add(c42).intoArray(c, r4 + 2 * L);
        FloatVector.fromArray(S, c, r4 + 3 * L).add(c43).intoArray(c, r4 + 3 * L);
        FloatVector.fromArray(S, c, r5).add(c50).intoArray(c, r5);
        FloatVector.fromArray(S, c, r5 + L).add(c51).intoArray(c, r5 + L);
        FloatVector.fromArray(S, c, r5 + 2 * L).add(c52).intoArray(c, r5 + 2 * L);
        FloatVector.fromArray(S, c, r5 + 3 * L).add(c53).intoArray(c, r5 + 3 * L);
    }

    /** Offsets of L consecutive rows with stride ld: 0, ld, 2 ld, ... */
    private static int[] gatherIndex(int ld) {
        int[] idx = new int[L];
        for (int i = 0; i < L; i++) idx[i] = i * ld;
        return idx;
    }

    /**
     * The inner size of one k block: equal blocks (784 = 392 + 392, not 384 + 384 + 16), since a short last block
     * would load and store every tile of C for a few multiply-adds.
     */
    static int kStep(int k) {
        return ceilDiv(k, ceilDiv(k, KC));
    }

    private static int ceilDiv(int x, int y) {
        return (x + y - 1) / y;
    }

    private static int roundUp(int x, int multiple) {
        return (x + multiple - 1) / multiple * multiple;
    }
}
