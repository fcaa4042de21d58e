package dev.ember.engine.nn;

import dev.ember.engine.Tensor;

/** Mean squared error (x - y)^2, like torch.nn.MSELoss. Input and target must have the same shape. */
public class MSELoss extends Loss {
    public MSELoss() { this(Reduction.MEAN); }
    public MSELoss(Reduction reduction) { super(reduction); }

    @Override public Tensor forward(Tensor input, Tensor target) { return compute(input, target, reduction); }

    /** The functional form, {@link F#mseLoss}. */
    public static Tensor compute(Tensor input, Tensor target, Reduction reduction) {
        checkSameShape(input, target, "mse_loss");
        checkFloat(input, "input", "mse_loss");
        Tensor d = input.sub(target);
        return reduce(d.mul(d), reduction, "mse_loss");
    }
}
