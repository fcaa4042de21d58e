package dev.ember.engine.nn;

import dev.ember.engine.Tensor;
import dev.ember.engine.optim.Option;

/** log(1 + exp(beta x)) / beta, linear above threshold, like torch.nn.Softplus. */
public class Softplus extends Module {
    /** PyTorch's defaults of the optional arguments, declared once: the short constructors and the model spec read them. */
    public static final Option<Double> BETA = Option.real("beta", 1.0);
    public static final Option<Double> THRESHOLD = Option.real("threshold", 20.0);

    public final double beta, threshold;

    public Softplus() { this(BETA.defaultValue(), THRESHOLD.defaultValue()); }

    public Softplus(double beta, double threshold) {
        this.beta = beta;
        this.threshold = threshold;
    }

    @Override public Tensor forward(Tensor input) { return F.softplus(input, beta, threshold); }

    @Override public String extraRepr() { return "beta=" + BatchNorm.pyNumber(beta) + ", threshold=" + BatchNorm.pyNumber(threshold); }
}
