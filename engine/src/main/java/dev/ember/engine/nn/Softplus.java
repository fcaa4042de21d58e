package dev.ember.engine.nn;

import dev.ember.engine.Tensor;

/** log(1 + exp(beta x)) / beta, linear above threshold, like torch.nn.Softplus. */
public class Softplus extends Module {
    public final double beta, threshold;

    public Softplus() { this(1, 20); }

    public Softplus(double beta, double threshold) {
        this.beta = beta;
        this.threshold = threshold;
    }

    @Override public Tensor forward(Tensor input) { return F.softplus(input, beta, threshold); }

    @Override public String extraRepr() { return "beta=" + BatchNorm.pyNumber(beta) + ", threshold=" + BatchNorm.pyNumber(threshold); }
}
