package dev.ember.engine.nn;

import dev.ember.engine.Tensor;
import dev.ember.engine.ops.Pooling;
import dev.ember.engine.optim.Option;

/** 2-d max pooling like torch.nn.MaxPool2d; the stride defaults to the kernel size. */
public class MaxPool2d extends Module {
    /** PyTorch's defaults of the optional arguments, declared once: the short constructors and the model spec read them. */
    public static final Option<Integer> STRIDE = Option.integerOrNone("stride");
    public static final Option<Integer> PADDING = Conv1d.PADDING;
    public static final Option<Integer> DILATION = Conv1d.DILATION;
    public static final Option<Boolean> CEIL_MODE = Option.bool("ceil_mode", false);

    public final int[] kernelSize, stride, padding, dilation;
    public final boolean ceilMode;

    public MaxPool2d(int kernelSize) { this(kernelSize, kernelSize, PADDING.defaultValue()); }

    public MaxPool2d(int kernelSize, int stride, int padding) { this(new int[]{kernelSize}, new int[]{stride}, new int[]{padding}, new int[]{DILATION.defaultValue()}, CEIL_MODE.defaultValue()); }

    /** Each int[] is one value for both dims or {height, width}; a null stride means the kernel size. */
    public MaxPool2d(int[] kernelSize, int[] stride, int[] padding, int[] dilation, boolean ceilMode) {
        this.kernelSize = kernelSize.clone();
        this.stride = stride == null ? kernelSize.clone() : stride.clone();
        this.padding = padding.clone();
        this.dilation = dilation.clone();
        this.ceilMode = ceilMode;
    }

    @Override public Tensor forward(Tensor input) { return Pooling.maxPool2d(input, kernelSize, stride, padding, dilation, ceilMode); }

    /** The output and the flat per-plane indices of the maxima (return_indices=True). */
    public Pooling.ValuesIndices forwardWithIndices(Tensor input) { return Pooling.maxPool2dWithIndices(input, kernelSize, stride, padding, dilation, ceilMode); }

    @Override public String extraRepr() {
        return "kernel_size=" + AvgPool2d.py(kernelSize) + ", stride=" + AvgPool2d.py(stride) + ", padding=" + AvgPool2d.py(padding) + ", dilation=" + AvgPool2d.py(dilation)
                + ", ceil_mode=" + (ceilMode ? "True" : "False");
    }
}
