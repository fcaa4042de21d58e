package dev.ember.engine.nn;

import dev.ember.engine.Tensor;
import dev.ember.engine.optim.Option;

/** max(0, x) elementwise, like torch.nn.ReLU. */
public class ReLU extends Module {
    /** PyTorch's defaults of the optional arguments, declared once: the short constructors and the model spec read them. */
    public static final Option<Boolean> INPLACE = Dropout.INPLACE;

    public final boolean inplace;

    public ReLU() { this(INPLACE.defaultValue()); }

    /** inplace overwrites the input (it must not be a leaf that requires grad). */
    public ReLU(boolean inplace) { this.inplace = inplace; }

    @Override public Tensor forward(Tensor input) { return inplace ? input.relu_() : input.relu(); }

    @Override public String extraRepr() { return inplace ? "inplace=True" : ""; }
}
