package dev.ember.engine.nn;

import dev.ember.engine.Tensor;
import dev.ember.engine.optim.Option;

/** x for x > 0, negativeSlope * x otherwise, like torch.nn.LeakyReLU. */
public class LeakyReLU extends Module {
    /** PyTorch's defaults of the optional arguments, declared once: the short constructors and the model spec read them. */
    public static final Option<Double> NEGATIVE_SLOPE = Option.real("negative_slope", 0.01);

    public final double negativeSlope;

    public LeakyReLU() { this(NEGATIVE_SLOPE.defaultValue()); }

    public LeakyReLU(double negativeSlope) { this.negativeSlope = negativeSlope; }

    @Override public Tensor forward(Tensor input) { return F.leakyRelu(input, negativeSlope); }

    @Override public String extraRepr() { return "negative_slope=" + BatchNorm.pyFloat(negativeSlope); }
}
