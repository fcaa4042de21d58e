package dev.ember.engine.nn;

import dev.ember.engine.Tensor;

/** x for x > 0, alpha (exp(x) - 1) otherwise, like torch.nn.ELU. */
public class ELU extends Module {
    public final double alpha;

    public ELU() { this(1.0); }

    public ELU(double alpha) { this.alpha = alpha; }

    @Override public Tensor forward(Tensor input) { return F.elu(input, alpha); }

    @Override public String extraRepr() { return "alpha=" + BatchNorm.pyFloat(alpha); }
}
