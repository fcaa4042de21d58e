package dev.ember.engine.backend.cpu;

import dev.ember.engine.DType;
import dev.ember.engine.Device;
import dev.ember.engine.backend.AdamStep;
import dev.ember.engine.backend.Backend;
import dev.ember.engine.backend.Buffer;
import dev.ember.engine.backend.Conv2dGeometry;
import dev.ember.engine.backend.PoolWindow;
import dev.ember.engine.backend.View;

/** The CPU's {@link Backend}: Java arrays, Vector API kernels, {@link Parallel} threads. */
public final class CpuBackend implements Backend {
    public static final CpuBackend INSTANCE = new CpuBackend();

    private CpuBackend() {}

    private static CpuBuffer cpu(Buffer b) { return CpuBuffer.of(b); }

    @Override public Device device() { return Device.CPU; }

    /** Which float32 GEMM kernel runs, e.g. {@code ember-vector (AVX-512, 16 lanes)}. */
    @Override public String toString() { return Gemm.sgemmBackend(); }

    @Override public Buffer allocate(DType dtype, int length) { return CpuBuffer.allocate(dtype, length); }

    @Override public void fromHost(Object array, Buffer dst) { System.arraycopy(array, 0, cpu(dst).array(), 0, dst.length()); }

    @Override public void toHost(Buffer src, Object array) { System.arraycopy(cpu(src).array(), 0, array, 0, src.length()); }

    @Override public void copy(Buffer dst, View dstView, Buffer src, View srcView) {
        CpuElementwise.copy(cpu(dst), dstView, cpu(src), srcView);
    }

    @Override public void fill(Buffer dst, View dstView, double value) { CpuElementwise.fill(cpu(dst), dstView, value); }

    @Override public void unary(Unary op, Buffer out, Buffer x, View xView) { CpuElementwise.unary(op, cpu(out), cpu(x), xView); }

    @Override public void binary(Binary op, Buffer out, View outView, Buffer a, View aView, Buffer b, View bView) {
        CpuElementwise.binary(op, cpu(out), outView, cpu(a), aView, cpu(b), bView);
    }

    @Override public void where(Buffer out, Buffer cond, View condView, Buffer a, View aView, Buffer b, View bView) {
        CpuElementwise.where(cpu(out), cpu(cond), condView, cpu(a), aView, cpu(b), bView);
    }

    @Override public void reduce(Reduce op, Buffer out, Buffer x, View xView, int[] dims) {
        CpuReductions.reduce(op, cpu(out), cpu(x), xView, dims);
    }

    @Override public void argReduce(boolean max, Buffer out, Buffer x, View xView, int dim) {
        CpuReductions.argReduce(max, cpu(out), cpu(x), xView, dim);
    }

    @Override public void indexSelect(Buffer out, Buffer src, Buffer starts, int rowLength) {
        CpuIndexing.select(cpu(out), cpu(src), cpu(starts).ints(), rowLength);
    }

    @Override public void indexPut(Buffer out, Buffer starts, int rowLength, Buffer src, int srcOffset, boolean accumulate) {
        CpuIndexing.put(cpu(out), cpu(starts).ints(), rowLength, cpu(src), srcOffset, accumulate);
    }

    @Override public void conv2d(Conv2dGeometry g, Buffer x, Buffer w, Buffer bias, Buffer y) {
        CpuConvolution.forward(g, Lane.of(y.dtype()), x, w, bias, y);
    }

    @Override public void conv2dInputGrad(Conv2dGeometry g, Buffer gradOutput, Buffer w, Buffer gradInput) {
        CpuConvolution.inputGrad(g, Lane.of(gradInput.dtype()), gradOutput, w, gradInput);
    }

    @Override public void conv2dWeightGrad(Conv2dGeometry g, Buffer gradOutput, Buffer x, Buffer gradWeight) {
        CpuConvolution.weightGrad(g, Lane.of(gradWeight.dtype()), gradOutput, x, gradWeight);
    }

    @Override public void maxPool2d(PoolWindow win, Buffer x, Buffer y, Buffer indices) {
        CpuPooling.maxPool2d(win, cpu(x), cpu(y), cpu(indices).ints());
    }

    @Override public void maxPool2dBackward(PoolWindow win, Buffer gradOutput, Buffer indices, Buffer gradInput) {
        CpuPooling.maxPool2dBackward(win, Lane.of(gradInput.dtype()), gradOutput, cpu(indices).ints(), gradInput);
    }

    @Override public void maxPool2dGather(PoolWindow win, Buffer x, Buffer indices, Buffer y) {
        CpuPooling.maxPool2dGather(win, Lane.of(y.dtype()), x, cpu(indices).ints(), y);
    }

    @Override public void windowSum(PoolWindow win, Buffer bounds, Buffer scale, Buffer x, Buffer out) {
        CpuPooling.windowSum(win, Lane.of(out.dtype()), cpu(bounds).ints(), cpu(scale).doubles(), x, out);
    }

    @Override public void windowSpread(PoolWindow win, Buffer bounds, Buffer scale, Buffer gradOutput, Buffer gradInput) {
        CpuPooling.windowSpread(win, Lane.of(gradInput.dtype()), cpu(bounds).ints(), cpu(scale).doubles(), gradOutput, gradInput);
    }

    @Override public int inverse(Buffer a, Buffer out, int batch, int n) {
        return CpuLinearSolve.inverse(cpu(a).doubles(), cpu(out).doubles(), batch, n);
    }

    @Override public void det(Buffer a, Buffer out, int batch, int n) { CpuLinearSolve.det(cpu(a).doubles(), cpu(out).doubles(), batch, n); }

    @Override public void adamStep(AdamStep step, int n, Buffer param, int paramOffset, Buffer grad, int gradOffset,
                                   Buffer expAvg, int expAvgOffset, Buffer expAvgSq, int expAvgSqOffset, Buffer maxExpAvgSq, int maxOffset) {
        CpuOptim.adam(step, n, cpu(param), paramOffset, cpu(grad), gradOffset, cpu(expAvg), expAvgOffset, cpu(expAvgSq), expAvgSqOffset,
                maxExpAvgSq == null ? null : cpu(maxExpAvgSq), maxOffset);
    }

    @Override public void gemm(boolean transA, boolean transB, int m, int n, int k, Buffer a, int aOffset, int lda,
                               Buffer b, int bOffset, int ldb, Buffer c, int cOffset, int ldc, boolean accumulate) {
        switch (c.dtype()) {
            case FLOAT32 -> Gemm.sgemm(transA, transB, m, n, k, cpu(a).floats(), aOffset, lda, cpu(b).floats(), bOffset, ldb,
                    cpu(c).floats(), cOffset, ldc, accumulate);
            case FLOAT64 -> Gemm.dgemm(transA, transB, m, n, k, cpu(a).doubles(), aOffset, lda, cpu(b).doubles(), bOffset, ldb,
                    cpu(c).doubles(), cOffset, ldc, accumulate);
            default -> throw new IllegalArgumentException("gemm needs float32 or float64 matrices, got " + c.dtype());
        }
    }

    /** float32 only: its kernel keeps each tile's sum in registers over one k block and adds it to C once. */
    @Override public boolean gemmAddsProductOnce(DType dtype, int k) { return dtype == DType.FLOAT32 && Gemm.singleKBlock(k); }

    @Override public boolean softmaxRows(Buffer x, int xOffset, Buffer out, int outOffset, int rows, int len) {
        if (x.dtype() != DType.FLOAT32 || out.dtype() != DType.FLOAT32) return false;
        CpuSoftmax.rows(cpu(x).floats(), xOffset, cpu(out).floats(), outOffset, rows, len);
        return true;
    }
}
