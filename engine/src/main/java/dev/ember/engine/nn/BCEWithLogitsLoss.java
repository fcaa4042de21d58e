package dev.ember.engine.nn;

import dev.ember.engine.Tensor;
import dev.ember.engine.autograd.Function;

/**
 * Sigmoid plus binary cross entropy in one stable formula, like torch.nn.BCEWithLogitsLoss:
 * w [(1 - y) x + l (log(1 + exp(-|x|)) + max(-x, 0))] with l = 1 + (posWeight - 1) y, which is
 * max(x, 0) - x y + log(1 + exp(-|x|)) when posWeight is absent. posWeight (one value per class, broadcast
 * along the last dim) weighs positive examples to trade recall against precision.
 */
public class BCEWithLogitsLoss extends Loss {
    public BCEWithLogitsLoss() { this(null, Reduction.MEAN, null); }
    public BCEWithLogitsLoss(Reduction reduction) { this(null, reduction, null); }
    /** weight and posWeight may be null; both are buffers, as in PyTorch ({@code weight}, {@code pos_weight}). */
    public BCEWithLogitsLoss(Tensor weight, Reduction reduction, Tensor posWeight) {
        super(reduction);
        registerBuffer("weight", weight);
        registerBuffer("pos_weight", posWeight);
    }

    @Override public Tensor forward(Tensor input, Tensor target) {
        return compute(input, target, buffer("weight"), buffer("pos_weight"), reduction);
    }

    /** The functional form, {@link F#binaryCrossEntropyWithLogits}. */
    public static Tensor compute(Tensor input, Tensor target, Tensor weight, Tensor posWeight, Reduction reduction) {
        checkSameShape(input, target, "binary_cross_entropy_with_logits");
        checkFloat(input, "input", "binary_cross_entropy_with_logits");
        checkFloat(target, "target", "binary_cross_entropy_with_logits");
        Tensor loss = new Elementwise().apply(input, target.to(input.dtype()),
                weight == null ? null : weight.to(input.dtype()), posWeight == null ? null : posWeight.to(input.dtype()));
        return reduce(loss, reduction, "binary_cross_entropy_with_logits");
    }

    /** The per-element loss; its gradient (sigmoid(x) (1 + (p - 1) y) - p y) w is exact also at x = 0. */
    private static final class Elementwise extends Function {
        @Override protected Tensor forward(Tensor... in) {
            Tensor x = in[0], y = in[1], w = in[2], p = in[3];
            save(x, y, w, p);
            Tensor softplusNegX = x.abs().neg().exp().add(1.0).log().add(x.neg().relu());
            Tensor logWeight = p == null ? null : p.sub(1.0).mul(y).add(1.0);
            Tensor loss = y.rsub(1.0).mul(x).add(logWeight == null ? softplusNegX : logWeight.mul(softplusNegX));
            if (w != null) loss = loss.mul(w);
            return loss.expand(x.shape()).contiguous();
        }
        @Override protected Tensor[] backward(Tensor g) {
            Tensor x = saved(0), y = saved(1), w = saved(2), p = saved(3);
            Tensor gw = w == null ? g : g.mul(w);
            Tensor gx = null, gy = null;
            if (needsInputGrad(0)) {
                Tensor s = x.sigmoid();
                gx = p == null ? s.sub(y) : p.sub(1.0).mul(y).add(1.0).mul(s).sub(p.mul(y));
                gx = gw.mul(gx);
            }
            if (needsInputGrad(1)) {
                // d/dy = -x + (p - 1) softplus(-x); softplus(-x) = -log(sigmoid(x)).
                Tensor dy = x.neg();
                if (p != null) dy = dy.add(p.sub(1.0).mul(x.abs().neg().exp().add(1.0).log().add(x.neg().relu())));
                gy = gw.mul(dy);
            }
            return new Tensor[]{gx, gy, null, null};
        }
        @Override public String name() { return "BinaryCrossEntropyWithLogitsBackward0"; }
    }
}
