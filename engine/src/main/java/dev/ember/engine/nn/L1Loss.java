package dev.ember.engine.nn;

import dev.ember.engine.Tensor;

/** Mean absolute error |x - y|, like torch.nn.L1Loss (the gradient at x == y is 0, as in PyTorch). */
public class L1Loss extends Loss {
    public L1Loss() { this(Reduction.MEAN); }
    public L1Loss(Reduction reduction) { super(reduction); }

    @Override public Tensor forward(Tensor input, Tensor target) { return compute(input, target, reduction); }

    /** The functional form, {@link F#l1Loss}. */
    public static Tensor compute(Tensor input, Tensor target, Reduction reduction) {
        checkSameShape(input, target, "l1_loss");
        checkFloat(input, "input", "l1_loss");
        return reduce(input.sub(target).abs(), reduction, "l1_loss");
    }
}
