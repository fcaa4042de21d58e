package dev.ember.engine.nn;

import dev.ember.engine.Tensor;
import dev.ember.engine.autograd.GradMode;
import dev.ember.engine.backend.Backend;
import dev.ember.engine.ops.Dispatch;
import dev.ember.engine.ops.Reductions;

/** The functional namespace, like torch.nn.functional: stateless versions of the layers and losses. */
public final class F {
    private F() {}

    /** x W^T + b; W^T is a view the GEMM reads transposed, no copy. */
    public static Tensor linear(Tensor input, Tensor weight, Tensor bias) {
        if (input.size(-1) != weight.size(1)) {
            throw new IllegalArgumentException("linear: input has " + input.size(-1) + " features (shape " + dev.ember.engine.Shape.str(input.shape())
                    + ") but the weight expects " + weight.size(1) + " (weight shape " + dev.ember.engine.Shape.str(weight.shape()) + ")");
        }
        if (bias != null && input.dim() == 2 && !recorded(input, weight, bias)) return bias.addmm(input, weight.t());
        Tensor out = input.matmul(weight.t());
        return bias == null ? out : out.add(bias);
    }

    /**
     * Whether autograd records an op on these inputs. Where it does not (inference), ops with a fused kernel use it:
     * the same floats, fewer passes. Where it does, the composed ops keep the graph (and gradients) they always had.
     */
    static boolean recorded(Tensor... inputs) {
        if (!GradMode.isEnabled()) return false;
        for (Tensor t : inputs) if (t.requiresGrad()) return true;
        return false;
    }

    public static Tensor relu(Tensor x) { return x.relu(); }

    /** relu, overwriting x when inplace (as torch's F.relu(x, inplace=True)); a dense x autograd does not record is written in one pass. */
    public static Tensor relu(Tensor x, boolean inplace) {
        if (!inplace) return x.relu();
        Tensor done = Dispatch.unaryInPlace(Backend.Unary.RELU, x);
        return done != null ? done : x.relu_();
    }

    public static Tensor sigmoid(Tensor x) { return x.sigmoid(); }

    public static Tensor tanh(Tensor x) { return x.tanh(); }

    /** x where x > 0, else negativeSlope * x (the gradient at 0 is negativeSlope, as in PyTorch). */
    public static Tensor leakyRelu(Tensor x, double negativeSlope) { return Tensor.where(x.gt(0.0), x, x.mul(negativeSlope)); }

    /** x where x > 0, else alpha (exp(x) - 1); exp sees min(x, 0) so large inputs cannot overflow in the unused branch. */
    public static Tensor elu(Tensor x, double alpha) { return Tensor.where(x.gt(0.0), x, x.clampMax(0.0).exp().sub(1.0).mul(alpha)); }

    /**
     * Gaussian error linear unit x * Phi(x). approximate "none" is exact: x/2 (1 + erf(x / sqrt 2)); "tanh" is
     * x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
     */
    public static Tensor gelu(Tensor x, String approximate) {
        return switch (approximate) {
            case "none" -> x.mul(dev.ember.engine.ops.Special.erf(x.mul(Math.sqrt(0.5))).add(1.0)).mul(0.5);
            case "tanh" -> x.mul(x.mul(x).mul(x).mul(0.044715).add(x).mul(Math.sqrt(2 / Math.PI)).tanh().add(1.0)).mul(0.5);
            default -> throw new IllegalArgumentException("approximate argument must be either none or tanh, got '" + approximate + "'");
        };
    }

    public static Tensor gelu(Tensor x) { return gelu(x, "none"); }

    /**
     * log(1 + exp(beta x)) / beta, and x itself where beta x > threshold (for numerical stability, as in PyTorch);
     * exp sees min(beta x, threshold) so the unused branch cannot overflow.
     */
    public static Tensor softplus(Tensor x, double beta, double threshold) {
        Tensor bx = x.mul(beta);
        Tensor soft = bx.clampMax(threshold).exp().add(1.0).log().div(beta);
        return Tensor.where(bx.gt(threshold), x, soft);
    }

    /** Zeroes elements with probability p and scales the rest by 1/(1-p) when training; the identity otherwise. */
    public static Tensor dropout(Tensor x, double p, boolean training) { return Dropout.dropout(x, p, training, false); }

    /** Batch normalization over dim 1; see {@link BatchNorm#batchNorm}. Running stats may be null; weight and bias may be null. */
    public static Tensor batchNorm(Tensor input, Tensor runningMean, Tensor runningVar, Tensor weight, Tensor bias, boolean training, double momentum, double eps) {
        return BatchNorm.batchNorm(input, runningMean, runningVar, weight, bias, training, momentum, eps);
    }

    /** Layer normalization over the trailing normalizedShape dims; weight and bias may be null. */
    public static Tensor layerNorm(Tensor input, int[] normalizedShape, Tensor weight, Tensor bias, double eps) {
        return LayerNorm.layerNorm(input, normalizedShape, weight, bias, eps);
    }

    /** Rows of weight at the integer indices of input: [*] gives [*, dim]. paddingIdx (or null) gets no gradient. */
    public static Tensor embedding(Tensor input, Tensor weight, Integer paddingIdx) { return Embedding.embedding(input, weight, paddingIdx, false); }

    /** As above, first renormalizing (in place) looked-up rows of weight whose normType-norm exceeds maxNorm (null: none). */
    public static Tensor embedding(Tensor input, Tensor weight, Integer paddingIdx, Double maxNorm, double normType) {
        return Embedding.embedding(input, weight, paddingIdx, maxNorm, normType, false, false);
    }

    /** x1^T A x2 + b for each pair of rows; see {@link Bilinear}. */
    public static Tensor bilinear(Tensor x1, Tensor x2, Tensor weight, Tensor bias) { return Bilinear.bilinear(x1, x2, weight, bias); }

    /** log(softmax(x)) along dim, as x - logsumexp(x): stable for large inputs. */
    public static Tensor logSoftmax(Tensor x, int dim) { return x.sub(x.logsumexp(dim, true)); }

    public static Tensor softmax(Tensor x, int dim) {
        if (!recorded(x)) {
            Tensor fused = Reductions.softmaxRows(x, dim);
            if (fused != null) return fused;
        }
        return logSoftmax(x, dim).exp();
    }

    // ---------------------------------------------------------------- losses (the modules' compute methods)

    /** {@link MSELoss}. */
    public static Tensor mseLoss(Tensor input, Tensor target, Reduction reduction) { return MSELoss.compute(input, target, reduction); }
    /** {@link L1Loss}. */
    public static Tensor l1Loss(Tensor input, Tensor target, Reduction reduction) { return L1Loss.compute(input, target, reduction); }
    /** {@link SmoothL1Loss}. */
    public static Tensor smoothL1Loss(Tensor input, Tensor target, Reduction reduction, double beta) { return SmoothL1Loss.compute(input, target, reduction, beta); }
    /** {@link HuberLoss}. */
    public static Tensor huberLoss(Tensor input, Tensor target, Reduction reduction, double delta) { return HuberLoss.compute(input, target, reduction, delta); }
    /** {@link BCELoss}; weight may be null. */
    public static Tensor binaryCrossEntropy(Tensor input, Tensor target, Tensor weight, Reduction reduction) { return BCELoss.compute(input, target, weight, reduction); }
    /** {@link BCEWithLogitsLoss}; weight and posWeight may be null. */
    public static Tensor binaryCrossEntropyWithLogits(Tensor input, Tensor target, Tensor weight, Tensor posWeight, Reduction reduction) {
        return BCEWithLogitsLoss.compute(input, target, weight, posWeight, reduction);
    }
    /** {@link CrossEntropyLoss}; weight may be null. */
    public static Tensor crossEntropy(Tensor input, Tensor target, Tensor weight, long ignoreIndex, Reduction reduction, double labelSmoothing) {
        return CrossEntropyLoss.compute(input, target, weight, ignoreIndex, reduction, labelSmoothing);
    }
    /** Mean cross entropy with PyTorch's defaults. */
    public static Tensor crossEntropy(Tensor input, Tensor target) { return CrossEntropyLoss.compute(input, target, null, -100, Reduction.MEAN, 0.0); }
    /** {@link NLLLoss}; weight may be null. */
    public static Tensor nllLoss(Tensor input, Tensor target, Tensor weight, long ignoreIndex, Reduction reduction) { return NLLLoss.compute(input, target, weight, ignoreIndex, reduction); }
    /** {@link KLDivLoss}. */
    public static Tensor klDiv(Tensor input, Tensor target, Reduction reduction, boolean logTarget) { return KLDivLoss.compute(input, target, reduction, logTarget); }

    // ---------------------------------------------------------------- convolution and pooling

    /** 1-d convolution of [N, C, L] or [C, L] input with weight [O, C/groups, k]; bias may be null. */
    public static Tensor conv1d(Tensor input, Tensor weight, Tensor bias, int stride, int padding, int dilation, int groups) {
        return dev.ember.engine.ops.Convolution.conv1d(input, weight, bias, stride, padding, dilation, groups);
    }

    /** 2-d convolution of [N, C, H, W] or [C, H, W] input with weight [O, C/groups, kH, kW]; each int[] is one value or {h, w}. */
    public static Tensor conv2d(Tensor input, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] dilation, int groups) {
        return dev.ember.engine.ops.Convolution.conv2d(input, weight, bias, stride, padding, dilation, groups);
    }

    /** conv2d with stride 1, no padding, no dilation, one group. */
    public static Tensor conv2d(Tensor input, Tensor weight, Tensor bias) { return conv2d(input, weight, bias, new int[]{1}, new int[]{0}, new int[]{1}, 1); }

    /** Max pooling with stride = kernel size (stride null) or the given stride; each int[] is one value or {h, w}. */
    public static Tensor maxPool2d(Tensor input, int[] kernelSize, int[] stride, int[] padding) {
        return dev.ember.engine.ops.Pooling.maxPool2d(input, kernelSize, stride, padding, new int[]{1}, false);
    }

    public static Tensor maxPool2d(Tensor input, int kernelSize) { return maxPool2d(input, new int[]{kernelSize}, null, new int[]{0}); }

    /** Average pooling, PyTorch's defaults: ceilMode false, padding counted in the divisor, no divisor override. */
    public static Tensor avgPool2d(Tensor input, int[] kernelSize, int[] stride, int[] padding) {
        return dev.ember.engine.ops.Pooling.avgPool2d(input, kernelSize, stride, padding, false, true, 0);
    }

    /** Average pooling with every option; divisorOverride 0 means none. */
    public static Tensor avgPool2d(Tensor input, int[] kernelSize, int[] stride, int[] padding, boolean ceilMode, boolean countIncludePad, int divisorOverride) {
        return dev.ember.engine.ops.Pooling.avgPool2d(input, kernelSize, stride, padding, ceilMode, countIncludePad, divisorOverride);
    }

    /** Averages each plane down to outputSize (one value or {h, w}). */
    public static Tensor adaptiveAvgPool2d(Tensor input, int[] outputSize) { return dev.ember.engine.ops.Pooling.adaptiveAvgPool2d(input, outputSize); }
}
