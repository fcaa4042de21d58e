package dev.ember.engine.autograd;

import dev.ember.engine.Shape;
import dev.ember.engine.Tensor;
import dev.ember.engine.ops.AsStrided;
import dev.ember.engine.ops.Dispatch;

import java.util.Arrays;
import java.util.function.UnaryOperator;

/**
 * Autograd for in-place ops ({@code add_}, {@code copy_}, ...): when a write must be recorded, which writes are
 * refused, and how the written tensor's history (and through a view, its base's) is replaced.
 */
public final class InPlace {
    private InPlace() {}

    /** Whether an in-place write to self must go through autograd (or be refused by {@link #apply}). */
    public static boolean isRecorded(Tensor self) {
        return GradMode.isEnabled() && (self.requiresGrad() || (self.base() != null && self.base().requiresGrad()));
    }

    /** Whether an in-place write of operand into self must go through autograd: either side is in the graph. */
    public static boolean isRecorded(Tensor self, Tensor operand) {
        return isRecorded(self) || (GradMode.isEnabled() && operand.requiresGrad());
    }

    /**
     * Runs op and writes its result into self; returns self. With autograd recording, the result's graph becomes
     * self's history (computed from a copy, so tensors saved for backward stay intact); through a view, the base's
     * history becomes a {@link CopySlices} of the old one and the result.
     */
    public static Tensor apply(Tensor self, UnaryOperator<Tensor> op) {
        boolean record = GradMode.isEnabled();
        Tensor base = self.base();
        // requiresGrad() first brings a stale view's history up to date (Tensor.refreshViewHistory).
        boolean requiresGrad = record && self.requiresGrad();
        if (requiresGrad && self.gradFn() == null) {
            throw new IllegalStateException("a leaf Variable that requires grad is being used in an in-place operation.");
        }
        if (record && base != null && base.requiresGrad()) {
            if (base.gradFn() == null) throw new IllegalStateException("a view of a leaf Variable that requires grad is being used in an in-place operation.");
            // Its history would not lead back to the base, so the base's gradient would silently miss the write.
            if (!requiresGrad) throw new IllegalStateException("a view was created in no-grad mode and is being modified in-place with grad mode enabled; create the view with grad mode enabled");
        }
        Tensor result;
        if (!record) {
            try (var m = GradMode.noGrad()) { result = op.apply(self); }
        } else {
            // The op may save its input for backward: it gets a copy, so the write below can't corrupt what backward reads.
            // (Only when the result joins the graph; that is known up front when self requires grad.)
            result = op.apply(requiresGrad ? self.clone() : self);
            if (result.requiresGrad() && !requiresGrad) result = op.apply(self.clone());
        }
        if (!Arrays.equals(result.shape(), self.shape())) {
            throw new IllegalArgumentException("output with shape " + Shape.str(self.shape()) + " doesn't match the broadcast shape " + Shape.str(result.shape()));
        }
        if (result.dtype().isFloatingPoint() && !self.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException("result type " + result.dtype() + " can't be cast to the desired output type " + self.dtype() + " of an in-place op");
        }
        if (record && result.requiresGrad()) {
            Dispatch.copyInto(self, result.detach());
            if (base != null) {
                rebaseHistory(self, base, result);
            } else {
                self.attachGradFn(result.gradFn());
                self.markHistoryReplaced();
            }
        } else {
            Dispatch.copyInto(self, result);
        }
        return self;
    }

    /**
     * After result was written through view: the base's history becomes old history outside the view's region
     * and result's graph inside it; the view's history becomes "this region of the new base" when next read.
     */
    private static void rebaseHistory(Tensor view, Tensor base, Tensor result) {
        new CopySlices(AsStrided.Geometry.ofView(view)).apply(base, result);
        base.markHistoryReplaced();
        view.requiresGrad(); // re-derives the view's history from the new base now, as before the write returned
    }
}
