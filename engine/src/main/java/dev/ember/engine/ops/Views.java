package dev.ember.engine.ops;

import dev.ember.engine.Shape;
import dev.ember.engine.Tensor;
import dev.ember.engine.autograd.Function;
import dev.ember.engine.autograd.GradMode;
import dev.ember.engine.autograd.SlicedGradient;

/**
 * Ops that return views: the result shares the input's storage (an in-place write through either is
 * seen by both) whenever the strides allow it. Only {@link Reshape} may have to copy, as in PyTorch.
 */
public final class Views {
    private Views() {}

    /** view/reshape/flatten/squeeze/unsqueeze: a view when strides permit, else (reshape only) a copy. */
    public static final class Reshape extends Function {
        private final int[] shape;
        private final boolean mayCopy;
        public Reshape(int[] shape, boolean mayCopy) { this.shape = shape; this.mayCopy = mayCopy; }
        @Override protected Tensor forward(Tensor... x) {
            int[] strides = viewStrides(x[0].shape(), x[0].strides(), shape);
            if (strides != null) return x[0].asView(shape, strides, x[0].offset());
            if (!mayCopy) {
                throw new IllegalArgumentException("view size is not compatible with input tensor's size and stride (shape " + Shape.str(x[0].shape())
                        + ", strides " + Shape.str(x[0].strides()) + " to " + Shape.str(shape) + "); use reshape(...) instead");
            }
            return Tensor.fromStorage(Dispatch.contiguous(x[0], x[0].dtype()).storage(), shape);
        }
        @Override protected Tensor[] backward(Tensor g) { return new Tensor[]{g.reshape(inputShape(0))}; }
        @Override public String name() { return mayCopy ? "ReshapeAliasBackward0" : "ViewBackward0"; }
    }

    /**
     * Strides that let (oldShape, oldStrides) be read as newShape without copying, or null (PyTorch's rule:
     * each run of new dims must fall inside a run of old dims that is contiguous in memory).
     */
    static int[] viewStrides(int[] oldShape, int[] oldStrides, int[] newShape) {
        int[] out = new int[newShape.length];
        if (Shape.numel(oldShape) == 0 || oldShape.length == 0) return Shape.contiguousStrides(newShape);
        int viewD = newShape.length - 1;
        int chunkBase = oldStrides.length == 0 ? 1 : oldStrides[oldStrides.length - 1];
        int tensorNumel = 1, viewNumel = 1;
        for (int d = oldShape.length - 1; d >= 0; d--) {
            tensorNumel *= oldShape[d];
            if (d == 0 || (oldShape[d - 1] != 1 && oldStrides[d - 1] != tensorNumel * chunkBase)) {
                while (viewD >= 0 && (viewNumel < tensorNumel || newShape[viewD] == 1)) {
                    out[viewD] = viewNumel * chunkBase;
                    viewNumel *= newShape[viewD];
                    viewD--;
                }
                if (viewNumel != tensorNumel) return null;
                if (d > 0) {
                    chunkBase = oldStrides[d - 1];
                    tensorNumel = 1;
                    viewNumel = 1;
                }
            }
        }
        return viewD == -1 ? out : null;
    }

    /** permute/transpose/t. */
    public static final class Permute extends Function {
        private final int[] dims;
        public Permute(int[] dims) { this.dims = dims; }
        @Override protected Tensor forward(Tensor... x) {
            int[] shape = new int[dims.length], strides = new int[dims.length];
            for (int i = 0; i < dims.length; i++) {
                shape[i] = x[0].shape()[dims[i]];
                strides[i] = x[0].strides()[dims[i]];
            }
            return x[0].asView(shape, strides, x[0].offset());
        }
        @Override protected Tensor[] backward(Tensor g) {
            int[] inverse = new int[dims.length];
            for (int i = 0; i < dims.length; i++) inverse[dims[i]] = i;
            return new Tensor[]{g.permute(inverse)};
        }
        /** TransposeBackward0 when exactly two dims swap (transpose, t), else PermuteBackward0. */
        @Override public String name() {
            int moved = 0;
            for (int i = 0; i < dims.length; i++) if (dims[i] != i) moved++;
            return moved == 2 ? "TransposeBackward0" : "PermuteBackward0";
        }
    }

    /** expand: size-1 dims repeat with stride 0; the gradient is summed back by Function. */
    public static final class Expand extends Function {
        private final int[] shape;
        public Expand(int[] shape) { this.shape = shape; }
        @Override protected Tensor forward(Tensor... x) {
            return x[0].asView(shape, Shape.broadcastStrides(x[0].shape(), x[0].strides(), shape), x[0].offset());
        }
        @Override protected Tensor[] backward(Tensor g) { return new Tensor[]{g}; }
    }

    /**
     * slice(dim, start, end, step), narrow and select (select drops the dim afterwards). Backward without
     * createGraph adds the gradients of many slices of one tensor into one buffer ({@link SlicedGradient}).
     */
    public static final class Slice extends Function implements SlicedGradient {
        private final int dim, start, end, step;
        public Slice(int dim, int start, int end, int step) { this.dim = dim; this.start = start; this.end = end; this.step = step; }
        @Override protected Tensor forward(Tensor... x) {
            int[] shape = x[0].shape().clone(), strides = x[0].strides().clone();
            shape[dim] = Math.max(0, (end - start + step - 1) / step);
            strides[dim] *= step;
            int offset = x[0].offset() + (shape[dim] == 0 ? 0 : start * x[0].strides()[dim]);
            return x[0].asView(shape, strides, offset);
        }
        @Override protected Tensor[] backward(Tensor g) {
            return new Tensor[]{new SliceScatter(inputShape(0), dim, start, end, step).apply(g)};
        }
        @Override public Tensor newGradBuffer() { return Tensor.zeros(inputShape(0), inputDtype(0)); }
        @Override public void addGradInto(Tensor buffer, Tensor grad) {
            try (var m = GradMode.noGrad()) { buffer.slice(dim, start, end, step).add_(grad); }
        }
    }

    /** The adjoint of {@link Slice}: zeros of the full shape with the slice filled from the input. */
    public static final class SliceScatter extends Function {
        private final int[] fullShape;
        private final int dim, start, end, step;
        public SliceScatter(int[] fullShape, int dim, int start, int end, int step) {
            this.fullShape = fullShape; this.dim = dim; this.start = start; this.end = end; this.step = step;
        }
        @Override protected Tensor forward(Tensor... x) {
            Tensor out = Tensor.zeros(fullShape, x[0].dtype());
            Dispatch.copyInto(out.slice(dim, start, end, step), x[0]);
            return out;
        }
        @Override protected Tensor[] backward(Tensor g) { return new Tensor[]{g.slice(dim, start, end, step)}; }
    }
}
