package dev.ember.engine.nn;

import dev.ember.engine.Tensor;

/**
 * Smooth L1, like torch.nn.SmoothL1Loss: 0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (d = x - y).
 * beta = 0 is plain L1. Equals {@link HuberLoss} divided by beta.
 */
public class SmoothL1Loss extends Loss {
    public final double beta;

    public SmoothL1Loss() { this(Reduction.MEAN, 1.0); }
    public SmoothL1Loss(Reduction reduction, double beta) {
        super(reduction);
        if (beta < 0) throw new IllegalArgumentException("smooth_l1_loss does not support negative values for beta, got " + beta);
        this.beta = beta;
    }

    @Override public Tensor forward(Tensor input, Tensor target) { return compute(input, target, reduction, beta); }

    /** The functional form, {@link F#smoothL1Loss}. */
    public static Tensor compute(Tensor input, Tensor target, Reduction reduction, double beta) {
        checkSameShape(input, target, "smooth_l1_loss");
        checkFloat(input, "input", "smooth_l1_loss");
        if (beta < 0) throw new IllegalArgumentException("smooth_l1_loss does not support negative values for beta, got " + beta);
        Tensor d = input.sub(target), a = d.abs();
        if (beta == 0) return reduce(a, reduction, "smooth_l1_loss");
        Tensor loss = Tensor.where(a.lt(beta), d.mul(d).mul(0.5 / beta), a.sub(0.5 * beta));
        return reduce(loss, reduction, "smooth_l1_loss");
    }

    @Override public String extraRepr() { return "reduction=" + reduction + ", beta=" + beta; }
}
