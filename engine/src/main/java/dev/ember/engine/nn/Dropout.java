package dev.ember.engine.nn;

import dev.ember.engine.DType;
import dev.ember.engine.Generator;
import dev.ember.engine.Storage;
import dev.ember.engine.Tensor;
import dev.ember.engine.optim.Option;

/**
 * Zeroes each element with probability p during training and scales the kept ones by 1/(1-p), so the expected
 * value is unchanged; the identity in eval mode (torch.nn.Dropout). The mask comes from the default
 * {@link Generator}, so {@link Tensor#manualSeed} makes it reproducible.
 */
public class Dropout extends Module {
    /** PyTorch's defaults of the optional arguments, declared once: the short constructors and the model spec read them. */
    public static final Option<Double> P = Option.real("p", 0.5);
    public static final Option<Boolean> INPLACE = Option.bool("inplace", false);

    public final double p;
    public final boolean inplace;

    public Dropout() { this(P.defaultValue()); }

    public Dropout(double p) { this(p, INPLACE.defaultValue()); }

    public Dropout(double p, boolean inplace) {
        checkP(p);
        this.p = p;
        this.inplace = inplace;
    }

    @Override public Tensor forward(Tensor input) { return dropout(input, p, isTraining(), inplace); }

    /** Functional dropout (F.dropout); inplace multiplies input by the mask in place and returns it. */
    public static Tensor dropout(Tensor input, double p, boolean training, boolean inplace) {
        checkP(p);
        if (!training || p == 0) return input;
        if (!input.dtype().isFloatingPoint()) throw new IllegalArgumentException("dropout expects a floating-point input, got " + input.dtype());
        Tensor mask = mask(input.shape(), input.dtype(), p, Generator.defaultGenerator());
        return inplace ? input.mul_(mask) : input.mul(mask);
    }

    /** Values 0 (probability p) or 1/(1-p), drawn straight into an array to avoid a tensor per step of the construction. */
    private static Tensor mask(int[] shape, DType dtype, double p, Generator g) {
        int n = dev.ember.engine.Shape.numel(shape);
        double keep = 1 - p, scale = p == 1 ? 0 : 1 / keep;
        if (dtype == DType.FLOAT32) {
            float[] m = new float[n];
            float s = (float) scale;
            for (int i = 0; i < n; i++) if (g.nextDouble() < keep) m[i] = s;
            return Tensor.fromStorage(Storage.of(m), shape);
        }
        double[] m = new double[n];
        for (int i = 0; i < n; i++) if (g.nextDouble() < keep) m[i] = scale;
        Tensor t = Tensor.fromStorage(Storage.of(m), shape);
        return dtype == DType.FLOAT64 ? t : t.to(dtype);
    }

    private static void checkP(double p) {
        if (!(p >= 0 && p <= 1)) throw new IllegalArgumentException("dropout probability has to be between 0 and 1, but got " + p);
    }

    @Override public String extraRepr() { return "p=" + BatchNorm.pyFloat(p) + ", inplace=" + BatchNorm.pyBool(inplace); }
}
