package dev.ember.spark;

import dev.ember.engine.Storage;
import dev.ember.engine.Tensor;
import java.io.Serializable;

/**
 * One partition's training examples: what the executors cache once and train on every round. The features are
 * {@link FeatureChunks} (on the heap or in local files, see {@link CacheStorage}), the labels one array; plain
 * arrays keep it cheap for Spark's block manager to measure and, if a task runs on another executor, to serialize.
 * Built by {@link RowChunks}.
 *
 * @param partition the partition index
 * @param features  the rows' float32 feature values
 * @param classes   int64 class labels, or null for regression
 * @param targets   float32 regression targets, or null for classification
 * @param skipped   rows dropped by {@code handleInvalid = "skip"}
 */
record PartitionData(int partition, FeatureChunks features, long[] classes, float[] targets, int rows, long skipped)
        implements Serializable {

    int numFeatures() { return features.numFeatures(); }

    /** Rows {@code rowIds} in that order as {@code {features [n, F], labels [n]}}: the same values wherever the features are stored. */
    Tensor[] batch(int[] rowIds) {
        int n = rowIds.length, f = numFeatures();
        float[] x = new float[Math.multiplyExact(n, f)];
        for (int i = 0; i < n; i++) features.copyRow(rowIds[i], x, i * f);
        Tensor labels;
        if (classes != null) {
            long[] y = new long[n];
            for (int i = 0; i < n; i++) y[i] = classes[rowIds[i]];
            labels = Tensor.fromStorage(Storage.of(y), new int[]{n});
        } else {
            float[] y = new float[n];
            for (int i = 0; i < n; i++) y[i] = targets[rowIds[i]];
            labels = Tensor.fromStorage(Storage.of(y), new int[]{n});
        }
        return new Tensor[]{Tensor.fromStorage(Storage.of(x), new int[]{n, f}), labels};
    }

    /** Optimizer steps in one pass over the rows; the last batch may be smaller, never dropped. */
    int stepsPerEpoch(int batchSize) { return (rows + batchSize - 1) / batchSize; }
}
