package dev.ember.engine.ops;

import dev.ember.engine.DType;
import dev.ember.engine.Shape;
import dev.ember.engine.Tensor;
import dev.ember.engine.autograd.Function;
import dev.ember.engine.backend.cpu.Gemm;
import dev.ember.engine.backend.cpu.Parallel;

import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * Convolution as im2col + GEMM, like PyTorch's CPU "slow" convolution: for every sample and group, the input
 * patches are unfolded into a [C/groups * kH * kW, oH * oW] matrix and multiplied by the weight viewed as
 * [O/groups, C/groups * kH * kW]. Backward uses the same two matrices (col2im folds the input gradient back).
 * 1-d convolution runs as 2-d with height 1. Samples are split across threads; buffers are per thread chunk.
 */
public final class Convolution {
    private Convolution() {}

    /** torch.nn.functional.conv2d on [N, C, H, W] or unbatched [C, H, W] input; stride, padding, dilation are one value or {h, w}. */
    public static Tensor conv2d(Tensor input, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] dilation, int groups) {
        if (input.dim() != 3 && input.dim() != 4) {
            throw new IllegalArgumentException("Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: " + Shape.str(input.shape()));
        }
        boolean unbatched = input.dim() == 3;
        Tensor x = unbatched ? input.unsqueeze(0) : input;
        Geometry geo = Geometry.check(x.shape(), weight.shape(), bias == null ? null : bias.shape(), both(stride), both(padding), both(dilation), groups, 2);
        Tensor out = new Conv2d(geo).apply(x, weight, bias);
        return unbatched ? out.squeeze(0) : out;
    }

    /** A one-value size argument used for both height and width (longer arrays are left to the checks). */
    private static int[] both(int[] v) { return v.length == 1 ? new int[]{v[0], v[0]} : v; }

    /** torch.nn.functional.conv1d on [N, C, L] or unbatched [C, L] input (computed as a 2-d convolution of height 1). */
    public static Tensor conv1d(Tensor input, Tensor weight, Tensor bias, int stride, int padding, int dilation, int groups) {
        if (input.dim() != 2 && input.dim() != 3) {
            throw new IllegalArgumentException("Expected 2D (unbatched) or 3D (batched) input to conv1d, but got input of size: " + Shape.str(input.shape()));
        }
        boolean unbatched = input.dim() == 2;
        Tensor x = unbatched ? input.unsqueeze(0) : input;
        // Validate with the 1-d shapes so messages name what the caller passed.
        Geometry.check(x.shape(), weight.shape(), bias == null ? null : bias.shape(), new int[]{stride}, new int[]{padding}, new int[]{dilation}, groups, 1);
        Tensor out = conv2d(x.unsqueeze(2), weight.unsqueeze(2), bias, new int[]{1, stride}, new int[]{0, padding}, new int[]{1, dilation}, groups).squeeze(2);
        return unbatched ? out.squeeze(0) : out;
    }

    /** Sizes of one 2-d convolution; {@code kk} is the row count of the unfolded patch matrix of one group. */
    static final class Geometry {
        int n, c, h, w, o, kh, kw, sh, sw, ph, pw, dh, dw, groups, oh, ow, cg, og, kk, ohw;

        /** PyTorch's shape checks (same messages), for {@code spatial} = 1 or 2 spatial dims; returns the 2-d geometry. */
        static Geometry check(int[] in, int[] wt, int[] bias, int[] stride, int[] padding, int[] dilation, int groups, int spatial) {
            for (int[] a : new int[][]{stride, padding, dilation}) {
                if (a.length != spatial) throw new IllegalArgumentException("expected stride, padding and dilation to have " + spatial + " values to match the convolution dimensions, but got "
                        + "stride=" + Arrays.toString(stride) + ", padding=" + Arrays.toString(padding) + ", dilation=" + Arrays.toString(dilation));
            }
            for (int s : stride) if (s <= 0) throw new IllegalArgumentException("non-positive stride is not supported, got stride=" + Arrays.toString(stride));
            for (int p : padding) if (p < 0) throw new IllegalArgumentException("negative padding is not supported, got padding=" + Arrays.toString(padding));
            for (int d : dilation) if (d <= 0) throw new IllegalArgumentException("dilation should be greater than zero, but got " + Arrays.toString(dilation));
            if (groups <= 0) throw new IllegalArgumentException("non-positive groups is not supported, got groups=" + groups);
            if (wt.length != in.length) {
                throw new IllegalArgumentException("Expected " + wt.length + "-dimensional input for " + wt.length + "-dimensional weight " + Shape.str(wt)
                        + ", but got " + in.length + "-dimensional input of size " + Shape.str(in) + " instead");
            }
            if (wt[0] % groups != 0) {
                throw new IllegalArgumentException("Given groups=" + groups + ", expected weight to be divisible by " + groups + " at dimension 0, but got weight of size " + Shape.str(wt) + " instead");
            }
            if (in[1] != wt[1] * groups) {
                throw new IllegalArgumentException("Given groups=" + groups + ", weight of size " + Shape.str(wt) + ", expected input" + Shape.str(in) + " to have "
                        + wt[1] * groups + " channels, but got " + in[1] + " channels instead");
            }
            if (bias != null && (bias.length != 1 || bias[0] != wt[0])) {
                throw new IllegalArgumentException("Given weight of size " + Shape.str(wt) + ", expected bias to be 1-dimensional with " + wt[0] + " elements, but got bias of size " + Shape.str(bias) + " instead");
            }
            StringBuilder padded = new StringBuilder(), kernel = new StringBuilder();
            boolean tooBig = false;
            for (int i = 0; i < spatial; i++) {
                int p = in[2 + i] + 2 * padding[i], k = dilation[i] * (wt[2 + i] - 1) + 1;
                if (k > p) tooBig = true;
                padded.append(i > 0 ? " x " : "").append(p);
                kernel.append(i > 0 ? " x " : "").append(k);
            }
            if (tooBig) {
                throw new IllegalArgumentException("Calculated padded input size per channel: (" + padded + "). Kernel size: (" + kernel + "). Kernel size can't be greater than actual input size");
            }
            Geometry g = new Geometry();
            int lead = 2 - spatial; // 1-d: height 1, kernel height 1
            g.n = in[0]; g.c = in[1]; g.o = wt[0]; g.groups = groups;
            g.h = lead == 0 ? in[2] : 1; g.w = in[in.length - 1];
            g.kh = lead == 0 ? wt[2] : 1; g.kw = wt[wt.length - 1];
            g.sh = lead == 0 ? stride[0] : 1; g.sw = stride[spatial - 1];
            g.ph = lead == 0 ? padding[0] : 0; g.pw = padding[spatial - 1];
            g.dh = lead == 0 ? dilation[0] : 1; g.dw = dilation[spatial - 1];
            g.oh = (g.h + 2 * g.ph - g.dh * (g.kh - 1) - 1) / g.sh + 1;
            g.ow = (g.w + 2 * g.pw - g.dw * (g.kw - 1) - 1) / g.sw + 1;
            g.cg = g.c / groups; g.og = g.o / groups;
            g.kk = g.cg * g.kh * g.kw; g.ohw = g.oh * g.ow;
            return g;
        }

        /** A 1x1 kernel with stride 1 and no padding reads the input plane as the patch matrix itself. */
        boolean pointwise() { return kh == 1 && kw == 1 && sh == 1 && sw == 1 && ph == 0 && pw == 0; }
    }

    /** The 2-d convolution node: inputs (input [N, C, H, W], weight [O, C/groups, kH, kW], bias [O] or null). */
    static final class Conv2d extends Function {
        private final Geometry g;
        Conv2d(Geometry g) { this.g = g; }

        @Override protected Tensor forward(Tensor... in) {
            DType dt = in[0].dtype();
            Tensor bias = in.length > 2 ? in[2] : null;
            if (!dt.isFloatingPoint()) throw new IllegalArgumentException("conv2d is implemented for float32 and float64 input, got " + dt);
            if (in[1].dtype() != dt || (bias != null && bias.dtype() != dt)) {
                throw new IllegalArgumentException("Input type (" + dt + "), weight type (" + in[1].dtype() + ")" + (bias != null ? " and bias type (" + bias.dtype() + ")" : "") + " should be the same");
            }
            Tensor x = Dispatch.dense(in[0], dt), w = Dispatch.dense(in[1], dt);
            Tensor b = bias == null ? null : Dispatch.dense(bias, dt);
            Tensor out = Tensor.empty(new int[]{g.n, g.o, g.oh, g.ow}, dt);
            forward(Lane.of(dt), x, w, b, out);
            save(x, w);
            return out;
        }

        /**
         * dX and dW are ops of their own ({@link InputGrad}, {@link WeightGrad}), each linear in the incoming
         * gradient, so a graph built with createGraph differentiates through them again.
         */
        @Override protected Tensor[] backward(Tensor grad) {
            Tensor x = saved(0), w = saved(1);
            Tensor[] grads = new Tensor[inputs().length];
            if (needsInputGrad(0)) grads[0] = new InputGrad(g).apply(grad, w);
            if (needsInputGrad(1)) grads[1] = new WeightGrad(g).apply(grad, x);
            if (grads.length > 2 && needsInputGrad(2)) grads[2] = grad.sum(new int[]{0, 2, 3}, false);
            return grads;
        }

        @Override public String name() { return "ConvolutionBackward0"; }

        // Each step is written once over a Lane; the float32 and float64 call sites are each monomorphic.

        private <A> void forward(Lane<A> lane, Tensor xt, Tensor wt, Tensor bt, Tensor yt) {
            A x = lane.array(xt), w = lane.array(wt), y = lane.array(yt), b = bt == null ? null : lane.array(bt);
            boolean pw = g.pointwise();
            forRange(g.n, (start, end) -> {
                A col = pw ? null : lane.alloc(g.kk * g.ohw);
                for (int i = start; i < end; i++) {
                    for (int gr = 0; gr < g.groups; gr++) {
                        int xo = (i * g.c + gr * g.cg) * g.h * g.w, yo = (i * g.o + gr * g.og) * g.ohw;
                        if (!pw) im2col(lane, x, xo, g, col);
                        if (b != null) for (int oc = 0; oc < g.og; oc++) lane.fill(y, yo + oc * g.ohw, yo + (oc + 1) * g.ohw, lane.get(b, gr * g.og + oc));
                        lane.gemm(false, false, g.og, g.ohw, g.kk, w, gr * g.og * g.kk, g.kk, pw ? x : col, pw ? xo : 0, g.ohw, y, yo, g.ohw, b != null);
                    }
                }
            });
        }
    }

    /** dX: per group, dCol = W^T dY, folded back onto the input plane by col2im. */
    private static <A> void inputGrad(Geometry g, Lane<A> lane, Tensor gyt, Tensor wt, Tensor gxt) {
        A gy = lane.array(gyt), w = lane.array(wt), gx = lane.array(gxt);
        boolean pw = g.pointwise();
        forRange(g.n, (start, end) -> {
            A col = pw ? null : lane.alloc(g.kk * g.ohw);
            for (int i = start; i < end; i++) {
                for (int gr = 0; gr < g.groups; gr++) {
                    int xo = (i * g.c + gr * g.cg) * g.h * g.w, yo = (i * g.o + gr * g.og) * g.ohw;
                    lane.gemm(true, false, g.kk, g.ohw, g.og, w, gr * g.og * g.kk, g.kk, gy, yo, g.ohw, pw ? gx : col, pw ? xo : 0, g.ohw, false);
                    if (!pw) col2im(lane, col, g, gx, xo);
                }
            }
        });
    }

    /** dW: per group, sum over samples of dY Col^T; each thread chunk sums into its own buffer, merged in order. */
    private static <A> void weightGrad(Geometry g, Lane<A> lane, Tensor gyt, Tensor xt, Tensor gwt) {
        A gy = lane.array(gyt), x = lane.array(xt), gw = lane.array(gwt);
        boolean pw = g.pointwise();
        int size = g.o * g.kk;
        Map<Integer, A> partial = new TreeMap<>();
        forRange(g.n, (start, end) -> {
            A col = pw ? null : lane.alloc(g.kk * g.ohw);
            A acc = lane.alloc(size);
            for (int i = start; i < end; i++) {
                for (int gr = 0; gr < g.groups; gr++) {
                    int xo = (i * g.c + gr * g.cg) * g.h * g.w, yo = (i * g.o + gr * g.og) * g.ohw;
                    if (!pw) im2col(lane, x, xo, g, col);
                    lane.gemm(false, true, g.og, g.kk, g.ohw, gy, yo, g.ohw, pw ? x : col, pw ? xo : 0, g.ohw, acc, gr * g.og * g.kk, g.kk, true);
                }
            }
            synchronized (partial) { partial.put(start, acc); }
        });
        lane.fill(gw, 0, size, 0);
        for (A acc : partial.values()) lane.addTo(gw, 0, 1, acc, 0, size);
    }

    /** dX = conv2d's input gradient from (dY, W): the transposed convolution. Its own gradient is conv2d and {@link WeightGrad}. */
    static final class InputGrad extends Function {
        private final Geometry g;
        InputGrad(Geometry g) { this.g = g; }

        @Override protected Tensor forward(Tensor... in) {
            DType dt = in[1].dtype();
            Tensor gy = Dispatch.dense(in[0], dt), w = Dispatch.dense(in[1], dt);
            Tensor gx = Tensor.empty(new int[]{g.n, g.c, g.h, g.w}, dt);
            inputGrad(g, Lane.of(dt), gy, w, gx);
            save(gy, w);
            return gx;
        }

        /** Linear in each input: d/d(dY) is the convolution of the incoming gradient with W, d/dW the weight gradient of that convolution. */
        @Override protected Tensor[] backward(Tensor ggx) {
            Tensor gy = saved(0), w = saved(1);
            return new Tensor[]{needsInputGrad(0) ? new Conv2d(g).apply(ggx, w, null) : null, needsInputGrad(1) ? new WeightGrad(g).apply(gy, ggx) : null};
        }

        @Override public String name() { return "ConvolutionBackwardInput"; }
    }

    /** dW = conv2d's weight gradient from (dY, X). Its own gradient is conv2d and {@link InputGrad}. */
    static final class WeightGrad extends Function {
        private final Geometry g;
        WeightGrad(Geometry g) { this.g = g; }

        @Override protected Tensor forward(Tensor... in) {
            DType dt = in[1].dtype();
            Tensor gy = Dispatch.dense(in[0], dt), x = Dispatch.dense(in[1], dt);
            Tensor gw = Tensor.empty(new int[]{g.o, g.cg, g.kh, g.kw}, dt);
            weightGrad(g, Lane.of(dt), gy, x, gw);
            save(gy, x);
            return gw;
        }

        @Override protected Tensor[] backward(Tensor ggw) {
            Tensor gy = saved(0), x = saved(1);
            return new Tensor[]{needsInputGrad(0) ? new Conv2d(g).apply(x, ggw, null) : null, needsInputGrad(1) ? new InputGrad(g).apply(gy, ggw) : null};
        }

        @Override public String name() { return "ConvolutionBackwardWeight"; }
    }

    // ---------------------------------------------------------------- float32 / float64 arrays

    /**
     * The few array primitives the convolution steps need, over float[] (float32) or double[] (float64), so
     * every step above and im2col/col2im below is written once; each primitive is a tight loop or Gemm call.
     */
    abstract static class Lane<A> {
        /** The lane of a floating dtype: float32 or (any other) float64. */
        static Lane<?> of(DType dt) { return dt == DType.FLOAT32 ? F32 : F64; }

        abstract A array(Tensor dense);
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
            @Override float[] array(Tensor t) { return t.storage().floats(); }
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
            @Override double[] array(Tensor t) { return t.storage().doubles(); }
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

    // ---------------------------------------------------------------- im2col / col2im

    /**
     * Output columns ox whose input column ox*stride + first lies in [0, w): returns {from, to}. Outside that
     * range the patch reads padding.
     */
    private static int validFrom(int first, int stride) { return first >= 0 ? 0 : (-first + stride - 1) / stride; }

    private static int validTo(int first, int stride, int w, int ow) { return first >= w ? 0 : Math.min(ow, (w - first + stride - 1) / stride); }

    /** Unfolds the cg input planes at x[xo..] into col, row (c, ki, kj), column (oy, ox); padding reads as 0. */
    static <A> void im2col(Lane<A> lane, A x, int xo, Geometry g, A col) {
        int row = 0;
        for (int c = 0; c < g.cg; c++) {
            int plane = xo + c * g.h * g.w;
            for (int ki = 0; ki < g.kh; ki++) {
                for (int kj = 0; kj < g.kw; kj++, row++) {
                    int first = kj * g.dw - g.pw;
                    int from = validFrom(first, g.sw), to = Math.max(from, validTo(first, g.sw, g.w, g.ow));
                    for (int oy = 0; oy < g.oh; oy++) {
                        int dst = row * g.ohw + oy * g.ow, iy = oy * g.sh - g.ph + ki * g.dh;
                        if (iy < 0 || iy >= g.h) { lane.fill(col, dst, dst + g.ow, 0); continue; }
                        int src = plane + iy * g.w + first;
                        if (from > 0) lane.fill(col, dst, dst + from, 0);
                        lane.gather(x, src + from * g.sw, g.sw, col, dst + from, to - from);
                        if (to < g.ow) lane.fill(col, dst + to, dst + g.ow, 0);
                    }
                }
            }
        }
    }

    /** The adjoint of im2col: adds every patch entry back onto its input position (gx planes are overwritten first). */
    static <A> void col2im(Lane<A> lane, A col, Geometry g, A gx, int xo) {
        lane.fill(gx, xo, xo + g.cg * g.h * g.w, 0);
        int row = 0;
        for (int c = 0; c < g.cg; c++) {
            int plane = xo + c * g.h * g.w;
            for (int ki = 0; ki < g.kh; ki++) {
                for (int kj = 0; kj < g.kw; kj++, row++) {
                    int first = kj * g.dw - g.pw;
                    int from = validFrom(first, g.sw), to = validTo(first, g.sw, g.w, g.ow);
                    if (to <= from) continue;
                    for (int oy = 0; oy < g.oh; oy++) {
                        int iy = oy * g.sh - g.ph + ki * g.dh;
                        if (iy < 0 || iy >= g.h) continue;
                        int src = row * g.ohw + oy * g.ow, dst = plane + iy * g.w + first;
                        lane.addTo(gx, dst + from * g.sw, g.sw, col, src + from, to - from);
                    }
                }
            }
        }
    }

    /** Work on items [start, end). */
    interface RangeBody { void run(int start, int end); }

    /** One chunk of samples (or planes) per Ember CPU thread; GEMMs inside a chunk then run inline. */
    static void forRange(int n, RangeBody body) {
        Parallel.forRange(n, 1, body::run);
    }
}
