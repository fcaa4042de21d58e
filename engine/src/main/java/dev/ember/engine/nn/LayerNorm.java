package dev.ember.engine.nn;

import dev.ember.engine.Shape;
import dev.ember.engine.Tensor;
import dev.ember.engine.optim.Option;

import java.util.Arrays;

/**
 * Layer normalization over the last dims, like torch.nn.LayerNorm: each sample's trailing normalizedShape block is
 * shifted to mean 0 and scaled to (biased) variance 1, then multiplied by weight and shifted by bias (both of
 * normalizedShape). Unlike BatchNorm it behaves the same in training and eval.
 */
public class LayerNorm extends Module {
    /** PyTorch's defaults of the optional arguments, declared once: the short constructors and the model spec read them. */
    public static final Option<Double> EPS = Option.real("eps", 1e-5);
    public static final Option<Boolean> ELEMENTWISE_AFFINE = Option.bool("elementwise_affine", true);

    public final int[] normalizedShape;
    public final double eps;
    public final boolean elementwiseAffine;
    public Parameter weight;
    public Parameter bias;

    public LayerNorm(int... normalizedShape) { this(normalizedShape, EPS.defaultValue(), ELEMENTWISE_AFFINE.defaultValue()); }

    public LayerNorm(int[] normalizedShape, double eps, boolean elementwiseAffine) {
        if (normalizedShape.length == 0) throw new IllegalArgumentException("LayerNorm needs a non-empty normalized_shape");
        for (int d : normalizedShape) {
            if (d <= 0) throw new IllegalArgumentException("LayerNorm needs positive sizes in normalized_shape, got " + Shape.str(normalizedShape));
        }
        this.normalizedShape = normalizedShape.clone();
        this.eps = eps;
        this.elementwiseAffine = elementwiseAffine;
        if (elementwiseAffine) {
            weight = new Parameter(Tensor.ones(normalizedShape));
            bias = new Parameter(Tensor.zeros(normalizedShape));
        }
    }

    /** Weight 1, bias 0. */
    public void resetParameters() {
        if (elementwiseAffine) {
            Init.ones_(weight);
            Init.zeros_(bias);
        }
    }

    @Override public Tensor forward(Tensor input) { return layerNorm(input, normalizedShape, weight, bias, eps); }

    /** Functional layer norm (F.layerNorm); weight and bias may be null. */
    public static Tensor layerNorm(Tensor input, int[] normalizedShape, Tensor weight, Tensor bias, double eps) {
        int k = normalizedShape.length, lead = input.dim() - k;
        boolean fits = lead >= 0;
        for (int i = 0; fits && i < k; i++) fits = input.size(lead + i) == normalizedShape[i];
        if (!fits) {
            String dims = Arrays.toString(normalizedShape);
            throw new IllegalArgumentException("Given normalized_shape=" + dims + ", expected input with shape [*, " + dims.substring(1, dims.length() - 1)
                    + "], but got input of size " + Shape.str(input.shape()));
        }
        checkAffine("weight", weight, normalizedShape);
        checkAffine("bias", bias, normalizedShape);
        int[] dims = new int[k];
        for (int i = 0; i < k; i++) dims[i] = lead + i;
        Tensor centered = input.sub(input.mean(dims, true));
        Tensor var = centered.square().mean(dims, true);
        Tensor out = centered.mul(var.add(eps).rsqrt());
        if (weight != null) out = out.mul(weight);
        if (bias != null) out = out.add(bias);
        return out;
    }

    private static void checkAffine(String name, Tensor t, int[] normalizedShape) {
        if (t != null && !Arrays.equals(t.shape(), normalizedShape)) {
            throw new IllegalArgumentException("layer_norm: expected " + name + " of shape " + Shape.str(normalizedShape) + ", got " + Shape.str(t.shape()));
        }
    }

    @Override public String extraRepr() {
        StringBuilder tuple = new StringBuilder("(");
        for (int i = 0; i < normalizedShape.length; i++) tuple.append(i > 0 ? ", " : "").append(normalizedShape[i]);
        tuple.append(normalizedShape.length == 1 ? ",)" : ")");
        return tuple + ", eps=" + BatchNorm.pyFloat(eps) + ", elementwise_affine=" + BatchNorm.pyBool(elementwiseAffine);
    }
}
