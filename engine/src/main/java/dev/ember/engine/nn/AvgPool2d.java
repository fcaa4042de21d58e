package dev.ember.engine.nn;

import dev.ember.engine.Tensor;
import dev.ember.engine.ops.Pooling;
import dev.ember.engine.optim.Option;

/**
 * 2-d average pooling like torch.nn.AvgPool2d: the stride defaults to the kernel size, and padding zeros count
 * in the divisor unless countIncludePad is false; a positive divisorOverride replaces the divisor.
 */
public class AvgPool2d extends Module {
    /** PyTorch's defaults of the optional arguments, declared once: the short constructors and the model spec read them. */
    public static final Option<Integer> STRIDE = MaxPool2d.STRIDE;
    public static final Option<Integer> PADDING = Conv1d.PADDING;
    public static final Option<Boolean> CEIL_MODE = MaxPool2d.CEIL_MODE;
    public static final Option<Boolean> COUNT_INCLUDE_PAD = Option.bool("count_include_pad", true);
    public static final Option<Integer> DIVISOR_OVERRIDE = Option.integerOrNone("divisor_override");

    public final int[] kernelSize, stride, padding;
    public final boolean ceilMode, countIncludePad;
    public final int divisorOverride;

    public AvgPool2d(int kernelSize) { this(kernelSize, kernelSize, PADDING.defaultValue()); }

    public AvgPool2d(int kernelSize, int stride, int padding) { this(new int[]{kernelSize}, new int[]{stride}, new int[]{padding}, CEIL_MODE.defaultValue(), COUNT_INCLUDE_PAD.defaultValue(), 0); }

    /** Each int[] is one value for both dims or {height, width}; a null stride means the kernel size; divisorOverride 0 means none. */
    public AvgPool2d(int[] kernelSize, int[] stride, int[] padding, boolean ceilMode, boolean countIncludePad, int divisorOverride) {
        this.kernelSize = kernelSize.clone();
        this.stride = stride == null ? kernelSize.clone() : stride.clone();
        this.padding = padding.clone();
        this.ceilMode = ceilMode;
        this.countIncludePad = countIncludePad;
        this.divisorOverride = divisorOverride;
    }

    @Override public Tensor forward(Tensor input) {
        return Pooling.avgPool2d(input, kernelSize, stride, padding, ceilMode, countIncludePad, divisorOverride);
    }

    @Override public String extraRepr() { return "kernel_size=" + py(kernelSize) + ", stride=" + py(stride) + ", padding=" + py(padding); }

    /** An int as Python prints it, or a pair as a tuple. */
    static String py(int[] v) { return v.length == 1 ? String.valueOf(v[0]) : "(" + v[0] + ", " + v[1] + ")"; }
}
