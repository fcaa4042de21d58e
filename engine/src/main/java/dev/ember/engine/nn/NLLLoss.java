package dev.ember.engine.nn;

import dev.ember.engine.DType;
import dev.ember.engine.Shape;
import dev.ember.engine.Storage;
import dev.ember.engine.Tensor;

import java.util.Arrays;

/**
 * Negative log likelihood, like torch.nn.NLLLoss: loss_i = -w[t_i] input[i, t_i] for log-probability input
 * [N, C] (or [N, C, d1, ...], or unbatched [C]) and int64 class targets [N] (or [N, d1, ...], or a 0-d
 * target). Targets equal to ignoreIndex contribute 0, and the mean divides by the sum of the weights of the
 * targets that are not ignored, exactly as PyTorch (NaN when every target is ignored).
 */
public class NLLLoss extends Loss {
    public final long ignoreIndex;

    public NLLLoss() { this(null, -100, Reduction.MEAN); }
    public NLLLoss(Reduction reduction) { this(null, -100, reduction); }
    /** weight: one value per class, or null. */
    public NLLLoss(Tensor weight, long ignoreIndex, Reduction reduction) {
        super(reduction);
        this.ignoreIndex = ignoreIndex;
        registerBuffer("weight", weight);
    }

    @Override public Tensor forward(Tensor input, Tensor target) { return compute(input, target, buffer("weight"), ignoreIndex, reduction); }

    /** The functional form, {@link F#nllLoss}. */
    public static Tensor compute(Tensor input, Tensor target, Tensor weight, long ignoreIndex, Reduction reduction) {
        Picked p = pick(input, target, weight, ignoreIndex, "nll_loss");
        return switch (reduction) {
            case NONE -> p.loss;
            case SUM -> p.loss.sum();
            case MEAN -> p.loss.sum().div(p.weightSum);
            case BATCHMEAN -> throw new IllegalArgumentException("reduction 'batchmean' is only valid for kl_div, not nll_loss");
        };
    }

    /** Unreduced -w[t] input[.., t, ..] (0 where ignored) and the sum of w[t] over targets not ignored. */
    record Picked(Tensor loss, double weightSum) {}

    static Picked pick(Tensor input, Tensor target, Tensor weight, long ignoreIndex, String lossName) {
        checkFloat(input, "input", lossName);
        if (target.dtype() != DType.INT64 && target.dtype() != DType.INT32) {
            throw new IllegalArgumentException(lossName + ": expected target of class indices with dtype int64, but got " + target.dtype()
                    + (target.dtype().isFloatingPoint() ? " (class probabilities need a target of the input's shape and cross_entropy)" : ""));
        }
        if (input.dim() == 0) throw new IllegalArgumentException(lossName + ": input must have at least 1 dimension (classes), got shape []");
        boolean unbatched = input.dim() == 1;
        Tensor x = unbatched ? input.unsqueeze(0) : input;
        Tensor t = unbatched ? target.reshape(target.numel() == 1 && target.dim() <= 1 ? new int[]{1} : target.shape()) : target;
        int n = x.size(0), c = x.size(1);
        int[] expected = new int[x.dim() - 1];
        expected[0] = n;
        for (int i = 2; i < x.dim(); i++) expected[i - 1] = x.size(i);
        if (unbatched ? target.dim() != 0 : !Arrays.equals(t.shape(), expected)) {
            throw new IllegalArgumentException(lossName + ": expected target of shape " + (unbatched ? "[]" : Shape.str(expected)) + " for input of shape "
                    + Shape.str(input.shape()) + ", got target of shape " + Shape.str(target.shape()));
        }
        double[] w = null;
        if (weight != null) {
            if (weight.dim() != 1 || weight.numel() != c) {
                throw new IllegalArgumentException(lossName + ": weight tensor should be defined either for all " + c + " classes or no classes but got weight tensor of shape: "
                        + Shape.str(weight.shape()));
            }
            w = weight.toDoubleArray();
        }
        int inner = x.numel() / Math.max(1, n * c);
        long[] cls = t.toLongArray();
        // A constant with -w[t] at each target's slot: input * coef summed over classes is the loss, and its
        // gradient (coef) is exact and differentiable again.
        Storage coef = Storage.allocate(x.dtype(), x.numel());
        double weightSum = 0;
        for (int i = 0; i < n; i++) {
            for (int s = 0; s < inner; s++) {
                long k = cls[i * inner + s];
                if (k == ignoreIndex) continue;
                if (k < 0 || k >= c) {
                    throw new IndexOutOfBoundsException(lossName + ": target " + k + " is out of bounds for " + c + " classes (expected 0 <= target < " + c
                            + " or the ignore index " + ignoreIndex + ")");
                }
                double wk = w == null ? 1 : w[(int) k];
                coef.setDouble((i * c + (int) k) * inner + s, -wk);
                weightSum += wk;
            }
        }
        Tensor loss = x.mul(Tensor.fromStorage(coef, x.shape()).to(x.device())).sum(1);
        return new Picked(unbatched ? loss.reshape() : loss, weightSum);
    }

    @Override public String extraRepr() { return "ignore_index=" + ignoreIndex + (reduction == Reduction.MEAN ? "" : ", reduction=" + reduction); }
}
