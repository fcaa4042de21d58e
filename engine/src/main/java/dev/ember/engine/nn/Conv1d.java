package dev.ember.engine.nn;

import dev.ember.engine.Tensor;
import dev.ember.engine.optim.Option;

/**
 * 1-d convolution over [N, C, L] (or unbatched [C, L]) input, like torch.nn.Conv1d. The weight is
 * [outChannels, inChannels / groups, kernelSize] and the bias [outChannels], as in PyTorch.
 */
public class Conv1d extends Module {
    /** PyTorch's defaults of the optional arguments, declared once: the short constructors and the model spec read them. */
    public static final Option<Integer> STRIDE = Option.integer("stride", 1);
    public static final Option<Integer> PADDING = Option.integer("padding", 0);
    public static final Option<Integer> DILATION = Option.integer("dilation", 1);
    public static final Option<Integer> GROUPS = Option.integer("groups", 1);
    public static final Option<Boolean> BIAS = Linear.BIAS;

    public final int inChannels, outChannels, kernelSize, stride, padding, dilation, groups;
    public Parameter weight;
    public Parameter bias;

    public Conv1d(int inChannels, int outChannels, int kernelSize) { this(inChannels, outChannels, kernelSize, STRIDE.defaultValue(), PADDING.defaultValue()); }

    public Conv1d(int inChannels, int outChannels, int kernelSize, int stride, int padding) {
        this(inChannels, outChannels, kernelSize, stride, padding, DILATION.defaultValue(), GROUPS.defaultValue(), BIAS.defaultValue());
    }

    public Conv1d(int inChannels, int outChannels, int kernelSize, int stride, int padding, int dilation, int groups, boolean bias) {
        Conv2d.channels(inChannels, outChannels, groups);
        Conv2d.tuple("kernel_size", new int[]{kernelSize}, 1, 1);
        Conv2d.tuple("stride", new int[]{stride}, 1, 1);
        Conv2d.tuple("padding", new int[]{padding}, 1, 0);
        Conv2d.tuple("dilation", new int[]{dilation}, 1, 1);
        this.inChannels = inChannels;
        this.outChannels = outChannels;
        this.kernelSize = kernelSize;
        this.stride = stride;
        this.padding = padding;
        this.dilation = dilation;
        this.groups = groups;
        this.weight = new Parameter(Tensor.empty(outChannels, inChannels / groups, kernelSize));
        this.bias = bias ? new Parameter(Tensor.empty(outChannels)) : null;
        resetParameters();
    }

    /** PyTorch's default: kaiming_uniform(a=sqrt(5)) for the weight, U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for the bias. */
    public void resetParameters() { Conv2d.resetParameters(weight, bias); }

    @Override public Tensor forward(Tensor input) { return F.conv1d(input, weight, bias, stride, padding, dilation, groups); }

    @Override public String extraRepr() {
        return Conv2d.repr(inChannels, outChannels, new int[]{kernelSize}, new int[]{stride}, new int[]{padding}, new int[]{dilation}, groups, bias != null);
    }
}
