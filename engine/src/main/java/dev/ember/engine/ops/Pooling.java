package dev.ember.engine.ops;

import dev.ember.engine.DType;
import dev.ember.engine.Shape;
import dev.ember.engine.Storage;
import dev.ember.engine.Tensor;
import dev.ember.engine.autograd.Function;
import dev.ember.engine.backend.cpu.Lane;
import dev.ember.engine.backend.cpu.Parallel;

import java.util.Arrays;

/**
 * 2-d pooling over [N, C, H, W] or unbatched [C, H, W] input: max (with the argmax indices, which backward
 * routes the gradient through), average and adaptive average. Each (sample, channel) plane is independent, so
 * planes are split across threads.
 */
public final class Pooling {
    private Pooling() {}

    /** The result of {@link #maxPool2dWithIndices}: values and int64 indices into each flattened H*W input plane. */
    public record ValuesIndices(Tensor values, Tensor indices) {}

    /** Window geometry shared by the pools: output size per PyTorch's formula, with ceil mode's "last window starts inside" rule. */
    private static final class Window {
        int planes, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow;

        static Window of(String op, int[] in, int[] kernel, int[] stride, int[] padding, int[] dilation, boolean ceilMode, boolean maxPool) {
            kernel = pair(op, "kernel_size", kernel);
            stride = stride == null || stride.length == 0 ? kernel : pair(op, "stride", stride);
            padding = pair(op, "padding", padding);
            dilation = pair(op, "dilation", dilation);
            for (int k : kernel) if (k <= 0) throw new IllegalArgumentException(op + ": kernel size should be greater than zero, but got kernel_size=" + Arrays.toString(kernel));
            for (int s : stride) if (s <= 0) throw new IllegalArgumentException(op + ": stride should be greater than zero, but got stride=" + Arrays.toString(stride));
            for (int d : dilation) if (d <= 0) throw new IllegalArgumentException(op + ": dilation should be greater than zero, but got dilation=" + Arrays.toString(dilation));
            for (int i = 0; i < 2; i++) {
                int effective = maxPool ? dilation[i] * (kernel[i] - 1) + 1 : kernel[i];
                if (padding[i] < 0 || padding[i] > effective / 2) {
                    throw new IllegalArgumentException("pad should be at most half of " + (maxPool ? "effective " : "") + "kernel size, but got pad=" + padding[i] + " and kernel_size=" + kernel[i]
                            + (maxPool && dilation[i] != 1 ? " and dilation=" + dilation[i] : ""));
                }
            }
            Window g = new Window();
            g.planes = in[0] * in[1]; g.h = in[2]; g.w = in[3];
            g.kh = kernel[0]; g.kw = kernel[1]; g.sh = stride[0]; g.sw = stride[1];
            g.ph = padding[0]; g.pw = padding[1]; g.dh = dilation[0]; g.dw = dilation[1];
            g.oh = outSize(g.h, g.kh, g.sh, g.ph, g.dh, ceilMode);
            g.ow = outSize(g.w, g.kw, g.sw, g.pw, g.dw, ceilMode);
            if (g.oh < 1 || g.ow < 1) {
                throw new IllegalArgumentException("Given input size: (" + in[1] + "x" + g.h + "x" + g.w + "). Calculated output size: (" + in[1] + "x" + Math.max(g.oh, 0) + "x" + Math.max(g.ow, 0)
                        + "). Output size is too small");
            }
            return g;
        }

        static int outSize(int size, int k, int s, int p, int d, boolean ceil) {
            int span = size + 2 * p - d * (k - 1) - 1;
            if (span < 0) return 0;
            int out = (ceil ? (span + s - 1) / s : span / s) + 1;
            // In ceil mode the last window must start inside the input or the left padding.
            if (ceil && (out - 1) * s >= size + p) out--;
            return out;
        }
    }

    static int[] pair(String op, String name, int[] v) {
        if (v.length == 1) return new int[]{v[0], v[0]};
        if (v.length != 2) throw new IllegalArgumentException(op + ": " + name + " must be a single int or a pair of ints, got " + Arrays.toString(v));
        return v;
    }

    /** Checks for [C, H, W] / [N, C, H, W] and returns the batched 4-d view. */
    private static Tensor batched(String op, Tensor input) {
        if ((input.dim() != 3 && input.dim() != 4) || input.numel() == 0) {
            throw new IllegalArgumentException(op + ": Expected 3D or 4D (batch mode) non-empty tensor for input, but got " + Shape.str(input.shape()));
        }
        if (!input.dtype().isFloatingPoint()) throw new IllegalArgumentException(op + " is implemented for float32 and float64 input, got " + input.dtype());
        return input.dim() == 3 ? input.unsqueeze(0) : input;
    }

    // ---------------------------------------------------------------- max pool

    /** torch.nn.functional.max_pool2d; stride null or empty means stride = kernel size. */
    public static Tensor maxPool2d(Tensor input, int[] kernelSize, int[] stride, int[] padding, int[] dilation, boolean ceilMode) {
        Tensor x = batched("max_pool2d", input);
        Tensor out = new MaxPool2d(Window.of("max_pool2d", x.shape(), kernelSize, stride, padding, dilation, ceilMode, true)).apply(x);
        return input.dim() == 3 ? out.squeeze(0) : out;
    }

    /** max_pool2d with return_indices=True: the indices are flat positions in each input plane (for MaxUnpool or inspection). */
    public static ValuesIndices maxPool2dWithIndices(Tensor input, int[] kernelSize, int[] stride, int[] padding, int[] dilation, boolean ceilMode) {
        Tensor x = batched("max_pool2d", input);
        Window g = Window.of("max_pool2d", x.shape(), kernelSize, stride, padding, dilation, ceilMode, true);
        MaxPool2d fn = new MaxPool2d(g);
        Tensor out = fn.apply(x);
        long[] idx = new long[fn.indices.length];
        for (int i = 0; i < idx.length; i++) idx[i] = fn.indices[i];
        Tensor indices = Tensor.fromStorage(Storage.of(idx), out.shape());
        return input.dim() == 3 ? new ValuesIndices(out.squeeze(0), indices.squeeze(0)) : new ValuesIndices(out, indices);
    }

    static final class MaxPool2d extends Function {
        private final Window g;
        int[] indices;
        MaxPool2d(Window g) { this.g = g; }

        @Override protected Tensor forward(Tensor... in) {
            DType dt = in[0].dtype();
            Tensor x = Dispatch.dense(in[0], dt);
            int[] shape = in[0].shape();
            Tensor out = Tensor.empty(new int[]{shape[0], shape[1], g.oh, g.ow}, dt);
            indices = new int[g.planes * g.oh * g.ow];
            boolean f32 = dt == DType.FLOAT32;
            float[] xf = f32 ? x.storage().floats() : null, yf = f32 ? out.storage().floats() : null;
            double[] xd = f32 ? null : x.storage().doubles(), yd = f32 ? null : out.storage().doubles();
            // Every window whole (no padding, no ceil-mode overhang): the common 2x2 pool gets its own loop.
            if (f32 && g.kh == 2 && g.kw == 2 && g.sh == 2 && g.sw == 2 && g.ph == 0 && g.pw == 0 && g.dh == 1 && g.dw == 1
                    && 2 * g.oh <= g.h && 2 * g.ow <= g.w) {
                Parallel.forRange(g.planes, 1, (start, end) -> maxPool2x2(xf, yf, start, end));
                return out;
            }
            Parallel.forRange(g.planes, 1, (start, end) -> {
                for (int p = start; p < end; p++) {
                    int xo = p * g.h * g.w, yo = p * g.oh * g.ow;
                    for (int oy = 0; oy < g.oh; oy++) {
                        int y0 = oy * g.sh - g.ph;
                        for (int ox = 0; ox < g.ow; ox++) {
                            int x0 = ox * g.sw - g.pw;
                            int best = -1;
                            double max = Double.NEGATIVE_INFINITY;
                            for (int ki = 0; ki < g.kh; ki++) {
                                int iy = y0 + ki * g.dh;
                                if (iy < 0 || iy >= g.h) continue;
                                for (int kj = 0; kj < g.kw; kj++) {
                                    int ix = x0 + kj * g.dw;
                                    if (ix < 0 || ix >= g.w) continue;
                                    int pos = iy * g.w + ix;
                                    double v = f32 ? xf[xo + pos] : xd[xo + pos];
                                    // A NaN wins (the last one seen), as in PyTorch.
                                    if (best < 0 || v > max || Double.isNaN(v)) {
                                        best = pos;
                                        max = v;
                                    }
                                }
                            }
                            int o = yo + oy * g.ow + ox;
                            indices[o] = best;
                            if (f32) yf[o] = (float) max;
                            else yd[o] = max;
                        }
                    }
                }
            });
            return out;
        }

        /** The 2x2 window with stride 2 in float32, all windows inside the input: no bounds checks, float compares. */
        private void maxPool2x2(float[] x, float[] y, int start, int end) {
            int[] idx = indices;
            int w = g.w, hw = g.h * g.w, oh = g.oh, ow = g.ow;
            for (int p = start; p < end; p++) {
                int xo = p * hw, yo = p * oh * ow;
                for (int oy = 0; oy < oh; oy++) {
                    for (int ox = 0; ox < ow; ox++) {
                        int pos = 2 * oy * w + 2 * ox, best = pos;
                        float max = x[xo + pos];
                        // Same order and NaN rule as the general loop: a later NaN or larger value wins.
                        float v = x[xo + pos + 1];
                        if (v > max || v != v) { best = pos + 1; max = v; }
                        v = x[xo + pos + w];
                        if (v > max || v != v) { best = pos + w; max = v; }
                        v = x[xo + pos + w + 1];
                        if (v > max || v != v) { best = pos + w + 1; max = v; }
                        int o = yo + oy * ow + ox;
                        idx[o] = best;
                        y[o] = max;
                    }
                }
            }
        }

        /** Each output's gradient goes to the input element its index names: {@link Scatter}, itself differentiable. */
        @Override protected Tensor[] backward(Tensor grad) {
            return new Tensor[]{new Scatter(this, inputs()[0].shape()).apply(grad)};
        }

        @Override public String name() { return "MaxPool2DWithIndicesBackward0"; }
    }

    /** Max pool's gradient: adds each output's gradient onto the input element its index names. Its adjoint is {@link Gather}. */
    static final class Scatter extends Function {
        private final MaxPool2d pool;
        private final int[] inputShape;
        Scatter(MaxPool2d pool, int[] inputShape) { this.pool = pool; this.inputShape = inputShape; }

        @Override protected Tensor forward(Tensor... in) {
            Tensor gx = Tensor.zeros(inputShape, in[0].dtype());
            scatter(Lane.of(gx.dtype()), Dispatch.dense(in[0], gx.dtype()), gx);
            return gx;
        }

        @Override protected Tensor[] backward(Tensor grad) { return new Tensor[]{new Gather(pool, inputShape).apply(grad)}; }

        /** Float sums round as float adds. */
        private <A> void scatter(Lane<A> lane, Tensor gyt, Tensor gxt) {
            A a = lane.array(gyt.storage().buffer()), b = lane.array(gxt.storage().buffer());
            Window g = pool.g;
            int hw = g.h * g.w, ohw = g.oh * g.ow;
            Parallel.forRange(g.planes, 1, (s, e) -> {
                for (int p = s; p < e; p++) {
                    for (int j = 0; j < ohw; j++) {
                        int to = p * hw + pool.indices[p * ohw + j];
                        lane.set(b, to, lane.get(b, to) + lane.get(a, p * ohw + j));
                    }
                }
            });
        }

        @Override public String name() { return "MaxPool2DWithIndicesBackwardBackward"; }
    }

    /** Reads, for each pooled output, the input element its index names: the adjoint of {@link Scatter}. */
    static final class Gather extends Function {
        private final MaxPool2d pool;
        private final int[] inputShape;
        Gather(MaxPool2d pool, int[] inputShape) { this.pool = pool; this.inputShape = inputShape; }

        @Override protected Tensor forward(Tensor... in) {
            DType dt = in[0].dtype();
            Tensor out = Tensor.empty(new int[]{inputShape[0], inputShape[1], pool.g.oh, pool.g.ow}, dt);
            gather(Lane.of(dt), Dispatch.dense(in[0], dt), out);
            return out;
        }

        private <A> void gather(Lane<A> lane, Tensor xt, Tensor yt) {
            A x = lane.array(xt.storage().buffer()), y = lane.array(yt.storage().buffer());
            Window g = pool.g;
            int hw = g.h * g.w, ohw = g.oh * g.ow;
            for (int p = 0; p < g.planes; p++) {
                for (int j = 0; j < ohw; j++) lane.set(y, p * ohw + j, lane.get(x, p * hw + pool.indices[p * ohw + j]));
            }
        }

        @Override protected Tensor[] backward(Tensor grad) { return new Tensor[]{new Scatter(pool, inputShape).apply(grad)}; }

        @Override public String name() { return "MaxPool2DGather"; }
    }

    // ---------------------------------------------------------------- average pool

    /**
     * torch.nn.functional.avg_pool2d. countIncludePad counts padding zeros in the divisor (PyTorch's default);
     * divisorOverride, when positive, replaces the divisor.
     */
    public static Tensor avgPool2d(Tensor input, int[] kernelSize, int[] stride, int[] padding, boolean ceilMode, boolean countIncludePad, int divisorOverride) {
        Tensor x = batched("avg_pool2d", input);
        Window g = Window.of("avg_pool2d", x.shape(), kernelSize, stride, padding, new int[]{1}, ceilMode, false);
        int ohw = g.oh * g.ow;
        // Window bounds and divisor per output position; the same for every plane.
        int[] y0 = new int[ohw], y1 = new int[ohw], x0 = new int[ohw], x1 = new int[ohw];
        double[] scale = new double[ohw];
        for (int oy = 0; oy < g.oh; oy++) {
            for (int ox = 0; ox < g.ow; ox++) {
                int j = oy * g.ow + ox;
                int hs = oy * g.sh - g.ph, ws = ox * g.sw - g.pw;
                int he = Math.min(hs + g.kh, g.h + g.ph), we = Math.min(ws + g.kw, g.w + g.pw);
                int poolSize = (he - hs) * (we - ws);
                hs = Math.max(hs, 0); ws = Math.max(ws, 0);
                he = Math.min(he, g.h); we = Math.min(we, g.w);
                int divisor = divisorOverride > 0 ? divisorOverride : countIncludePad ? poolSize : (he - hs) * (we - ws);
                y0[j] = hs; y1[j] = he; x0[j] = ws; x1[j] = we;
                scale[j] = 1.0 / divisor;
            }
        }
        int[] shape = x.shape();
        Tensor out = new WindowSum(g, y0, y1, x0, x1, scale, new int[]{shape[0], shape[1], g.oh, g.ow}, "AvgPool2DBackward0").apply(x);
        return input.dim() == 3 ? out.squeeze(0) : out;
    }

    /** torch.nn.functional.adaptive_avg_pool2d: output cell i averages input rows floor(i*H/oH) .. ceil((i+1)*H/oH)-1 (same for columns). */
    public static Tensor adaptiveAvgPool2d(Tensor input, int[] outputSize) {
        if (input.dim() != 3 && input.dim() != 4) {
            throw new IllegalArgumentException("adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got " + Shape.str(input.shape()));
        }
        Tensor x = batched("adaptive_avg_pool2d", input);
        int[] os = pair("adaptive_avg_pool2d", "output_size", outputSize);
        if (os[0] <= 0 || os[1] <= 0) throw new IllegalArgumentException("adaptive_avg_pool2d: output_size must be positive, got " + Arrays.toString(outputSize));
        int[] shape = x.shape();
        Window g = new Window();
        g.planes = shape[0] * shape[1]; g.h = shape[2]; g.w = shape[3]; g.oh = os[0]; g.ow = os[1];
        int ohw = g.oh * g.ow;
        int[] y0 = new int[ohw], y1 = new int[ohw], x0 = new int[ohw], x1 = new int[ohw];
        double[] scale = new double[ohw];
        for (int oy = 0; oy < g.oh; oy++) {
            for (int ox = 0; ox < g.ow; ox++) {
                int j = oy * g.ow + ox;
                y0[j] = (int) ((long) oy * g.h / g.oh);
                y1[j] = (int) (((long) (oy + 1) * g.h + g.oh - 1) / g.oh);
                x0[j] = (int) ((long) ox * g.w / g.ow);
                x1[j] = (int) (((long) (ox + 1) * g.w + g.ow - 1) / g.ow);
                scale[j] = 1.0 / ((y1[j] - y0[j]) * (x1[j] - x0[j]));
            }
        }
        Tensor out = new WindowSum(g, y0, y1, x0, x1, scale, new int[]{shape[0], shape[1], g.oh, g.ow}, "AdaptiveAvgPool2DBackward0").apply(x);
        return input.dim() == 3 ? out.squeeze(0) : out;
    }

    /**
     * out[p, j] = scale[j] * sum of the plane p over rows y0[j]..y1[j]-1 and columns x0[j]..x1[j]-1: both average
     * pools are this with different windows and scales. Backward spreads scale[j] * grad back over the window.
     */
    static final class WindowSum extends Function {
        private final Window g;
        private final int[] y0, y1, x0, x1, outShape;
        private final double[] scale;
        private final String name;

        WindowSum(Window g, int[] y0, int[] y1, int[] x0, int[] x1, double[] scale, int[] outShape, String name) {
            this.g = g; this.y0 = y0; this.y1 = y1; this.x0 = x0; this.x1 = x1; this.scale = scale; this.outShape = outShape; this.name = name;
        }

        @Override protected Tensor forward(Tensor... in) {
            DType dt = in[0].dtype();
            Tensor x = Dispatch.dense(in[0], dt);
            Tensor out = Tensor.empty(outShape, dt);
            sum(Lane.of(dt), x, out);
            return out;
        }

        /** Spreads scale[j] * grad back over each window: {@link Spread}, whose own gradient is this sum again. */
        @Override protected Tensor[] backward(Tensor grad) {
            return new Tensor[]{new Spread(this, inputs()[0].shape()).apply(grad)};
        }

        /** out[p, j] = scale[j] * the window's sum (in double). */
        private <A> void sum(Lane<A> lane, Tensor xt, Tensor outt) {
            A a = lane.array(xt.storage().buffer()), b = lane.array(outt.storage().buffer());
            int hw = g.h * g.w, ohw = g.oh * g.ow;
            Parallel.forRange(g.planes, 1, (s, e) -> {
                for (int p = s; p < e; p++) {
                    for (int j = 0; j < ohw; j++) {
                        double acc = 0;
                        for (int iy = y0[j]; iy < y1[j]; iy++) acc += lane.sum(a, p * hw + iy * g.w + x0[j], x1[j] - x0[j]);
                        lane.set(b, p * ohw + j, acc * scale[j]);
                    }
                }
            });
        }

        @Override public String name() { return name; }
    }

    /** The average pools' gradient: gx over the window of (p, j) += scale[j] * gy[p, j]. Its adjoint is the {@link WindowSum}. */
    static final class Spread extends Function {
        private final WindowSum pool;
        private final int[] inputShape;
        Spread(WindowSum pool, int[] inputShape) { this.pool = pool; this.inputShape = inputShape; }

        @Override protected Tensor forward(Tensor... in) {
            Tensor gx = Tensor.zeros(inputShape, in[0].dtype());
            spread(Lane.of(gx.dtype()), Dispatch.dense(in[0], gx.dtype()), gx);
            return gx;
        }

        @Override protected Tensor[] backward(Tensor grad) {
            return new Tensor[]{new WindowSum(pool.g, pool.y0, pool.y1, pool.x0, pool.x1, pool.scale, pool.outShape, pool.name).apply(grad)};
        }

        private <A> void spread(Lane<A> lane, Tensor gyt, Tensor gxt) {
            A a = lane.array(gyt.storage().buffer()), b = lane.array(gxt.storage().buffer());
            Window g = pool.g;
            int hw = g.h * g.w, ohw = g.oh * g.ow;
            Parallel.forRange(g.planes, 1, (s, e) -> {
                for (int p = s; p < e; p++) {
                    for (int j = 0; j < ohw; j++) {
                        double v = lane.get(a, p * ohw + j) * pool.scale[j];
                        for (int iy = pool.y0[j]; iy < pool.y1[j]; iy++) lane.addValue(b, p * hw + iy * g.w + pool.x0[j], pool.x1[j] - pool.x0[j], v);
                    }
                }
            });
        }

        @Override public String name() { return pool.name + "Backward"; }
    }
}
