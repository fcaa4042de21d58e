package dev.ember.engine.ops;

import dev.ember.engine.DType;
import dev.ember.engine.Shape;
import dev.ember.engine.Tensor;
import dev.ember.engine.autograd.Function;
import dev.ember.engine.autograd.GradMode;
import dev.ember.engine.backend.cpu.CpuKernels;
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
            Tensor x = CpuKernels.dense(in[0], dt), w = CpuKernels.dense(in[1], dt);
            Tensor b = bias == null ? null : CpuKernels.dense(bias, dt);
            Tensor out = Tensor.empty(new int[]{g.n, g.o, g.oh, g.ow}, dt);
            if (dt == DType.FLOAT32) forwardFloat(x.storage().floats(), w.storage().floats(), b == null ? null : b.storage().floats(), out.storage().floats());
            else forwardDouble(x.storage().doubles(), w.storage().doubles(), b == null ? null : b.storage().doubles(), out.storage().doubles());
            save(x, w);
            return out;
        }

        @Override protected Tensor[] backward(Tensor grad) {
            if (GradMode.isEnabled()) throw new UnsupportedOperationException("double backward (createGraph=true) through conv2d/conv1d is not supported yet");
            Tensor x = saved(0), w = saved(1);
            DType dt = x.dtype();
            Tensor gy = CpuKernels.dense(grad, dt);
            Tensor[] grads = new Tensor[inputs().length];
            if (needsInputGrad(0)) grads[0] = Tensor.empty(x.shape(), dt);
            if (needsInputGrad(1)) grads[1] = Tensor.empty(w.shape(), dt);
            if (grads.length > 2 && needsInputGrad(2)) grads[2] = Tensor.empty(new int[]{g.o}, dt);
            if (dt == DType.FLOAT32) {
                float[] gyf = gy.storage().floats(), xf = x.storage().floats(), wf = w.storage().floats();
                if (grads[0] != null) inputGradFloat(gyf, wf, grads[0].storage().floats());
                if (grads[1] != null) weightGradFloat(gyf, xf, grads[1].storage().floats());
                if (grads.length > 2 && grads[2] != null) {
                    double[] s = biasGrad(gyf, null);
                    float[] bf = grads[2].storage().floats();
                    for (int i = 0; i < s.length; i++) bf[i] = (float) s[i];
                }
            } else {
                double[] gyd = gy.storage().doubles(), xd = x.storage().doubles(), wd = w.storage().doubles();
                if (grads[0] != null) inputGradDouble(gyd, wd, grads[0].storage().doubles());
                if (grads[1] != null) weightGradDouble(gyd, xd, grads[1].storage().doubles());
                if (grads.length > 2 && grads[2] != null) System.arraycopy(biasGrad(null, gyd), 0, grads[2].storage().doubles(), 0, g.o);
            }
            return grads;
        }

        @Override public String name() { return "ConvolutionBackward0"; }

        // ------------------------------------------------------------ float32 lane

        private void forwardFloat(float[] x, float[] w, float[] b, float[] y) {
            boolean pw = g.pointwise();
            forRange(g.n, (start, end) -> {
                float[] col = pw ? null : new float[g.kk * g.ohw];
                for (int i = start; i < end; i++) {
                    for (int gr = 0; gr < g.groups; gr++) {
                        int xo = (i * g.c + gr * g.cg) * g.h * g.w, yo = (i * g.o + gr * g.og) * g.ohw;
                        if (!pw) im2col(x, xo, g, col);
                        if (b != null) for (int oc = 0; oc < g.og; oc++) Arrays.fill(y, yo + oc * g.ohw, yo + (oc + 1) * g.ohw, b[gr * g.og + oc]);
                        Gemm.sgemm(false, false, g.og, g.ohw, g.kk, w, gr * g.og * g.kk, g.kk, pw ? x : col, pw ? xo : 0, g.ohw, y, yo, g.ohw, b != null);
                    }
                }
            });
        }

        /** dX: per group, dCol = W^T dY, folded back onto the input plane by col2im. */
        private void inputGradFloat(float[] gy, float[] w, float[] gx) {
            boolean pw = g.pointwise();
            forRange(g.n, (start, end) -> {
                float[] col = pw ? null : new float[g.kk * g.ohw];
                for (int i = start; i < end; i++) {
                    for (int gr = 0; gr < g.groups; gr++) {
                        int xo = (i * g.c + gr * g.cg) * g.h * g.w, yo = (i * g.o + gr * g.og) * g.ohw;
                        Gemm.sgemm(true, false, g.kk, g.ohw, g.og, w, gr * g.og * g.kk, g.kk, gy, yo, g.ohw, pw ? gx : col, pw ? xo : 0, g.ohw, false);
                        if (!pw) col2im(col, g, gx, xo);
                    }
                }
            });
        }

        /** dW: per group, sum over samples of dY Col^T; each thread chunk sums into its own buffer, merged in order. */
        private void weightGradFloat(float[] gy, float[] x, float[] gw) {
            boolean pw = g.pointwise();
            Map<Integer, float[]> partial = new TreeMap<>();
            forRange(g.n, (start, end) -> {
                float[] col = pw ? null : new float[g.kk * g.ohw];
                float[] acc = new float[gw.length];
                for (int i = start; i < end; i++) {
                    for (int gr = 0; gr < g.groups; gr++) {
                        int xo = (i * g.c + gr * g.cg) * g.h * g.w, yo = (i * g.o + gr * g.og) * g.ohw;
                        if (!pw) im2col(x, xo, g, col);
                        Gemm.sgemm(false, true, g.og, g.kk, g.ohw, gy, yo, g.ohw, pw ? x : col, pw ? xo : 0, g.ohw, acc, gr * g.og * g.kk, g.kk, true);
                    }
                }
                synchronized (partial) { partial.put(start, acc); }
            });
            Arrays.fill(gw, 0f);
            for (float[] acc : partial.values()) for (int j = 0; j < gw.length; j++) gw[j] += acc[j];
        }

        // ------------------------------------------------------------ float64 lane (same steps)

        private void forwardDouble(double[] x, double[] w, double[] b, double[] y) {
            boolean pw = g.pointwise();
            forRange(g.n, (start, end) -> {
                double[] col = pw ? null : new double[g.kk * g.ohw];
                for (int i = start; i < end; i++) {
                    for (int gr = 0; gr < g.groups; gr++) {
                        int xo = (i * g.c + gr * g.cg) * g.h * g.w, yo = (i * g.o + gr * g.og) * g.ohw;
                        if (!pw) im2col(x, xo, g, col);
                        if (b != null) for (int oc = 0; oc < g.og; oc++) Arrays.fill(y, yo + oc * g.ohw, yo + (oc + 1) * g.ohw, b[gr * g.og + oc]);
                        Gemm.dgemm(false, false, g.og, g.ohw, g.kk, w, gr * g.og * g.kk, g.kk, pw ? x : col, pw ? xo : 0, g.ohw, y, yo, g.ohw, b != null);
                    }
                }
            });
        }

        private void inputGradDouble(double[] gy, double[] w, double[] gx) {
            boolean pw = g.pointwise();
            forRange(g.n, (start, end) -> {
                double[] col = pw ? null : new double[g.kk * g.ohw];
                for (int i = start; i < end; i++) {
                    for (int gr = 0; gr < g.groups; gr++) {
                        int xo = (i * g.c + gr * g.cg) * g.h * g.w, yo = (i * g.o + gr * g.og) * g.ohw;
                        Gemm.dgemm(true, false, g.kk, g.ohw, g.og, w, gr * g.og * g.kk, g.kk, gy, yo, g.ohw, pw ? gx : col, pw ? xo : 0, g.ohw, false);
                        if (!pw) col2im(col, g, gx, xo);
                    }
                }
            });
        }

        private void weightGradDouble(double[] gy, double[] x, double[] gw) {
            boolean pw = g.pointwise();
            Map<Integer, double[]> partial = new TreeMap<>();
            forRange(g.n, (start, end) -> {
                double[] col = pw ? null : new double[g.kk * g.ohw];
                double[] acc = new double[gw.length];
                for (int i = start; i < end; i++) {
                    for (int gr = 0; gr < g.groups; gr++) {
                        int xo = (i * g.c + gr * g.cg) * g.h * g.w, yo = (i * g.o + gr * g.og) * g.ohw;
                        if (!pw) im2col(x, xo, g, col);
                        Gemm.dgemm(false, true, g.og, g.kk, g.ohw, gy, yo, g.ohw, pw ? x : col, pw ? xo : 0, g.ohw, acc, gr * g.og * g.kk, g.kk, true);
                    }
                }
                synchronized (partial) { partial.put(start, acc); }
            });
            Arrays.fill(gw, 0);
            for (double[] acc : partial.values()) for (int j = 0; j < gw.length; j++) gw[j] += acc[j];
        }

        /** dB[o] = sum of dY over samples and positions (accumulated in double). */
        private double[] biasGrad(float[] gf, double[] gd) {
            double[] s = new double[g.o];
            for (int i = 0; i < g.n; i++) {
                for (int oc = 0; oc < g.o; oc++) {
                    int base = (i * g.o + oc) * g.ohw;
                    double acc = 0;
                    if (gf != null) for (int j = 0; j < g.ohw; j++) acc += gf[base + j];
                    else for (int j = 0; j < g.ohw; j++) acc += gd[base + j];
                    s[oc] += acc;
                }
            }
            return s;
        }
    }

    // ---------------------------------------------------------------- im2col / col2im

    /**
     * Output columns ox whose input column ox*stride + first lies in [0, w): returns {from, to}. Outside that
     * range the patch reads padding.
     */
    private static int validFrom(int first, int stride) { return first >= 0 ? 0 : (-first + stride - 1) / stride; }

    private static int validTo(int first, int stride, int w, int ow) { return first >= w ? 0 : Math.min(ow, (w - first + stride - 1) / stride); }

    /** Unfolds the cg input planes at x[xo..] into col, row (c, ki, kj), column (oy, ox); padding reads as 0. */
    static void im2col(float[] x, int xo, Geometry g, float[] col) {
        int row = 0;
        for (int c = 0; c < g.cg; c++) {
            int plane = xo + c * g.h * g.w;
            for (int ki = 0; ki < g.kh; ki++) {
                for (int kj = 0; kj < g.kw; kj++, row++) {
                    int first = kj * g.dw - g.pw;
                    int from = validFrom(first, g.sw), to = Math.max(from, validTo(first, g.sw, g.w, g.ow));
                    for (int oy = 0; oy < g.oh; oy++) {
                        int dst = row * g.ohw + oy * g.ow, iy = oy * g.sh - g.ph + ki * g.dh;
                        if (iy < 0 || iy >= g.h) { Arrays.fill(col, dst, dst + g.ow, 0f); continue; }
                        int src = plane + iy * g.w + first;
                        if (from > 0) Arrays.fill(col, dst, dst + from, 0f);
                        if (g.sw == 1) System.arraycopy(x, src + from, col, dst + from, to - from);
                        else for (int ox = from; ox < to; ox++) col[dst + ox] = x[src + ox * g.sw];
                        if (to < g.ow) Arrays.fill(col, dst + to, dst + g.ow, 0f);
                    }
                }
            }
        }
    }

    /** The adjoint of im2col: adds every patch entry back onto its input position (gx planes are overwritten first). */
    static void col2im(float[] col, Geometry g, float[] gx, int xo) {
        Arrays.fill(gx, xo, xo + g.cg * g.h * g.w, 0f);
        int row = 0;
        for (int c = 0; c < g.cg; c++) {
            int plane = xo + c * g.h * g.w;
            for (int ki = 0; ki < g.kh; ki++) {
                for (int kj = 0; kj < g.kw; kj++, row++) {
                    int first = kj * g.dw - g.pw;
                    int from = validFrom(first, g.sw), to = validTo(first, g.sw, g.w, g.ow);
                    for (int oy = 0; oy < g.oh; oy++) {
                        int iy = oy * g.sh - g.ph + ki * g.dh;
                        if (iy < 0 || iy >= g.h) continue;
                        int src = row * g.ohw + oy * g.ow, dst = plane + iy * g.w + first;
                        for (int ox = from; ox < to; ox++) gx[dst + ox * g.sw] += col[src + ox];
                    }
                }
            }
        }
    }

    static void im2col(double[] x, int xo, Geometry g, double[] col) {
        int row = 0;
        for (int c = 0; c < g.cg; c++) {
            int plane = xo + c * g.h * g.w;
            for (int ki = 0; ki < g.kh; ki++) {
                for (int kj = 0; kj < g.kw; kj++, row++) {
                    int first = kj * g.dw - g.pw;
                    int from = validFrom(first, g.sw), to = Math.max(from, validTo(first, g.sw, g.w, g.ow));
                    for (int oy = 0; oy < g.oh; oy++) {
                        int dst = row * g.ohw + oy * g.ow, iy = oy * g.sh - g.ph + ki * g.dh;
                        if (iy < 0 || iy >= g.h) { Arrays.fill(col, dst, dst + g.ow, 0); continue; }
                        int src = plane + iy * g.w + first;
                        if (from > 0) Arrays.fill(col, dst, dst + from, 0);
                        for (int ox = from; ox < to; ox++) col[dst + ox] = x[src + ox * g.sw];
                        if (to < g.ow) Arrays.fill(col, dst + to, dst + g.ow, 0);
                    }
                }
            }
        }
    }

    static void col2im(double[] col, Geometry g, double[] gx, int xo) {
        Arrays.fill(gx, xo, xo + g.cg * g.h * g.w, 0);
        int row = 0;
        for (int c = 0; c < g.cg; c++) {
            int plane = xo + c * g.h * g.w;
            for (int ki = 0; ki < g.kh; ki++) {
                for (int kj = 0; kj < g.kw; kj++, row++) {
                    int first = kj * g.dw - g.pw;
                    int from = validFrom(first, g.sw), to = validTo(first, g.sw, g.w, g.ow);
                    for (int oy = 0; oy < g.oh; oy++) {
                        int iy = oy * g.sh - g.ph + ki * g.dh;
                        if (iy < 0 || iy >= g.h) continue;
                        int src = row * g.ohw + oy * g.ow, dst = plane + iy * g.w + first;
                        for (int ox = from; ox < to; ox++) gx[dst + ox * g.sw] += col[src + ox];
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
