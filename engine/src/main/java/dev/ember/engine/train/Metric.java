package dev.ember.engine.train;

import dev.ember.engine.Tensor;

/** A quantity accumulated over the batches of an epoch (e.g. accuracy), reported once per epoch. */
public interface Metric {
    /** The name used in logs and History, e.g. "accuracy" (validation adds a "val_" prefix). */
    String name();

    void reset();

    /** Adds one batch: the model output and the target. */
    void update(Tensor output, Tensor target);

    double compute();
}
