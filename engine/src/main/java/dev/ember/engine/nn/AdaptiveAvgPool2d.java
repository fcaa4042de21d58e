package dev.ember.engine.nn;

import dev.ember.engine.Tensor;
import dev.ember.engine.ops.Pooling;

/** Average pooling to a fixed output size whatever the input size, like torch.nn.AdaptiveAvgPool2d. */
public class AdaptiveAvgPool2d extends Module {
    public final int[] outputSize;

    public AdaptiveAvgPool2d(int outputSize) { this(new int[]{outputSize}); }

    /** One value for both dims, or {height, width}. */
    public AdaptiveAvgPool2d(int[] outputSize) { this.outputSize = outputSize.clone(); }

    @Override public Tensor forward(Tensor input) { return Pooling.adaptiveAvgPool2d(input, outputSize); }

    @Override public String extraRepr() { return "output_size=" + AvgPool2d.py(outputSize); }
}
