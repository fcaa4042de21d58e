package dev.ember.engine.ops;

import dev.ember.engine.Shape;
import dev.ember.engine.Tensor;
import dev.ember.engine.autograd.Function;
import dev.ember.engine.backend.Backend;
import dev.ember.engine.backend.Backend.Reduce;

/** sum, prod, max and min over dims; mean, var, std, logsumexp and norm are built from these in Tensor. */
public final class Reductions {
    private Reductions() {}

    /**
     * Softmax along x's last dim by the backend's fused kernel ({@link dev.ember.engine.backend.Backend#softmaxRows}),
     * the floats of {@code exp(x - logsumexp(x))}; null where it does not apply (another dim, a strided x, a backend
     * or dtype without the kernel). Recorded by nobody: for inference.
     */
    public static Tensor softmaxRows(Tensor x, int dim) {
        if (x.dim() == 0 || x.numel() == 0 || Shape.dim(dim, x.dim()) != x.dim() - 1 || !x.isContiguous() || !x.dtype().isFloatingPoint()) return null;
        int len = x.size(-1);
        Tensor out = Tensor.empty(x.shape(), x.dtype(), x.device());
        boolean fused = Dispatch.backend("softmax", x).softmaxRows(x.storage().buffer(), x.offset(), out.storage().buffer(), 0, x.numel() / len, len);
        return fused ? out : null;
    }

    /** Shape of x with the reduced dims kept as size 1, so a gradient can be expanded back. */
    static int[] keptShape(int[] shape, int[] dims) {
        int[] s = shape.clone();
        for (int d : dims) s[d] = 1;
        return s;
    }

    public static final class Sum extends Function {
        private final int[] dims;
        private final boolean keepdim;
        public Sum(int[] dims, boolean keepdim) { this.dims = dims; this.keepdim = keepdim; }
        @Override protected Tensor forward(Tensor... x) { return Dispatch.reduce(Reduce.SUM, x[0], dims, keepdim); }
        @Override protected Tensor[] backward(Tensor g) {
            int[] in = inputShape(0);
            return new Tensor[]{g.reshape(keptShape(in, dims)).expand(in)};
        }
    }

    /** Mean over dims (floating point only): the gradient spreads evenly over the reduced elements. */
    public static final class Mean extends Function {
        private final int[] dims;
        private final boolean keepdim;
        private int count;
        public Mean(int[] dims, boolean keepdim) { this.dims = dims; this.keepdim = keepdim; }
        @Override protected Tensor forward(Tensor... x) {
            count = 1;
            for (int d : dims) count *= x[0].shape()[d];
            Tensor sum = Dispatch.reduce(Reduce.SUM, x[0], dims, keepdim);
            return Dispatch.binary(Backend.Binary.DIV, sum, Tensor.scalar(count, sum.dtype()));
        }
        @Override protected Tensor[] backward(Tensor g) {
            int[] in = inputShape(0);
            return new Tensor[]{g.div(count).reshape(keptShape(in, dims)).expand(in)};
        }
    }

    /** Product; the gradient is the product of the other elements, exact also where x has zeros. */
    public static final class Prod extends Function {
        private final int[] dims;
        private final boolean keepdim;
        public Prod(int[] dims, boolean keepdim) { this.dims = dims; this.keepdim = keepdim; }
        @Override protected Tensor forward(Tensor... x) {
            save(x[0]);
            return Dispatch.reduce(Reduce.PROD, x[0], dims, keepdim);
        }
        @Override protected Tensor[] backward(Tensor g) {
            Tensor x = saved(0);
            int[] kept = keptShape(x.shape(), dims);
            Tensor isZero = x.eq(0.0);
            Tensor nonZero = Tensor.where(isZero, x.onesLike(), x);
            Tensor prodNonZero = nonZero.prod(dims, true);
            Tensor zeros = isZero.sum(dims, true);
            // Others' product: prod/x where x != 0; with exactly one zero, that element gets the product of the rest.
            Tensor others = Tensor.where(isZero, Tensor.where(zeros.eq(1.0), prodNonZero, prodNonZero.zerosLike()),
                    Tensor.where(zeros.eq(0.0), prodNonZero.div(nonZero), x.zerosLike()));
            return new Tensor[]{g.reshape(kept).mul(others)};
        }
    }

    /** max/min over one dim: the gradient goes to the element whose index was returned. */
    public static final class MaxDim extends Function {
        private final boolean max;
        private final int dim;
        private final boolean keepdim;
        private Tensor indices;
        public MaxDim(boolean max, int dim, boolean keepdim) { this.max = max; this.dim = dim; this.keepdim = keepdim; }
        @Override protected Tensor forward(Tensor... x) {
            indices = Dispatch.argReduce(max, x[0], dim, true);
            // The max itself needs no gather: argReduce and reduce agree, NaN included.
            return Dispatch.reduce(max ? Reduce.MAX : Reduce.MIN, x[0], new int[]{dim}, keepdim);
        }
        /** The int64 indices of the chosen elements (keepdim shape). */
        public Tensor indices() { return keepdim ? indices : indices.squeeze(dim); }
        @Override protected Tensor[] backward(Tensor g) {
            int[] in = inputShape(0);
            Tensor gk = g.reshape(keptShape(in, new int[]{dim}));
            return new Tensor[]{Tensor.zeros(in, g.dtype()).scatterAdd(dim, indices, gk)};
        }
        @Override public String name() { return max ? "MaxBackward0" : "MinBackward0"; }
    }

    /** max/min of all elements: ties share the gradient evenly, as in PyTorch. */
    public static final class MaxAll extends Function {
        private final boolean max;
        public MaxAll(boolean max) { this.max = max; }
        @Override protected Tensor forward(Tensor... x) {
            int[] all = new int[x[0].dim()];
            for (int i = 0; i < all.length; i++) all[i] = i;
            Tensor out = Dispatch.reduce(max ? Reduce.MAX : Reduce.MIN, x[0], all, false);
            save(x[0], out);
            return out;
        }
        @Override protected Tensor[] backward(Tensor g) {
            Tensor x = saved(0), out = saved(1);
            Tensor hit = x.eq(out).to(g.dtype());
            return new Tensor[]{hit.mul(g.div(hit.sum()))};
        }
        @Override public String name() { return max ? "MaxBackward1" : "MinBackward1"; }
    }
}
