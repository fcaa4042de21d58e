package dev.ember.engine.train;

import dev.ember.engine.Tensor;

/**
 * Fraction of correct predictions. Outputs [N, C] are class scores (argmax); outputs [N] or [N, 1]
 * are binary logits or probabilities, thresholded at {@code threshold} (0 for logits, 0.5 for probabilities).
 */
public final class Accuracy implements Metric {
    private final double threshold;
    private long correct, total;

    /** Multi-class accuracy (argmax), or binary with a logit threshold of 0. */
    public Accuracy() { this(0.0); }

    public Accuracy(double binaryThreshold) { this.threshold = binaryThreshold; }

    @Override public String name() { return "accuracy"; }

    @Override public void reset() { correct = total = 0; }

    @Override public void update(Tensor output, Tensor target) {
        Tensor predicted;
        if (output.dim() == 2 && output.size(1) > 1) predicted = output.argmax(1);
        else predicted = output.reshape(-1).gt(threshold).toLong();
        Tensor t = target.reshape(-1).toLong();
        // Equal counts, not broadcasting: a [N, 1] vs [N] mix-up must not be scored as N * N comparisons.
        if (t.numel() != predicted.numel()) {
            throw new IllegalArgumentException("Accuracy: output " + dev.ember.engine.Shape.str(output.shape()) + " gives " + predicted.numel()
                    + " predictions but target " + dev.ember.engine.Shape.str(target.shape()) + " has " + t.numel() + " labels");
        }
        correct += (long) predicted.eq(t).toLong().sum().item();
        total += t.numel();
    }

    @Override public double compute() { return total == 0 ? Double.NaN : (double) correct / total; }
}
