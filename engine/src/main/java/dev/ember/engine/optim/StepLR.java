package dev.ember.engine.optim;

/** Multiplies each group's lr by gamma every stepSize epochs, like torch.optim.lr_scheduler.StepLR (chainable form). */
public class StepLR extends LRScheduler {
    public final int stepSize;
    public final double gamma;

    public StepLR(Optimizer optimizer, int stepSize) { this(optimizer, stepSize, 0.1); }

    public StepLR(Optimizer optimizer, int stepSize, double gamma) {
        super(optimizer);
        if (stepSize <= 0) throw new IllegalArgumentException("StepLR step_size must be positive, got " + stepSize);
        this.stepSize = stepSize;
        this.gamma = gamma;
        initialStep();
    }

    @Override protected double[] computeLr() {
        double[] out = new double[baseLrs.length];
        boolean decay = lastEpoch != 0 && lastEpoch % stepSize == 0;
        for (int i = 0; i < out.length; i++) out[i] = decay ? groupLr(i) * gamma : groupLr(i);
        return out;
    }
}
