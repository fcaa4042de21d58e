package dev.ember.engine.nn;

import dev.ember.engine.Tensor;

/** exp(x) / sum(exp(x)) along dim, like torch.nn.Softmax. */
public class Softmax extends Module {
    public final int dim;

    public Softmax(int dim) { this.dim = dim; }

    @Override public Tensor forward(Tensor input) { return F.softmax(input, dim); }

    @Override public String extraRepr() { return "dim=" + dim; }
}
