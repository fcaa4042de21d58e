package dev.ember.engine.train;

import java.util.Map;

/** Hooks into {@link Trainer#fit}; every method has a do-nothing default. */
public interface Callback {
    default void onTrainBegin(Trainer trainer) {}

    default void onEpochBegin(int epoch, Trainer trainer) {}

    /** After each training batch, with the running mean loss of the epoch so far. */
    default void onBatchEnd(int epoch, int batch, int batches, double runningLoss, Trainer trainer) {}

    /** After validation, with this epoch's logs (loss, metrics, val_loss, val_metrics, samples_per_s, seconds). */
    default void onEpochEnd(int epoch, Map<String, Double> logs, Trainer trainer) {}

    default void onTrainEnd(History history, Trainer trainer) {}
}
