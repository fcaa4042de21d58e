package dev.ember.engine.nn;

import dev.ember.engine.Tensor;
import dev.ember.engine.optim.Option;

/** y = x W^T + b, like torch.nn.Linear; weight is [out, in] as in PyTorch (so weights move between the two as is). */
public class Linear extends Module {
    /** PyTorch's defaults of the optional arguments, declared once: the short constructors and the model spec read them. */
    public static final Option<Boolean> BIAS = Option.bool("bias", true);

    public final int inFeatures, outFeatures;
    public Parameter weight;
    public Parameter bias;

    public Linear(int inFeatures, int outFeatures) { this(inFeatures, outFeatures, BIAS.defaultValue()); }

    public Linear(int inFeatures, int outFeatures, boolean bias) {
        if (inFeatures <= 0 || outFeatures <= 0) throw new IllegalArgumentException("Linear needs positive sizes, got in=" + inFeatures + ", out=" + outFeatures);
        this.inFeatures = inFeatures;
        this.outFeatures = outFeatures;
        this.weight = new Parameter(Tensor.empty(outFeatures, inFeatures));
        this.bias = bias ? new Parameter(Tensor.empty(outFeatures)) : null;
        resetParameters();
    }

    /** PyTorch's default: kaiming_uniform(a=sqrt(5)) for the weight, U(-1/sqrt(in), 1/sqrt(in)) for the bias. */
    public void resetParameters() {
        Init.kaimingUniform_(weight, Math.sqrt(5));
        if (bias != null) Init.uniform_(bias, -1 / Math.sqrt(inFeatures), 1 / Math.sqrt(inFeatures));
    }

    @Override public Tensor forward(Tensor input) { return F.linear(input, weight, bias); }

    @Override public String extraRepr() {
        return "in_features=" + inFeatures + ", out_features=" + outFeatures + ", bias=" + (bias != null ? "True" : "False");
    }
}
