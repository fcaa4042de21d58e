package dev.ember.engine.nn;

import dev.ember.engine.Shape;
import dev.ember.engine.Tensor;

/** Batch normalization over the channels of an [N, C, H, W] input, like torch.nn.BatchNorm2d. */
public class BatchNorm2d extends BatchNorm {
    public BatchNorm2d(int numFeatures) { this(numFeatures, EPS.defaultValue(), MOMENTUM.defaultValue(), AFFINE.defaultValue(), TRACK_RUNNING_STATS.defaultValue()); }

    /** momentum null gives a cumulative moving average of all batches seen. */
    public BatchNorm2d(int numFeatures, double eps, Double momentum, boolean affine, boolean trackRunningStats) {
        super(numFeatures, eps, momentum, affine, trackRunningStats);
    }

    @Override protected void checkInputDim(Tensor input) {
        if (input.dim() != 4) {
            throw new IllegalArgumentException("BatchNorm2d expected 4D input (got " + input.dim() + "D input of shape " + Shape.str(input.shape()) + ")");
        }
    }
}
