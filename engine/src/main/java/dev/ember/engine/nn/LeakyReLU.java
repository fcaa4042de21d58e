package dev.ember.engine.nn;

import dev.ember.engine.Tensor;

/** x for x > 0, negativeSlope * x otherwise, like torch.nn.LeakyReLU. */
public class LeakyReLU extends Module {
    public final double negativeSlope;

    public LeakyReLU() { this(0.01); }

    public LeakyReLU(double negativeSlope) { this.negativeSlope = negativeSlope; }

    @Override public Tensor forward(Tensor input) { return F.leakyRelu(input, negativeSlope); }

    @Override public String extraRepr() { return "negative_slope=" + BatchNorm.pyFloat(negativeSlope); }
}
