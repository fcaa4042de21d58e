package dev.ember.engine.nn;

import dev.ember.engine.Tensor;
import dev.ember.engine.optim.Option;

/**
 * 2-d convolution over [N, C, H, W] (or unbatched [C, H, W]) input, like torch.nn.Conv2d. The weight is
 * [outChannels, inChannels / groups, kH, kW] and the bias [outChannels], as in PyTorch.
 */
public class Conv2d extends Module {
    /** PyTorch's defaults of the optional arguments, declared once: the short constructors and the model spec read them. */
    public static final Option<Integer> STRIDE = Conv1d.STRIDE;
    public static final Option<Integer> PADDING = Conv1d.PADDING;
    public static final Option<Integer> DILATION = Conv1d.DILATION;
    public static final Option<Integer> GROUPS = Conv1d.GROUPS;
    public static final Option<Boolean> BIAS = Linear.BIAS;

    public final int inChannels, outChannels, groups;
    public final int[] kernelSize, stride, padding, dilation;
    public Parameter weight;
    public Parameter bias;

    public Conv2d(int inChannels, int outChannels, int kernelSize) { this(inChannels, outChannels, kernelSize, STRIDE.defaultValue(), PADDING.defaultValue()); }

    public Conv2d(int inChannels, int outChannels, int kernelSize, int stride, int padding) {
        this(inChannels, outChannels, kernelSize, stride, padding, DILATION.defaultValue(), GROUPS.defaultValue(), BIAS.defaultValue());
    }

    public Conv2d(int inChannels, int outChannels, int kernelSize, int stride, int padding, int dilation, int groups, boolean bias) {
        this(inChannels, outChannels, new int[]{kernelSize, kernelSize}, new int[]{stride, stride}, new int[]{padding, padding}, new int[]{dilation, dilation}, groups, bias);
    }

    /** The full form; every int[] is {height, width} (a single value is used for both). */
    public Conv2d(int inChannels, int outChannels, int[] kernelSize, int[] stride, int[] padding, int[] dilation, int groups, boolean bias) {
        Conv2d.channels(inChannels, outChannels, groups);
        this.inChannels = inChannels;
        this.outChannels = outChannels;
        this.groups = groups;
        this.kernelSize = Conv2d.tuple("kernel_size", kernelSize, 2, 1);
        this.stride = Conv2d.tuple("stride", stride, 2, 1);
        this.padding = Conv2d.tuple("padding", padding, 2, 0);
        this.dilation = Conv2d.tuple("dilation", dilation, 2, 1);
        this.weight = new Parameter(Tensor.empty(outChannels, inChannels / groups, this.kernelSize[0], this.kernelSize[1]));
        this.bias = bias ? new Parameter(Tensor.empty(outChannels)) : null;
        resetParameters();
    }

    /** PyTorch's default: kaiming_uniform(a=sqrt(5)) for the weight, U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for the bias. */
    public void resetParameters() { resetParameters(weight, bias); }

    @Override public Tensor forward(Tensor input) { return F.conv2d(input, weight, bias, stride, padding, dilation, groups); }

    // ---------------------------------------------------------------- shared with Conv1d

    /** PyTorch's reset_parameters of its convolutions (bias may be null). */
    static void resetParameters(Parameter weight, Parameter bias) {
        Init.kaimingUniform_(weight, Math.sqrt(5));
        if (bias != null) {
            double bound = 1 / Math.sqrt(Init.fans(weight)[0]);
            Init.uniform_(bias, -bound, bound);
        }
    }

    /** PyTorch's constructor checks on channel counts and groups. */
    static void channels(int inChannels, int outChannels, int groups) {
        if (groups <= 0) throw new IllegalArgumentException("groups must be a positive integer, got " + groups);
        if (inChannels <= 0 || outChannels <= 0) throw new IllegalArgumentException("in_channels and out_channels must be positive, got " + inChannels + " and " + outChannels);
        if (inChannels % groups != 0) throw new IllegalArgumentException("in_channels must be divisible by groups, got in_channels=" + inChannels + ", groups=" + groups);
        if (outChannels % groups != 0) throw new IllegalArgumentException("out_channels must be divisible by groups, got out_channels=" + outChannels + ", groups=" + groups);
    }

    /** A size argument as n values (one value is repeated), each at least min. */
    static int[] tuple(String name, int[] v, int n, int min) {
        int[] out;
        if (v.length == 1) { out = new int[n]; java.util.Arrays.fill(out, v[0]); }
        else if (v.length == n) out = v.clone();
        else throw new IllegalArgumentException(name + " must be one int or " + n + " ints, got " + java.util.Arrays.toString(v));
        for (int x : out) if (x < min) throw new IllegalArgumentException(name + " must be at least " + min + ", got " + java.util.Arrays.toString(v));
        return out;
    }

    /** PyTorch's print form: sizes as Python tuples; padding, dilation, groups and bias only when not the default. */
    static String repr(int in, int out, int[] k, int[] s, int[] p, int[] d, int groups, boolean bias) {
        StringBuilder sb = new StringBuilder().append(in).append(", ").append(out).append(", kernel_size=").append(py(k)).append(", stride=").append(py(s));
        if (java.util.Arrays.stream(p).anyMatch(x -> x != 0)) sb.append(", padding=").append(py(p));
        if (java.util.Arrays.stream(d).anyMatch(x -> x != 1)) sb.append(", dilation=").append(py(d));
        if (groups != 1) sb.append(", groups=").append(groups);
        if (!bias) sb.append(", bias=False");
        return sb.toString();
    }

    private static String py(int[] t) {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < t.length; i++) sb.append(i > 0 ? ", " : "").append(t[i]);
        return sb.append(t.length == 1 ? ",)" : ")").toString();
    }

    @Override public String extraRepr() { return Conv2d.repr(inChannels, outChannels, kernelSize, stride, padding, dilation, groups, bias != null); }
}
