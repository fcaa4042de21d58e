package dev.ember.engine.nn;

import dev.ember.engine.Shape;
import dev.ember.engine.Tensor;
import dev.ember.engine.optim.Option;

import java.util.Arrays;

/**
 * y_k = x1^T A_k x2 + b_k, like torch.nn.Bilinear: weight is [out, in1, in2], bias [out]; inputs [*, in1] and
 * [*, in2] with the same leading dims give [*, out]. Both are initialized U(-1/sqrt(in1), 1/sqrt(in1)).
 */
public class Bilinear extends Module {
    /** PyTorch's defaults of the optional arguments, declared once: the short constructors and the model spec read them. */
    public static final Option<Boolean> BIAS = Linear.BIAS;

    public final int in1Features, in2Features, outFeatures;
    public Parameter weight;
    public Parameter bias;

    public Bilinear(int in1Features, int in2Features, int outFeatures) { this(in1Features, in2Features, outFeatures, BIAS.defaultValue()); }

    public Bilinear(int in1Features, int in2Features, int outFeatures, boolean bias) {
        if (in1Features <= 0 || in2Features <= 0 || outFeatures <= 0) {
            throw new IllegalArgumentException("Bilinear needs positive sizes, got in1=" + in1Features + ", in2=" + in2Features + ", out=" + outFeatures);
        }
        this.in1Features = in1Features;
        this.in2Features = in2Features;
        this.outFeatures = outFeatures;
        this.weight = new Parameter(Tensor.empty(outFeatures, in1Features, in2Features));
        this.bias = bias ? new Parameter(Tensor.empty(outFeatures)) : null;
        resetParameters();
    }

    /** PyTorch's default: U(-1/sqrt(in1), 1/sqrt(in1)) for weight and bias. */
    public void resetParameters() {
        double bound = 1 / Math.sqrt(in1Features);
        Init.uniform_(weight, -bound, bound);
        if (bias != null) Init.uniform_(bias, -bound, bound);
    }

    /** Bilinear takes two inputs. */
    public Tensor forward(Tensor x1, Tensor x2) { return bilinear(x1, x2, weight, bias); }

    /**
     * Functional form (F.bilinear). Computed as one GEMM, x1 [N, in1] times A rearranged to [in1, out*in2], followed by a
     * row-wise product with x2 summed over in2.
     */
    public static Tensor bilinear(Tensor x1, Tensor x2, Tensor weight, Tensor bias) {
        if (weight.dim() != 3) throw new IllegalArgumentException("bilinear: weight must be [out, in1, in2], got shape " + Shape.str(weight.shape()));
        int out = weight.size(0), in1 = weight.size(1), in2 = weight.size(2);
        if (x1.dim() == 0 || x2.dim() == 0 || x1.size(-1) != in1 || x2.size(-1) != in2) {
            throw new IllegalArgumentException("bilinear: expected inputs [*, " + in1 + "] and [*, " + in2 + "] for weight of shape " + Shape.str(weight.shape())
                    + ", got " + Shape.str(x1.shape()) + " and " + Shape.str(x2.shape()));
        }
        int[] lead = Arrays.copyOf(x1.shape(), x1.dim() - 1);
        if (!Arrays.equals(lead, Arrays.copyOf(x2.shape(), x2.dim() - 1))) {
            throw new IllegalArgumentException("bilinear: input1 and input2 must have the same leading dims, got " + Shape.str(x1.shape()) + " and " + Shape.str(x2.shape()));
        }
        if (bias != null && (bias.dim() != 1 || bias.size(0) != out)) {
            throw new IllegalArgumentException("bilinear: bias must be [" + out + "], got shape " + Shape.str(bias.shape()));
        }
        int n = Shape.numel(lead);
        Tensor a = x1.reshape(n, in1), b = x2.reshape(n, in2);
        Tensor w = weight.permute(1, 0, 2).reshape(in1, out * in2);
        Tensor y = a.mm(w).reshape(n, out, in2).mul(b.unsqueeze(1)).sum(2);
        if (bias != null) y = y.add(bias);
        int[] outShape = Arrays.copyOf(lead, lead.length + 1);
        outShape[lead.length] = out;
        return y.reshape(outShape);
    }

    @Override public String extraRepr() {
        return "in1_features=" + in1Features + ", in2_features=" + in2Features + ", out_features=" + outFeatures + ", bias=" + BatchNorm.pyBool(bias != null);
    }
}
