package dev.ember.engine.nn;

/** How a loss combines its per-element values, PyTorch's {@code reduction} argument. */
public enum Reduction {
    /** Per-element losses, unreduced. */
    NONE,
    /** The (weighted) mean, PyTorch's default. */
    MEAN,
    /** The sum. */
    SUM,
    /** The sum divided by the batch size; only {@link KLDivLoss} accepts it, as in PyTorch. */
    BATCHMEAN;

    /** PyTorch's spelling, e.g. {@code mean}. */
    @Override public String toString() { return name().toLowerCase(); }
}
