package dev.ember.engine.optim;

/**
 * Cosine annealing from each group's initial lr down to etaMin over tMax epochs, like
 * torch.optim.lr_scheduler.CosineAnnealingLR, in the closed form
 * etaMin + (base - etaMin) (1 + cos(pi epoch / tMax)) / 2 (the values PyTorch's recursive form produces;
 * past tMax the cosine rises again, as in PyTorch).
 */
public class CosineAnnealingLR extends LRScheduler {
    public final int tMax;
    public final double etaMin;

    public CosineAnnealingLR(Optimizer optimizer, int tMax) { this(optimizer, tMax, 0.0); }

    public CosineAnnealingLR(Optimizer optimizer, int tMax, double etaMin) {
        super(optimizer);
        if (tMax <= 0) throw new IllegalArgumentException("CosineAnnealingLR T_max must be positive, got " + tMax);
        this.tMax = tMax;
        this.etaMin = etaMin;
        initialStep();
    }

    @Override protected double[] computeLr() {
        double[] out = new double[baseLrs.length];
        for (int i = 0; i < out.length; i++) out[i] = etaMin + (baseLrs[i] - etaMin) * (1 + Math.cos(Math.PI * lastEpoch / tMax)) / 2;
        return out;
    }
}
