package dev.ember.engine.optim;

/** Multiplies each group's lr by gamma every epoch, like torch.optim.lr_scheduler.ExponentialLR. */
public class ExponentialLR extends LRScheduler {
    public final double gamma;

    public ExponentialLR(Optimizer optimizer, double gamma) {
        super(optimizer);
        this.gamma = gamma;
        initialStep();
    }

    @Override protected double[] computeLr() {
        double[] out = new double[baseLrs.length];
        for (int i = 0; i < out.length; i++) out[i] = lastEpoch == 0 ? groupLr(i) : groupLr(i) * gamma;
        return out;
    }
}
