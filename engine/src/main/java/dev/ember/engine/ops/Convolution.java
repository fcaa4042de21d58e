package dev.ember.engine.ops;

import dev.ember.engine.DType;
import dev.ember.engine.Shape;
import dev.ember.engine.Tensor;
import dev.ember.engine.autograd.Function;
import dev.ember.engine.backend.Conv2dGeometry;

import java.util.Arrays;

/**
 * Convolution as im2col + GEMM, like PyTorch's CPU "slow" convolution: for every sample and group, the input
 * patches are unfolded into a [C/groups * kH * kW, oH * oW] matrix and multiplied by the weight viewed as
 * [O/groups, C/groups * kH * kW]. Backward uses the same two matrices (col2im folds the input gradient back).
 * 1-d convolution runs as 2-d with height 1. Here are the shape checks and the graph; the loops are the
 * backend's ({@code Backend.conv2d} and its two gradients).
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
        Conv2dGeometry geo = checkGeometry(x.shape(), weight.shape(), bias == null ? null : bias.shape(), both(stride), both(padding), both(dilation), groups, 2);
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
        checkGeometry(x.shape(), weight.shape(), bias == null ? null : bias.shape(), new int[]{stride}, new int[]{padding}, new int[]{dilation}, groups, 1);
        Tensor out = conv2d(x.unsqueeze(2), weight.unsqueeze(2), bias, new int[]{1, stride}, new int[]{0, padding}, new int[]{1, dilation}, groups).squeeze(2);
        return unbatched ? out.squeeze(0) : out;
    }

    /** PyTorch's shape checks (same messages), for {@code spatial} = 1 or 2 spatial dims; returns the 2-d geometry. */
    static Conv2dGeometry checkGeometry(int[] in, int[] wt, int[] bias, int[] stride, int[] padding, int[] dilation, int groups, int spatial) {
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
        int lead = 2 - spatial; // 1-d: height 1, kernel height 1
        return new Conv2dGeometry(in[0], in[1], lead == 0 ? in[2] : 1, in[in.length - 1], wt[0],
                lead == 0 ? wt[2] : 1, wt[wt.length - 1], lead == 0 ? stride[0] : 1, stride[spatial - 1],
                lead == 0 ? padding[0] : 0, padding[spatial - 1], lead == 0 ? dilation[0] : 1, dilation[spatial - 1], groups);
    }

    /** The 2-d convolution node: inputs (input [N, C, H, W], weight [O, C/groups, kH, kW], bias [O] or null). */
    static final class Conv2d extends Function {
        private final Conv2dGeometry g;
        Conv2d(Conv2dGeometry g) { this.g = g; }

        @Override protected Tensor forward(Tensor... in) {
            DType dt = in[0].dtype();
            Tensor bias = in.length > 2 ? in[2] : null;
            if (!dt.isFloatingPoint()) throw new IllegalArgumentException("conv2d is implemented for float32 and float64 input, got " + dt);
            if (in[1].dtype() != dt || (bias != null && bias.dtype() != dt)) {
                throw new IllegalArgumentException("Input type (" + dt + "), weight type (" + in[1].dtype() + ")" + (bias != null ? " and bias type (" + bias.dtype() + ")" : "") + " should be the same");
            }
            Tensor x = Dispatch.dense(in[0], dt), w = Dispatch.dense(in[1], dt);
            Tensor b = bias == null ? null : Dispatch.dense(bias, dt);
            Tensor out = Tensor.empty(new int[]{g.n, g.o, g.oh, g.ow}, dt, x.device());
            Dispatch.backend("conv2d", x, w, b).conv2d(g, x.storage().buffer(), w.storage().buffer(), b == null ? null : b.storage().buffer(), out.storage().buffer());
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
    }

    /** dX = conv2d's input gradient from (dY, W): the transposed convolution. Its own gradient is conv2d and {@link WeightGrad}. */
    static final class InputGrad extends Function {
        private final Conv2dGeometry g;
        InputGrad(Conv2dGeometry g) { this.g = g; }

        @Override protected Tensor forward(Tensor... in) {
            DType dt = in[1].dtype();
            Tensor gy = Dispatch.dense(in[0], dt), w = Dispatch.dense(in[1], dt);
            Tensor gx = Tensor.empty(new int[]{g.n, g.c, g.h, g.w}, dt, gy.device());
            Dispatch.backend("conv2d_backward", gy, w).conv2dInputGrad(g, gy.storage().buffer(), w.storage().buffer(), gx.storage().buffer());
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
        private final Conv2dGeometry g;
        WeightGrad(Conv2dGeometry g) { this.g = g; }

        @Override protected Tensor forward(Tensor... in) {
            DType dt = in[1].dtype();
            Tensor gy = Dispatch.dense(in[0], dt), x = Dispatch.dense(in[1], dt);
            Tensor gw = Tensor.empty(new int[]{g.o, g.cg, g.kh, g.kw}, dt, gy.device());
            Dispatch.backend("conv2d_backward", gy, x).conv2dWeightGrad(g, gy.storage().buffer(), x.storage().buffer(), gw.storage().buffer());
            save(gy, x);
            return gw;
        }

        @Override protected Tensor[] backward(Tensor ggw) {
            Tensor gy = saved(0), x = saved(1);
            return new Tensor[]{needsInputGrad(0) ? new Conv2d(g).apply(x, ggw, null) : null, needsInputGrad(1) ? new InputGrad(g).apply(gy, ggw) : null};
        }

        @Override public String name() { return "ConvolutionBackwardWeight"; }
    }
}
