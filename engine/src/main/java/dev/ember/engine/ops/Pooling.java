package dev.ember.engine.ops;

import dev.ember.engine.DType;
import dev.ember.engine.Shape;
import dev.ember.engine.Device;
import dev.ember.engine.Tensor;
import dev.ember.engine.autograd.Function;
import dev.ember.engine.backend.PoolWindow;

import java.util.Arrays;

/**
 * 2-d pooling over [N, C, H, W] or unbatched [C, H, W] input: max (with the argmax indices, which backward
 * routes the gradient through), average and adaptive average. Here are the checks, window sizes and graph; the
 * backend's pooling primitives run the loops.
 */
public final class Pooling {
    private Pooling() {}

    /** The result of {@link #maxPool2dWithIndices}: values and int64 indices into each flattened H*W input plane. */
    public record ValuesIndices(Tensor values, Tensor indices) {}

    /** Window geometry shared by the pools: output size per PyTorch's formula, with ceil mode's "last window starts inside" rule. */
    private static final class Window {
        static PoolWindow of(String op, int[] in, int[] kernel, int[] stride, int[] padding, int[] dilation, boolean ceilMode, boolean maxPool) {
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
            int h = in[2], w = in[3];
            int oh = outSize(h, kernel[0], stride[0], padding[0], dilation[0], ceilMode), ow = outSize(w, kernel[1], stride[1], padding[1], dilation[1], ceilMode);
            if (oh < 1 || ow < 1) {
                throw new IllegalArgumentException("Given input size: (" + in[1] + "x" + h + "x" + w + "). Calculated output size: (" + in[1] + "x" + Math.max(oh, 0) + "x" + Math.max(ow, 0)
                        + "). Output size is too small");
            }
            return new PoolWindow(in[0] * in[1], h, w, kernel[0], kernel[1], stride[0], stride[1], padding[0], padding[1], dilation[0], dilation[1], oh, ow);
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
        PoolWindow g = Window.of("max_pool2d", x.shape(), kernelSize, stride, padding, dilation, ceilMode, true);
        MaxPool2d fn = new MaxPool2d(g);
        Tensor out = fn.apply(x);
        Tensor indices = fn.indices.to(DType.INT64);
        return input.dim() == 3 ? new ValuesIndices(out.squeeze(0), indices.squeeze(0)) : new ValuesIndices(out, indices);
    }

    static final class MaxPool2d extends Function {
        private final PoolWindow g;
        /** int32, the output's shape: each output's winning position in its flattened input plane. */
        Tensor indices;
        MaxPool2d(PoolWindow g) { this.g = g; }

        @Override protected Tensor forward(Tensor... in) {
            DType dt = in[0].dtype();
            Tensor x = Dispatch.dense(in[0], dt);
            int[] shape = in[0].shape();
            Tensor out = Tensor.empty(new int[]{shape[0], shape[1], g.oh, g.ow}, dt, x.device());
            indices = Tensor.empty(out.shape(), DType.INT32, x.device());
            Dispatch.backend("max_pool2d", x).maxPool2d(g, x.storage().buffer(), out.storage().buffer(), indices.storage().buffer());
            return out;
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
            Tensor gy = Dispatch.dense(in[0], in[0].dtype()), gx = Tensor.zeros(inputShape, gy.dtype(), gy.device());
            Dispatch.backend("max_pool2d_backward", gy).maxPool2dBackward(pool.g, gy.storage().buffer(), pool.indices.storage().buffer(), gx.storage().buffer());
            return gx;
        }

        @Override protected Tensor[] backward(Tensor grad) { return new Tensor[]{new Gather(pool, inputShape).apply(grad)}; }

        @Override public String name() { return "MaxPool2DWithIndicesBackwardBackward"; }
    }

    /** Reads, for each pooled output, the input element its index names: the adjoint of {@link Scatter}. */
    static final class Gather extends Function {
        private final MaxPool2d pool;
        private final int[] inputShape;
        Gather(MaxPool2d pool, int[] inputShape) { this.pool = pool; this.inputShape = inputShape; }

        @Override protected Tensor forward(Tensor... in) {
            DType dt = in[0].dtype();
            Tensor x = Dispatch.dense(in[0], dt), out = Tensor.empty(new int[]{inputShape[0], inputShape[1], pool.g.oh, pool.g.ow}, dt, x.device());
            Dispatch.backend("max_pool2d_gather", x).maxPool2dGather(pool.g, x.storage().buffer(), pool.indices.storage().buffer(), out.storage().buffer());
            return out;
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
        PoolWindow g = Window.of("avg_pool2d", x.shape(), kernelSize, stride, padding, new int[]{1}, ceilMode, false);
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
        PoolWindow g = PoolWindow.adaptive(shape[0] * shape[1], shape[2], shape[3], os[0], os[1]);
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
        private final PoolWindow g;
        private final int[] y0, y1, x0, x1, outShape;
        private final double[] scale;
        private final String name;

        WindowSum(PoolWindow g, int[] y0, int[] y1, int[] x0, int[] x1, double[] scale, int[] outShape, String name) {
            this.g = g; this.y0 = y0; this.y1 = y1; this.x0 = x0; this.x1 = x1; this.scale = scale; this.outShape = outShape; this.name = name;
        }

        /** The windows as the backend takes them: (y0, y1, x0, x1) per output position, int32, on device. */
        Tensor bounds(Device device) {
            int[] b = new int[4 * y0.length];
            for (int j = 0; j < y0.length; j++) { b[4 * j] = y0[j]; b[4 * j + 1] = y1[j]; b[4 * j + 2] = x0[j]; b[4 * j + 3] = x1[j]; }
            return Tensor.tensor(b).to(device);
        }

        Tensor scale(Device device) { return Tensor.of(scale, DType.FLOAT64).to(device); }

        @Override protected Tensor forward(Tensor... in) {
            DType dt = in[0].dtype();
            Tensor x = Dispatch.dense(in[0], dt);
            Tensor out = Tensor.empty(outShape, dt, x.device());
            Dispatch.backend("avg_pool2d", x).windowSum(g, bounds(x.device()).storage().buffer(), scale(x.device()).storage().buffer(),
                    x.storage().buffer(), out.storage().buffer());
            return out;
        }

        /** Spreads scale[j] * grad back over each window: {@link Spread}, whose own gradient is this sum again. */
        @Override protected Tensor[] backward(Tensor grad) {
            return new Tensor[]{new Spread(this, inputs()[0].shape()).apply(grad)};
        }

        @Override public String name() { return name; }
    }

    /** The average pools' gradient: gx over the window of (p, j) += scale[j] * gy[p, j]. Its adjoint is the {@link WindowSum}. */
    static final class Spread extends Function {
        private final WindowSum pool;
        private final int[] inputShape;
        Spread(WindowSum pool, int[] inputShape) { this.pool = pool; this.inputShape = inputShape; }

        @Override protected Tensor forward(Tensor... in) {
            Tensor gy = Dispatch.dense(in[0], in[0].dtype()), gx = Tensor.zeros(inputShape, gy.dtype(), gy.device());
            Dispatch.backend("avg_pool2d_backward", gy).windowSpread(pool.g, pool.bounds(gy.device()).storage().buffer(),
                    pool.scale(gy.device()).storage().buffer(), gy.storage().buffer(), gx.storage().buffer());
            return gx;
        }

        @Override protected Tensor[] backward(Tensor grad) {
            return new Tensor[]{new WindowSum(pool.g, pool.y0, pool.y1, pool.x0, pool.x1, pool.scale, pool.outShape, pool.name).apply(grad)};
        }

        @Override public String name() { return pool.name + "Backward"; }
    }
}
