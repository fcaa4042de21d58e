package dev.ember.engine.nn;

import dev.ember.engine.Tensor;

/**
 * Kullback-Leibler divergence, like torch.nn.KLDivLoss: input holds log-probabilities; target holds
 * probabilities (y log y - y x, with 0 log 0 = 0) or, with logTarget, log-probabilities (exp(y) (y - x)).
 * Use {@link Reduction#BATCHMEAN} for the true KL divergence per sample: MEAN divides by every element,
 * as PyTorch's (deprecated) mean does.
 */
public class KLDivLoss extends Loss {
    public final boolean logTarget;

    public KLDivLoss() { this(Reduction.MEAN, false); }
    public KLDivLoss(Reduction reduction, boolean logTarget) {
        super(reduction);
        this.logTarget = logTarget;
    }

    @Override public Tensor forward(Tensor input, Tensor target) { return compute(input, target, reduction, logTarget); }

    /** The functional form, {@link F#klDiv}. */
    public static Tensor compute(Tensor input, Tensor target, Reduction reduction, boolean logTarget) {
        checkSameShape(input, target, "kl_div");
        checkFloat(input, "input", "kl_div");
        checkFloat(target, "target", "kl_div");
        Tensor loss;
        if (logTarget) {
            loss = target.exp().mul(target.sub(input));
        } else {
            // xlogy(y, y): log of 1 where y == 0 keeps both the value and the gradient finite there.
            Tensor safe = Tensor.where(target.eq(0.0), target.onesLike(), target);
            loss = target.mul(safe.log()).sub(target.mul(input));
        }
        if (reduction == Reduction.BATCHMEAN) return input.dim() == 0 ? loss.sum() : loss.sum().div(input.size(0));
        return reduce(loss, reduction, "kl_div");
    }

    @Override public String extraRepr() { return "reduction=" + reduction + ", log_target=" + (logTarget ? "True" : "False"); }
}
