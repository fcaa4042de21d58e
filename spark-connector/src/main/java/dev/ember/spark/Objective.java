package dev.ember.spark;

import dev.ember.engine.DType;
import dev.ember.engine.Tensor;
import dev.ember.engine.nn.F;
import dev.ember.engine.nn.Reduction;
import java.util.Arrays;

/**
 * A loss name's meaning: how to compute the loss from the model's output and the labels, whether
 * labels are classes, and how outputs become Spark ML's rawPrediction/probability/prediction.
 */
enum Objective {
    CROSS_ENTROPY("crossEntropy"), NLL("nll"), BCE_WITH_LOGITS("bceWithLogits"),
    MSE("mse"), L1("l1"), SMOOTH_L1("smoothL1"), HUBER("huber");

    final String paramValue;

    Objective(String paramValue) { this.paramValue = paramValue; }

    static Objective of(String loss) {
        for (Objective o : values()) if (o.paramValue.equals(loss)) return o;
        throw new IllegalArgumentException("Unknown loss '" + loss + "'");
    }

    boolean classification() { return this == CROSS_ENTROPY || this == NLL || this == BCE_WITH_LOGITS; }

    /**
     * Number of classes (or 1 for regression) given the model's output width, checking that the two fit:
     * multi-class losses need {@code [B, K]} with K >= 2, the others {@code [B, 1]} (or {@code [B]}).
     */
    int numClasses(int[] outputShape) {
        int width = outputShape.length == 1 ? 1 : outputShape.length == 2 ? outputShape[1] : -1;
        boolean multiClass = this == CROSS_ENTROPY || this == NLL;
        if (multiClass ? width < 2 : width != 1) {
            throw new IllegalArgumentException("loss " + paramValue + " needs a model output of shape " + (multiClass ? "[B, K] with K >= 2 classes" : "[B, 1]")
                    + ", but the model gives " + Arrays.toString(outputShape) + " for a batch of " + outputShape[0]);
        }
        return this == BCE_WITH_LOGITS ? 2 : width;
    }

    /** The mean loss of a batch. {@code labels} are int64 classes or float32 targets as the bridge reads them. */
    Tensor loss(Tensor output, Tensor labels) {
        return switch (this) {
            case CROSS_ENTROPY -> F.crossEntropy(output, labels);
            case NLL -> F.nllLoss(output, labels, null, -100, Reduction.MEAN);
            case BCE_WITH_LOGITS -> F.binaryCrossEntropyWithLogits(flat(output), labels.to(DType.FLOAT32), null, null, Reduction.MEAN);
            case MSE -> F.mseLoss(flat(output), labels, Reduction.MEAN);
            case L1 -> F.l1Loss(flat(output), labels, Reduction.MEAN);
            case SMOOTH_L1 -> F.smoothL1Loss(flat(output), labels, Reduction.MEAN, 1.0);
            case HUBER -> F.huberLoss(flat(output), labels, Reduction.MEAN, 1.0);
        };
    }

    /** Spark ML's rawPrediction: the logits, or {@code [-z, z]} for a single binary logit (as LogisticRegression gives). */
    Tensor rawPrediction(Tensor output) {
        if (this != BCE_WITH_LOGITS) return output;
        Tensor z = output.reshape(output.size(0), 1);
        return Tensor.cat(new Tensor[]{z.neg(), z}, 1);
    }

    /** Class probabilities {@code [B, K]}. */
    Tensor probability(Tensor output) {
        return switch (this) {
            case CROSS_ENTROPY -> F.softmax(output, 1);
            case NLL -> output.exp();
            case BCE_WITH_LOGITS -> {
                Tensor p = output.reshape(output.size(0), 1).sigmoid();
                yield Tensor.cat(new Tensor[]{p.neg().add(1.0), p}, 1);
            }
            default -> throw new IllegalStateException(paramValue + " is not a classification loss");
        };
    }

    /** Rows whose predicted class equals the label. */
    long correct(Tensor output, Tensor labels) {
        Tensor predicted = this == BCE_WITH_LOGITS ? flat(output).gt(0.0).to(DType.INT64) : output.argmax(1, false);
        return (long) predicted.eq(labels.to(DType.INT64)).sum().item();
    }

    private static Tensor flat(Tensor output) { return output.dim() == 1 ? output : output.reshape(output.size(0)); }
}
