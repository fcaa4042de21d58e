package dev.ember.engine.backend.cuda;

import dev.ember.engine.DType;

import java.util.Arrays;

/**
 * The generic tensor primitives on one CUDA device (tensor.cu): copy with cast and broadcast,
 * fill, unary and binary operations, where, reductions and arg-reductions over any dimensions,
 * and matrix products (the tiled float32 kernels, a float64 one). Every method takes device views
 * and enqueues kernels; none allocates. Op codes are tensor.cu's ({@link CudaCodes}).
 */
public final class CudaOps {
    private final CudaDriver driver;
    private final CudaDriver.Kernel copy, fill, unary, binary, where, reduce, argReduce, dgemm, sgemm, sgemmTf32;
    private final CudaDriver.Kernel rowsSelect, rowsPut, im2col, col2im, convBias, maxPool, maxPoolBackward, maxPoolGather,
            windowSum, windowSpread, adamStep;

    public CudaOps(CudaDriver driver) {
        this.driver = driver;
        copy = driver.kernel("tensor", "ember_copy");
        fill = driver.kernel("tensor", "ember_fill");
        unary = driver.kernel("tensor", "ember_unary");
        binary = driver.kernel("tensor", "ember_binary");
        where = driver.kernel("tensor", "ember_where");
        reduce = driver.kernel("tensor", "ember_reduce");
        argReduce = driver.kernel("tensor", "ember_arg_reduce");
        dgemm = driver.kernel("tensor", "ember_dgemm");
        sgemm = driver.kernel("sgemm", "ember_sgemm_f32");
        sgemmTf32 = driver.computeCapability() >= 80 ? driver.kernel("sgemm_tf32", "ember_sgemm_tf32") : null;
        rowsSelect = driver.kernel("nn", "ember_rows_select");
        rowsPut = driver.kernel("nn", "ember_rows_put");
        im2col = driver.kernel("nn", "ember_im2col");
        col2im = driver.kernel("nn", "ember_col2im");
        convBias = driver.kernel("nn", "ember_conv_bias");
        maxPool = driver.kernel("nn", "ember_max_pool2d");
        maxPoolBackward = driver.kernel("nn", "ember_max_pool2d_backward");
        maxPoolGather = driver.kernel("nn", "ember_max_pool2d_gather");
        windowSum = driver.kernel("nn", "ember_window_sum");
        windowSpread = driver.kernel("nn", "ember_window_spread");
        adamStep = driver.kernel("nn", "ember_adam_step");
    }

    /** The driver these ops launch on. */
    public CudaDriver driver() { return driver; }

    /** dst[i] = src[i] converted to dst's type; src is broadcast to dst's shape. */
    public void copy(DeviceView src, DeviceView dst) {
        DeviceView s = src.expandTo(dst.shape());
        long n = dst.numel();
        driver.launch(copy, LaunchConfig.elementwise(n), new KernelArgs()
                .ptr(s.address()).struct(s.desc()).i32(CudaCodes.dtype(s.dtype()))
                .ptr(dst.address()).struct(dst.desc()).i32(CudaCodes.dtype(dst.dtype())).i64(n));
    }

    /** Every element of {@code dst} set to {@code value} (converted to dst's type). */
    public void fill(DeviceView dst, double value) {
        long n = dst.numel();
        driver.launch(fill, LaunchConfig.elementwise(n), new KernelArgs()
                .ptr(dst.address()).struct(dst.desc()).i32(CudaCodes.dtype(dst.dtype())).f64(value).i64(n));
    }

    /** y = op(x), computed in {@code compute} (double for floating types, long long for integers). */
    public void unary(int op, DeviceView x, DeviceView y, DType compute) {
        DeviceView xs = x.expandTo(y.shape());
        long n = y.numel();
        driver.launch(unary, LaunchConfig.elementwise(n), new KernelArgs().i32(op)
                .ptr(xs.address()).struct(xs.desc()).i32(CudaCodes.dtype(xs.dtype()))
                .ptr(y.address()).struct(y.desc()).i32(CudaCodes.dtype(y.dtype()))
                .i32(CudaCodes.dtype(compute)).i64(n));
    }

    /** y = op(a, b), both broadcast to y's shape, computed in {@code compute}. */
    public void binary(int op, DeviceView a, DeviceView b, DeviceView y, DType compute) {
        DeviceView as = a.expandTo(y.shape()), bs = b.expandTo(y.shape());
        long n = y.numel();
        driver.launch(binary, LaunchConfig.elementwise(n), new KernelArgs().i32(op)
                .ptr(as.address()).struct(as.desc()).i32(CudaCodes.dtype(as.dtype()))
                .ptr(bs.address()).struct(bs.desc()).i32(CudaCodes.dtype(bs.dtype()))
                .ptr(y.address()).struct(y.desc()).i32(CudaCodes.dtype(y.dtype()))
                .i32(CudaCodes.dtype(compute)).i64(n));
    }

    /** y = cond ? a : b, all broadcast to y's shape. */
    public void where(DeviceView cond, DeviceView a, DeviceView b, DeviceView y) {
        DeviceView cs = cond.expandTo(y.shape()), as = a.expandTo(y.shape()), bs = b.expandTo(y.shape());
        long n = y.numel();
        driver.launch(where, LaunchConfig.elementwise(n), new KernelArgs()
                .ptr(cs.address()).struct(cs.desc()).i32(CudaCodes.dtype(cs.dtype()))
                .ptr(as.address()).struct(as.desc()).i32(CudaCodes.dtype(as.dtype()))
                .ptr(bs.address()).struct(bs.desc()).i32(CudaCodes.dtype(bs.dtype()))
                .ptr(y.address()).struct(y.desc()).i32(CudaCodes.dtype(y.dtype())).i64(n));
    }

    /**
     * Reduces {@code dims} of {@code x} with {@code op} into the contiguous {@code y}, whose elements
     * are x's kept dimensions in order. Empty reductions give the op's identity (max/min of nothing
     * is the caller's error to report).
     */
    public void reduce(int op, DeviceView x, int[] dims, DeviceView y, DType compute) {
        Split s = split(x, dims);
        if (s.inner == 0) {
            fill(y, op == CudaCodes.REDUCE_PROD ? 1 : 0);
            return;
        }
        driver.launch(reduce, LaunchConfig.rows(s.outer), new KernelArgs().i32(op)
                .ptr(s.view.address()).struct(s.view.desc()).i32(CudaCodes.dtype(x.dtype()))
                .ptr(y.address() + y.offset() * y.dtype().itemSize()).i32(CudaCodes.dtype(y.dtype()))
                .i32(CudaCodes.dtype(compute)).i64(s.outer).i64(s.inner));
    }

    /** The position along {@code dim} of each max ({@code max}) or min of x, into the contiguous int64 {@code idx}. */
    public void argReduce(boolean max, DeviceView x, int dim, DeviceView idx) {
        if (idx.dtype() != DType.INT64) throw new IllegalArgumentException("arg-reduction indices are int64, got " + idx.dtype());
        Split s = split(x, new int[] {dim});
        driver.launch(argReduce, LaunchConfig.rows(s.outer), new KernelArgs().i32(max ? 1 : 0)
                .ptr(s.view.address()).struct(s.view.desc()).i32(CudaCodes.dtype(x.dtype()))
                .ptr(idx.address() + idx.offset() * 8).i64(s.outer).i64(s.inner));
    }

    /**
     * C[b] = alpha * op(A[b]) op(B[b]) + beta * C[b] for {@code batch} row-major matrices: float32 on
     * the tiled kernel ({@code tf32}: the tensor-core one where the device has it), float64 on
     * ember_dgemm. Addresses point at each operand's first element; strides between batches in elements.
     */
    public void gemm(DType dtype, boolean transA, boolean transB, int m, int n, int k, double alpha,
                     long a, long lda, long strideA, long b, long ldb, long strideB, double beta,
                     long c, long ldc, long strideC, int batch, boolean tf32) {
        KernelArgs args = new KernelArgs().i32(transA ? 1 : 0).i32(transB ? 1 : 0).i32(m).i32(n).i32(k);
        switch (dtype) {
            case FLOAT32 -> {
                args.f32((float) alpha).ptr(a).i64(lda).i64(strideA).ptr(b).i64(ldb).i64(strideB)
                        .f32((float) beta).ptr(c).i64(ldc).i64(strideC);
                boolean tc = tf32 && sgemmTf32 != null;
                driver.launch(tc ? sgemmTf32 : sgemm, tc ? LaunchConfig.sgemmTf32(m, n, batch) : LaunchConfig.sgemm(m, n, batch), args);
            }
            case FLOAT64 -> {
                args.f64(alpha).ptr(a).i64(lda).i64(strideA).ptr(b).i64(ldb).i64(strideB)
                        .f64(beta).ptr(c).i64(ldc).i64(strideC);
                LaunchConfig t = LaunchConfig.tiles2d(n, m, 16, 16);
                driver.launch(dgemm, new LaunchConfig(t.gridX(), t.gridY(), batch, 16, 16, 1), args);
            }
            default -> throw new IllegalArgumentException("matmul on CUDA takes float32 or float64, got " + dtype);
        }
    }

    /** out row r = src[starts[r], starts[r] + len) (starts: int32 element positions). */
    public void rowsSelect(long out, long src, DType t, long starts, long runs, long len) {
        driver.launch(rowsSelect, LaunchConfig.elementwise(runs * len),
                new KernelArgs().ptr(out).ptr(src).i32(CudaCodes.dtype(t)).ptr(starts).i64(runs).i64(len));
    }

    /** out[starts[r] + k] = (or +=) src[srcOffset + r * len + k]; negative starts skip their row. */
    public void rowsPut(long out, long starts, long runs, long len, long src, long srcOffset, DType t, boolean accumulate) {
        driver.launch(rowsPut, LaunchConfig.elementwise(runs * len), new KernelArgs().ptr(out).ptr(starts).i64(runs).i64(len)
                .ptr(src).i64(srcOffset).i32(CudaCodes.dtype(t)).i32(accumulate ? 1 : 0));
    }

    /** Columns [n, kk, ohw] of one group of x ({@code conv}: Conv2dGeometry's 20 sizes in order). */
    public void im2col(long x, long col, DType t, int[] conv, int group) {
        long n = (long) conv[0] * conv[18] * conv[19];
        driver.launch(im2col, LaunchConfig.elementwise(n), new KernelArgs().ptr(x).ptr(col).i32(CudaCodes.dtype(t)).struct(conv).i32(group));
    }

    /** The group's channels of gx (overwritten) = the fold of col [n, kk, ohw]. */
    public void col2im(long col, long gx, DType t, int[] conv, int group) {
        long n = (long) conv[0] * conv[16] * conv[2] * conv[3];
        driver.launch(col2im, LaunchConfig.elementwise(n), new KernelArgs().ptr(col).ptr(gx).i32(CudaCodes.dtype(t)).struct(conv).i32(group));
    }

    /** y [n, o, ohw] = bias per channel (0 where bias is 0, the null address). */
    public void convBias(long y, long bias, DType t, int[] conv) {
        long n = (long) conv[0] * conv[4] * conv[19];
        driver.launch(convBias, LaunchConfig.elementwise(n), new KernelArgs().ptr(y).ptr(bias).i32(CudaCodes.dtype(t)).struct(conv));
    }

    /** {@code pool}: PoolWindow's 13 sizes in order; outputs are planes * oh * ow. */
    public void maxPool2d(long x, long y, long indices, DType t, int[] pool) {
        driver.launch(maxPool, LaunchConfig.elementwise(poolOutputs(pool)),
                new KernelArgs().ptr(x).ptr(y).ptr(indices).i32(CudaCodes.dtype(t)).struct(pool));
    }

    public void maxPool2dBackward(long gy, long indices, long gx, DType t, int[] pool) {
        driver.launch(maxPoolBackward, LaunchConfig.elementwise(poolOutputs(pool)),
                new KernelArgs().ptr(gy).ptr(indices).ptr(gx).i32(CudaCodes.dtype(t)).struct(pool));
    }

    public void maxPool2dGather(long x, long indices, long y, DType t, int[] pool) {
        driver.launch(maxPoolGather, LaunchConfig.elementwise(poolOutputs(pool)),
                new KernelArgs().ptr(x).ptr(indices).ptr(y).i32(CudaCodes.dtype(t)).struct(pool));
    }

    public void windowSum(long bounds, long scale, long x, long out, DType t, int[] pool) {
        driver.launch(windowSum, LaunchConfig.elementwise(poolOutputs(pool)),
                new KernelArgs().ptr(bounds).ptr(scale).ptr(x).ptr(out).i32(CudaCodes.dtype(t)).struct(pool));
    }

    public void windowSpread(long bounds, long scale, long gy, long gx, DType t, int[] pool) {
        driver.launch(windowSpread, LaunchConfig.elementwise(poolOutputs(pool)),
                new KernelArgs().ptr(bounds).ptr(scale).ptr(gy).ptr(gx).i32(CudaCodes.dtype(t)).struct(pool));
    }

    private static long poolOutputs(int[] pool) { return (long) pool[0] * pool[11] * pool[12]; }

    /** One fused Adam step over n elements (vmax 0: no amsgrad). */
    public void adamStep(long param, long grad, long m, long v, long vmax, DType t, long n, double beta1, double beta2, double eps,
                         double stepSize, double bc2Sqrt, double decay, double l2, boolean maximize) {
        driver.launch(adamStep, LaunchConfig.elementwise(n), new KernelArgs().ptr(param).ptr(grad).ptr(m).ptr(v).ptr(vmax)
                .i32(CudaCodes.dtype(t)).i64(n).f64(beta1).f64(beta2).f64(eps).f64(stepSize).f64(bc2Sqrt).f64(decay).f64(l2)
                .i32(maximize ? 1 : 0));
    }

    /** x with the reduced dims moved last: element o * inner + i is input i of output o. */
    private record Split(DeviceView view, long outer, long inner) {}

    private static Split split(DeviceView x, int[] dims) {
        int rank = x.shape().length;
        boolean[] reduced = new boolean[rank];
        for (int d : dims) {
            if (d < 0 || d >= rank) throw new IllegalArgumentException("dim " + d + " out of range for shape " + Arrays.toString(x.shape()));
            reduced[d] = true;
        }
        int[] order = new int[rank];
        int at = 0;
        long outer = 1, inner = 1;
        for (int d = 0; d < rank; d++) if (!reduced[d]) { order[at++] = d; outer *= x.shape()[d]; }
        for (int d = 0; d < rank; d++) if (reduced[d]) { order[at++] = d; inner *= x.shape()[d]; }
        return new Split(x.permute(order), outer, inner);
    }
}
