package dev.ember.arrow;

import dev.ember.engine.Tensor;

/**
 * One batch of examples on the heap, independent of any Arrow memory.
 *
 * @param features float32 {@code [B, F]} (or {@code [B, C, H, W]} when reshaped)
 * @param labels   int64 {@code [B]} class indexes, float32 {@code [B]} targets, or {@code null} when no label column was asked for
 * @param size     B, the rows kept after skipping bad ones (may be 0)
 */
public record TensorBatch(Tensor features, Tensor labels, int size) {
    public boolean hasLabels() { return labels != null; }
}
