package dev.ember.engine.nn;

import dev.ember.engine.Tensor;
import dev.ember.engine.optim.Option;

/** x * Phi(x), like torch.nn.GELU: approximate "none" uses the exact erf, "tanh" the tanh approximation. */
public class GELU extends Module {
    /** PyTorch's defaults of the optional arguments, declared once: the short constructors and the model spec read them. */
    public static final Option<String> APPROXIMATE = Option.text("approximate", "none");

    public final String approximate;

    public GELU() { this(APPROXIMATE.defaultValue()); }

    public GELU(String approximate) {
        if (!approximate.equals("none") && !approximate.equals("tanh")) {
            throw new IllegalArgumentException("approximate argument must be either none or tanh, got '" + approximate + "'");
        }
        this.approximate = approximate;
    }

    @Override public Tensor forward(Tensor input) { return F.gelu(input, approximate); }

    @Override public String extraRepr() { return "approximate='" + approximate + "'"; }
}
