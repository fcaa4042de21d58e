package dev.ember.engine.ops;

import dev.ember.engine.Tensor;
import dev.ember.engine.autograd.Function;

/**
 * A view given by its memory layout rather than by the op that made it: a region of a base tensor
 * (shape, strides and offset of both, in the base storage's units). Autograd uses it to re-derive a
 * view from its base after an in-place write changed the base's history ({@code CopySlices}).
 */
public final class AsStrided extends Function {
    private final Geometry geometry;

    public AsStrided(Geometry geometry) { this.geometry = geometry; }

    /** The layout of a base tensor and of one view into the same storage. */
    public record Geometry(int[] baseShape, int[] baseStrides, int baseOffset, int[] shape, int[] strides, int offset) {
        /** A view's layout inside its base's storage. */
        public static Geometry ofView(Tensor view) {
            Tensor base = view.base();
            return new Geometry(base.shape(), base.strides(), base.offset(), view.shape(), view.strides(), view.offset());
        }

        /** Scratch elements needed to hold both the base and the view at their positions. */
        int span() { return Math.max(end(baseShape, baseStrides, baseOffset), end(shape, strides, offset)); }

        private static int end(int[] shape, int[] strides, int offset) {
            int last = offset;
            for (int d = 0; d < shape.length; d++) {
                if (shape[d] == 0) return 0;
                last += (shape[d] - 1) * Math.abs(strides[d]);
            }
            return last + 1;
        }

        /** Whether t is laid out exactly like the base, so the view can share its memory. */
        boolean laidOutAsBase(Tensor t) {
            return t.offset() == baseOffset && java.util.Arrays.equals(t.shape(), baseShape) && java.util.Arrays.equals(t.strides(), baseStrides);
        }

        /** The view's region read out of x, a tensor of the base's shape (any layout). */
        Tensor region(Tensor x) {
            if (laidOutAsBase(x)) return x.asView(shape, strides, offset);
            // Place x in scratch memory with the base's layout, then read the view's positions.
            Tensor scratch = Tensor.zeros(new int[]{span()}, x.dtype());
            Dispatch.copyInto(scratch.asView(baseShape, baseStrides, baseOffset), x);
            return scratch.asView(shape, strides, offset);
        }

        /** The adjoint of {@link #region}: zeros of the base's shape with the view's positions taken from v. */
        public Tensor scatter(Tensor v) {
            Tensor scratch = Tensor.zeros(new int[]{span()}, v.dtype());
            Dispatch.copyInto(scratch.asView(shape, strides, offset), v);
            return Dispatch.contiguous(scratch.asView(baseShape, baseStrides, baseOffset), v.dtype());
        }
    }

    @Override protected Tensor forward(Tensor... x) { return geometry.region(x[0]); }
    @Override protected Tensor[] backward(Tensor g) { return new Tensor[]{new Scatter(geometry).apply(g)}; }
    @Override public String name() { return "AsStridedBackward0"; }

    /** The adjoint of {@link AsStrided}: the view's values placed into zeros of the base's shape. */
    public static final class Scatter extends Function {
        private final Geometry geometry;
        public Scatter(Geometry geometry) { this.geometry = geometry; }
        @Override protected Tensor forward(Tensor... x) { return geometry.scatter(x[0]); }
        @Override protected Tensor[] backward(Tensor g) { return new Tensor[]{new AsStrided(geometry).apply(g)}; }
        @Override public String name() { return "AsStridedScatterBackward0"; }
    }
}
