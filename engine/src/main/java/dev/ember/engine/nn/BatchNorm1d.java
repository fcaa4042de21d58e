package dev.ember.engine.nn;

import dev.ember.engine.Shape;
import dev.ember.engine.Tensor;

/** Batch normalization over a [N, C] or [N, C, L] input, like torch.nn.BatchNorm1d. */
public class BatchNorm1d extends BatchNorm {
    public BatchNorm1d(int numFeatures) { this(numFeatures, EPS.defaultValue(), MOMENTUM.defaultValue(), AFFINE.defaultValue(), TRACK_RUNNING_STATS.defaultValue()); }

    /** momentum null gives a cumulative moving average of all batches seen. */
    public BatchNorm1d(int numFeatures, double eps, Double momentum, boolean affine, boolean trackRunningStats) {
        super(numFeatures, eps, momentum, affine, trackRunningStats);
    }

    @Override protected void checkInputDim(Tensor input) {
        if (input.dim() != 2 && input.dim() != 3) {
            throw new IllegalArgumentException("BatchNorm1d expected 2D or 3D input (got " + input.dim() + "D input of shape " + Shape.str(input.shape()) + ")");
        }
    }
}
