package dev.ember.engine.backend.cpu;

import dev.ember.engine.DType;
import dev.ember.engine.backend.Buffer;

import java.util.Arrays;

/**
 * The few array primitives convolution and pooling need, over float[] (float32) or double[] (float64), so each of
 * their steps is written once; each primitive is a tight loop or Gemm call.
 */
abstract class Lane<A> {
    /** The lane of a floating dtype: float32 or (any other) float64. */
    static Lane<?> of(DType dt) { return dt == DType.FLOAT32 ? F32 : F64; }

    abstract A array(Buffer dense);
    abstract A alloc(int n);
    abstract double get(A a, int i);
    abstract void set(A a, int i, double v);
    /** a[from .. from + len) += v (v rounded to the lane's type first). */
    abstract void addValue(A a, int from, int len, double v);
    /** a[from..to) = v. */
    abstract void fill(A a, int from, int to, double v);
    /** dst[dp + i] = src[sp + i * stride] for i in [0, len). */
    abstract void gather(A src, int sp, int stride, A dst, int dp, int len);
    /** dst[dp + i * stride] += src[sp + i] for i in [0, len). */
    abstract void addTo(A dst, int dp, int stride, A src, int sp, int len);
    /** Sum of a[from .. from + len), in double. */
    abstract double sum(A a, int from, int len);
    abstract void gemm(boolean ta, boolean tb, int m, int n, int k, A a, int aOff, int lda, A b, int bOff, int ldb, A c, int cOff, int ldc, boolean accumulate);

    static final Lane<float[]> F32 = new Lane<>() {
        @Override float[] array(Buffer b) { return CpuBuffer.of(b).floats(); }
        @Override float[] alloc(int n) { return new float[n]; }
        @Override double get(float[] a, int i) { return a[i]; }
        @Override void set(float[] a, int i, double v) { a[i] = (float) v; }
        @Override void addValue(float[] a, int from, int len, double v) {
            float f = (float) v;
            for (int i = from; i < from + len; i++) a[i] += f;
        }
        @Override void fill(float[] a, int from, int to, double v) {
            // im2col pads with runs of one or two zeros: a plain loop beats a call to Arrays.fill there.
            if (to - from < 16) for (int i = from; i < to; i++) a[i] = (float) v;
            else Arrays.fill(a, from, to, (float) v);
        }
        @Override void gather(float[] src, int sp, int stride, float[] dst, int dp, int len) {
            if (stride == 1) System.arraycopy(src, sp, dst, dp, len);
            else for (int i = 0; i < len; i++) dst[dp + i] = src[sp + i * stride];
        }
        @Override void addTo(float[] dst, int dp, int stride, float[] src, int sp, int len) {
            for (int i = 0; i < len; i++) dst[dp + i * stride] += src[sp + i];
        }
        @Override double sum(float[] a, int from, int len) {
            double s = 0;
            for (int i = from; i < from + len; i++) s += a[i];
            return s;
        }
        @Override void gemm(boolean ta, boolean tb, int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float[] c, int cOff, int ldc, boolean acc) {
            Gemm.sgemm(ta, tb, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, acc);
        }
    };

    static final Lane<double[]> F64 = new Lane<>() {
        @Override double[] array(Buffer b) { return CpuBuffer.of(b).doubles(); }
        @Override double[] alloc(int n) { return new double[n]; }
        @Override double get(double[] a, int i) { return a[i]; }
        @Override void set(double[] a, int i, double v) { a[i] = v; }
        @Override void addValue(double[] a, int from, int len, double v) {
            for (int i = from; i < from + len; i++) a[i] += v;
        }
        @Override void fill(double[] a, int from, int to, double v) { Arrays.fill(a, from, to, v); }
        @Override void gather(double[] src, int sp, int stride, double[] dst, int dp, int len) {
            if (stride == 1) System.arraycopy(src, sp, dst, dp, len);
            else for (int i = 0; i < len; i++) dst[dp + i] = src[sp + i * stride];
        }
        @Override void addTo(double[] dst, int dp, int stride, double[] src, int sp, int len) {
            for (int i = 0; i < len; i++) dst[dp + i * stride] += src[sp + i];
        }
        @Override double sum(double[] a, int from, int len) {
            double s = 0;
            for (int i = from; i < from + len; i++) s += a[i];
            return s;
        }
        @Override void gemm(boolean ta, boolean tb, int m, int n, int k, double[] a, int aOff, int lda, double[] b, int bOff, int ldb, double[] c, int cOff, int ldc, boolean acc) {
            Gemm.dgemm(ta, tb, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, acc);
        }
    };
}
