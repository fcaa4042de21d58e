package dev.ember.engine.nn;

import dev.ember.engine.Tensor;

/** log(softmax(x)) along dim, computed stably, like torch.nn.LogSoftmax. */
public class LogSoftmax extends Module {
    public final int dim;

    public LogSoftmax(int dim) { this.dim = dim; }

    @Override public Tensor forward(Tensor input) { return F.logSoftmax(input, dim); }

    @Override public String extraRepr() { return "dim=" + dim; }
}
