package dev.ember.spark;

import dev.ember.arrow.ArrowToTensor;
import dev.ember.arrow.TensorBatch;
import dev.ember.engine.Storage;
import dev.ember.engine.Tensor;
import java.io.Serializable;
import java.util.List;

/**
 * One partition's training examples as flat arrays: what the executors cache once and train on every
 * round. Plain arrays keep it cheap for Spark's block manager to measure and, if a task runs on
 * another executor, to serialize.
 *
 * @param partition  the partition index
 * @param features   row-major float32 values, {@code rows * numFeatures}
 * @param numFeatures F
 * @param classes    int64 class labels, or null for regression
 * @param targets    float32 regression targets, or null for classification
 * @param skipped    rows dropped by {@code handleInvalid = "skip"}
 */
record PartitionData(int partition, float[] features, int numFeatures, long[] classes, float[] targets, int rows, long skipped)
        implements Serializable {

    /** Concatenates the bridge's batches of one partition. */
    static PartitionData of(int partition, List<TensorBatch> batches, ArrowToTensor converter, boolean classification) {
        int rows = 0;
        for (TensorBatch b : batches) rows += b.size();
        int f = converter.numFeatures();
        float[] x = new float[Math.multiplyExact(rows, f)];
        long[] classes = classification ? new long[rows] : null;
        float[] targets = classification ? null : new float[rows];
        int at = 0;
        for (TensorBatch b : batches) {
            System.arraycopy(b.features().toFloatArray(), 0, x, at * f, b.size() * f);
            Tensor y = b.labels();
            if (classification) System.arraycopy(y.toLongArray(), 0, classes, at, b.size());
            else System.arraycopy(y.toFloatArray(), 0, targets, at, b.size());
            at += b.size();
        }
        return new PartitionData(partition, x, f, classes, targets, rows, converter.skippedRows());
    }

    Tensor featureTensor() { return Tensor.fromStorage(Storage.of(features), new int[]{rows, numFeatures}); }

    Tensor labelTensor() {
        return classes != null ? Tensor.fromStorage(Storage.of(classes), new int[]{rows}) : Tensor.fromStorage(Storage.of(targets), new int[]{rows});
    }

    /** Optimizer steps in one pass over the rows; the last batch may be smaller, never dropped. */
    int stepsPerEpoch(int batchSize) { return (rows + batchSize - 1) / batchSize; }
}
