package dev.ember.engine.nn;

import dev.ember.engine.Tensor;

/** Huber loss, like torch.nn.HuberLoss: 0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta) (d = x - y). */
public class HuberLoss extends Loss {
    public final double delta;

    public HuberLoss() { this(Reduction.MEAN, 1.0); }
    public HuberLoss(Reduction reduction, double delta) {
        super(reduction);
        if (!(delta > 0)) throw new IllegalArgumentException("huber_loss does not support non-positive values for delta, got " + delta);
        this.delta = delta;
    }

    @Override public Tensor forward(Tensor input, Tensor target) { return compute(input, target, reduction, delta); }

    /** The functional form, {@link F#huberLoss}. */
    public static Tensor compute(Tensor input, Tensor target, Reduction reduction, double delta) {
        checkSameShape(input, target, "huber_loss");
        checkFloat(input, "input", "huber_loss");
        if (!(delta > 0)) throw new IllegalArgumentException("huber_loss does not support non-positive values for delta, got " + delta);
        Tensor d = input.sub(target), a = d.abs();
        Tensor loss = Tensor.where(a.lt(delta), d.mul(d).mul(0.5), a.sub(0.5 * delta).mul(delta));
        return reduce(loss, reduction, "huber_loss");
    }

    @Override public String extraRepr() { return "reduction=" + reduction + ", delta=" + delta; }
}
