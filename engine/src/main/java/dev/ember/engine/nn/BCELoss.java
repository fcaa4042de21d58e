package dev.ember.engine.nn;

import dev.ember.engine.Tensor;
import dev.ember.engine.autograd.Function;

/**
 * Binary cross entropy on probabilities, like torch.nn.BCELoss:
 * -w [y log x + (1 - y) log(1 - x)], with each log clamped to >= -100 as PyTorch does (so x = 0 or 1 gives a
 * finite loss). Prefer {@link BCEWithLogitsLoss} on raw scores: it is numerically stable.
 */
public class BCELoss extends Loss {
    public BCELoss() { this(null, Reduction.MEAN); }
    public BCELoss(Reduction reduction) { this(null, reduction); }
    /** weight (or null) rescales each element's loss and broadcasts to the input's shape. */
    public BCELoss(Tensor weight, Reduction reduction) {
        super(reduction);
        registerBuffer("weight", weight);
    }

    @Override public Tensor forward(Tensor input, Tensor target) { return compute(input, target, buffer("weight"), reduction); }

    /** The functional form, {@link F#binaryCrossEntropy}. */
    public static Tensor compute(Tensor input, Tensor target, Tensor weight, Reduction reduction) {
        checkSameShape(input, target, "binary_cross_entropy");
        checkFloat(input, "input", "binary_cross_entropy");
        checkFloat(target, "target", "binary_cross_entropy");
        Tensor x = input.detach();
        if (x.lt(0.0).logicalOr(x.gt(1.0)).logicalOr(x.ne(x)).sum().item() > 0) {
            throw new IllegalArgumentException("binary_cross_entropy: all elements of input should be between 0 and 1 (apply sigmoid first, or use BCEWithLogitsLoss)");
        }
        Tensor loss = new Elementwise().apply(input, target.to(input.dtype()), weight == null ? null : weight.to(input.dtype()));
        return reduce(loss, reduction, "binary_cross_entropy");
    }

    /** The per-element loss with PyTorch's gradient: w (x - y) / max(x (1 - x), 1e-12). */
    private static final class Elementwise extends Function {
        @Override protected Tensor forward(Tensor... in) {
            Tensor x = in[0], y = in[1], w = in[2];
            save(x, y, w);
            Tensor logX = x.log().clampMin(-100), log1mX = x.rsub(1.0).log().clampMin(-100);
            Tensor loss = y.mul(logX).add(y.rsub(1.0).mul(log1mX)).neg();
            return w == null ? loss : loss.mul(w).expand(x.shape()).contiguous();
        }
        @Override protected Tensor[] backward(Tensor g) {
            Tensor x = saved(0), y = saved(1), w = saved(2);
            Tensor gw = w == null ? g : g.mul(w);
            Tensor gx = needsInputGrad(0) ? gw.mul(x.sub(y)).div(x.mul(x.rsub(1.0)).clampMin(1e-12)) : null;
            Tensor gy = needsInputGrad(1) ? gw.mul(x.rsub(1.0).log().clampMin(-100).sub(x.log().clampMin(-100))) : null;
            return new Tensor[]{gx, gy, null};
        }
        @Override public String name() { return "BinaryCrossEntropyBackward0"; }
    }
}
