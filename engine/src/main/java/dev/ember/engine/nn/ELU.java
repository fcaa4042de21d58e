package dev.ember.engine.nn;

import dev.ember.engine.Tensor;
import dev.ember.engine.optim.Option;

/** x for x > 0, alpha (exp(x) - 1) otherwise, like torch.nn.ELU. */
public class ELU extends Module {
    /** PyTorch's defaults of the optional arguments, declared once: the short constructors and the model spec read them. */
    public static final Option<Double> ALPHA = Option.real("alpha", 1.0);

    public final double alpha;

    public ELU() { this(ALPHA.defaultValue()); }

    public ELU(double alpha) { this.alpha = alpha; }

    @Override public Tensor forward(Tensor input) { return F.elu(input, alpha); }

    @Override public String extraRepr() { return "alpha=" + BatchNorm.pyFloat(alpha); }
}
