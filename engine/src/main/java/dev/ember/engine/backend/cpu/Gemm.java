package dev.ember.engine.backend.cpu;

/** PLACEHOLDER naive GEMM (being replaced by the Vector API kernel). */
public final class Gemm {
    private Gemm() {}
    public static void sgemm(boolean transA, boolean transB, int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float[] c, int cOff, int ldc, boolean accumulate) {
        for (int i = 0; i < m; i++) for (int j = 0; j < n; j++) {
            double s = 0;
            for (int p = 0; p < k; p++) s += a[aOff + (transA ? p * lda + i : i * lda + p)] * b[bOff + (transB ? j * ldb + p : p * ldb + j)];
            c[cOff + i * ldc + j] = (float) ((accumulate ? c[cOff + i * ldc + j] : 0) + s);
        }
    }
    public static void dgemm(boolean transA, boolean transB, int m, int n, int k, double[] a, int aOff, int lda, double[] b, int bOff, int ldb, double[] c, int cOff, int ldc, boolean accumulate) {
        for (int i = 0; i < m; i++) for (int j = 0; j < n; j++) {
            double s = 0;
            for (int p = 0; p < k; p++) s += a[aOff + (transA ? p * lda + i : i * lda + p)] * b[bOff + (transB ? j * ldb + p : p * ldb + j)];
            c[cOff + i * ldc + j] = (accumulate ? c[cOff + i * ldc + j] : 0) + s;
        }
    }
    public static String sgemmBackend() { return "naive"; }
}
