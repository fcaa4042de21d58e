package dev.ember.engine.nn;

import dev.ember.engine.Shape;
import dev.ember.engine.Tensor;

/**
 * Base class of the loss modules (PyTorch's _Loss): a module that compares an input with a target and
 * reduces the per-element losses as {@link #reduction} says. Optional class weights are registered as
 * the buffer {@code weight}, as in PyTorch, so they follow {@link Module#to} and appear in the state dict.
 */
public abstract class Loss extends Module {
    public final Reduction reduction;

    protected Loss(Reduction reduction) {
        if (reduction == null) throw new IllegalArgumentException("reduction must not be null (use Reduction.NONE)");
        if (reduction == Reduction.BATCHMEAN && !(this instanceof KLDivLoss)) {
            throw new IllegalArgumentException("reduction 'batchmean' is only valid for KLDivLoss, not " + getClass().getSimpleName());
        }
        this.reduction = reduction;
    }

    /** The loss of input against target. */
    public abstract Tensor forward(Tensor input, Tensor target);

    @Override public Tensor forward(Tensor input) {
        throw new IllegalStateException(getClass().getSimpleName() + " needs an input and a target: call forward(input, target)");
    }

    @Override public String extraRepr() { return reduction == Reduction.MEAN ? "" : "reduction=" + reduction; }

    /** Applies NONE/MEAN/SUM to per-element losses. */
    static Tensor reduce(Tensor loss, Reduction reduction, String lossName) {
        return switch (reduction) {
            case NONE -> loss;
            case SUM -> loss.sum();
            case MEAN -> loss.mean();
            case BATCHMEAN -> throw new IllegalArgumentException("reduction 'batchmean' is only valid for kl_div, not " + lossName);
        };
    }

    /** Pointwise losses want input and target of one shape (PyTorch warns and broadcasts; a mismatch is nearly always a bug). */
    static void checkSameShape(Tensor input, Tensor target, String lossName) {
        if (!java.util.Arrays.equals(input.shape(), target.shape())) {
            throw new IllegalArgumentException(lossName + ": target size " + Shape.str(target.shape()) + " is different from the input size " + Shape.str(input.shape())
                    + "; please ensure they have the same size");
        }
    }

    static void checkFloat(Tensor t, String what, String lossName) {
        if (!t.dtype().isFloatingPoint()) throw new IllegalArgumentException(lossName + ": " + what + " must be a floating point tensor, got " + t.dtype());
    }
}
