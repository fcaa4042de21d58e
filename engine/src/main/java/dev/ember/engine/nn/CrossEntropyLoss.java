package dev.ember.engine.nn;

import dev.ember.engine.Shape;
import dev.ember.engine.Tensor;
import dev.ember.engine.backend.Backend;
import dev.ember.engine.ops.Dispatch;

import java.util.Arrays;

/**
 * log_softmax followed by {@link NLLLoss}, like torch.nn.CrossEntropyLoss. Input: raw scores [N, C],
 * [N, C, d1, ...] or unbatched [C]. Target: int64 class indices ([N], [N, d1, ...] or 0-d), or float class
 * probabilities of the input's shape. With labelSmoothing e the target becomes (1 - e) one-hot + e / C.
 * Reductions follow PyTorch 1.13 exactly, including its label-smoothing normalisation: the mean divides by
 * the summed weights of non-ignored targets (their count without weights), also for the smoothing term.
 */
public class CrossEntropyLoss extends Loss {
    public final long ignoreIndex;
    public final double labelSmoothing;

    public CrossEntropyLoss() { this(null, -100, Reduction.MEAN, 0.0); }
    public CrossEntropyLoss(Reduction reduction) { this(null, -100, reduction, 0.0); }
    /** weight: one value per class, or null. */
    public CrossEntropyLoss(Tensor weight, long ignoreIndex, Reduction reduction, double labelSmoothing) {
        super(reduction);
        checkSmoothing(labelSmoothing);
        this.ignoreIndex = ignoreIndex;
        this.labelSmoothing = labelSmoothing;
        registerBuffer("weight", weight);
    }

    @Override public Tensor forward(Tensor input, Tensor target) {
        return compute(input, target, buffer("weight"), ignoreIndex, reduction, labelSmoothing);
    }

    /** The functional form, {@link F#crossEntropy}. */
    public static Tensor compute(Tensor input, Tensor target, Tensor weight, long ignoreIndex, Reduction reduction, double labelSmoothing) {
        checkFloat(input, "input", "cross_entropy");
        checkSmoothing(labelSmoothing);
        if (reduction == Reduction.BATCHMEAN) throw new IllegalArgumentException("reduction 'batchmean' is only valid for kl_div, not cross_entropy");
        if (input.dim() == 0) throw new IllegalArgumentException("cross_entropy: input must have at least 1 dimension (classes), got shape []");
        int classDim = input.dim() == 1 ? 0 : 1, c = input.size(classDim);
        Tensor logp = logSoftmax(input, classDim);
        Tensor w = weight == null ? null : weight.to(input.dtype()).reshape(classWeightShape(input.dim(), classDim, c, weight));
        if (target.dtype().isFloatingPoint()) {
            if (!Arrays.equals(input.shape(), target.shape())) {
                throw new IllegalArgumentException("cross_entropy: class-probability target (" + target.dtype() + ") of shape " + Shape.str(target.shape())
                        + " must have the input's shape " + Shape.str(input.shape()) + " (class-index targets must be int64)");
            }
            Tensor t = labelSmoothing > 0 ? target.mul(1 - labelSmoothing).add(labelSmoothing / c) : target;
            Tensor terms = logp.mul(t.to(input.dtype()));
            if (w != null) terms = terms.mul(w);
            Tensor loss = terms.sum(classDim).neg();
            return switch (reduction) {
                case NONE -> loss;
                case SUM -> loss.sum();
                default -> loss.sum().div((double) input.numel() / c);
            };
        }
        NLLLoss.Picked nll = NLLLoss.pick(logp, target, weight, ignoreIndex, "cross_entropy");
        Tensor nllLoss = switch (reduction) {
            case NONE -> nll.loss();
            case SUM -> nll.loss().sum();
            default -> nll.loss().sum().div(nll.weightSum());
        };
        if (labelSmoothing == 0) return nllLoss;
        Tensor smooth = (w == null ? logp : logp.mul(w)).sum(classDim).neg();
        Tensor kept = target.ne((double) ignoreIndex).reshape(smooth.shape()).to(smooth.dtype());
        smooth = smooth.mul(kept);
        Tensor smoothLoss = switch (reduction) {
            case NONE -> smooth;
            case SUM -> smooth.sum();
            default -> smooth.sum().div(w == null ? kept.sum().item() : nll.weightSum());
        };
        return nllLoss.mul(1 - labelSmoothing).add(smoothLoss.mul(labelSmoothing / c));
    }

    /** x - logsumexp(x) along dim, with the max taken by the reduce kernel (no gather needed). */
    static Tensor logSoftmax(Tensor x, int dim) {
        Tensor m = Dispatch.reduce(Backend.Reduce.MAX, x.detach(), new int[]{dim}, true);
        m = Tensor.where(m.abs().eq(Double.POSITIVE_INFINITY), m.zerosLike(), m);
        Tensor shifted = x.sub(m);
        return shifted.sub(shifted.exp().sum(dim, true).log());
    }

    private static int[] classWeightShape(int rank, int classDim, int c, Tensor weight) {
        if (weight.dim() != 1 || weight.numel() != c) {
            throw new IllegalArgumentException("cross_entropy: weight tensor should be defined either for all " + c + " classes or no classes but got weight tensor of shape: "
                    + Shape.str(weight.shape()));
        }
        int[] s = new int[rank];
        Arrays.fill(s, 1);
        s[classDim] = c;
        return s;
    }

    private static void checkSmoothing(double e) {
        if (!(e >= 0 && e <= 1)) throw new IllegalArgumentException("label_smoothing must be between 0.0 and 1.0, got " + e);
    }

    @Override public String extraRepr() {
        return "ignore_index=" + ignoreIndex + (reduction == Reduction.MEAN ? "" : ", reduction=" + reduction) + (labelSmoothing == 0 ? "" : ", label_smoothing=" + labelSmoothing);
    }
}
