package dev.ember.engine.nn;

import dev.ember.engine.Tensor;

/** max(0, x) elementwise, like torch.nn.ReLU. */
public class ReLU extends Module {
    public final boolean inplace;

    public ReLU() { this(false); }

    /** inplace overwrites the input (it must not be a leaf that requires grad). */
    public ReLU(boolean inplace) { this.inplace = inplace; }

    @Override public Tensor forward(Tensor input) { return inplace ? input.relu_() : input.relu(); }

    @Override public String extraRepr() { return inplace ? "inplace=True" : ""; }
}
