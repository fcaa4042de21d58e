package dev.ember.engine.optim;

import java.util.List;

/**
 * The 1cycle policy, like torch.optim.lr_scheduler.OneCycleLR (two phases): lr rises from maxLr / divFactor
 * to maxLr over the first pctStart of totalSteps, then anneals to maxLr / (divFactor finalDivFactor); with
 * cycleMomentum the momentum (SGD's {@code momentum}, or Adam's beta1) moves the opposite way between
 * maxMomentum and baseMomentum. Step it once per batch; stepping past totalSteps is an error.
 */
public class OneCycleLR extends LRScheduler {
    public enum Anneal { COS, LINEAR }

    public final int totalSteps;
    public final double pctStart;
    public final Anneal anneal;
    public final boolean cycleMomentum;
    private final boolean useBeta1;
    private final double[] phaseEnds;

    /** PyTorch's defaults: pct_start 0.3, cos, cycle momentum 0.85..0.95, div_factor 25, final_div_factor 1e4. */
    public OneCycleLR(Optimizer optimizer, double maxLr, int totalSteps) {
        this(optimizer, maxLr, totalSteps, 0.3, Anneal.COS, true, 0.85, 0.95, 25.0, 1e4);
    }

    public OneCycleLR(Optimizer optimizer, double maxLr, int totalSteps, double pctStart, Anneal anneal, boolean cycleMomentum,
                      double baseMomentum, double maxMomentum, double divFactor, double finalDivFactor) {
        super(prepare(optimizer, maxLr, totalSteps, pctStart, divFactor, finalDivFactor));
        this.totalSteps = totalSteps;
        this.pctStart = pctStart;
        this.anneal = anneal;
        this.cycleMomentum = cycleMomentum;
        this.phaseEnds = new double[]{pctStart * totalSteps - 1, totalSteps - 1};
        useBeta1 = optimizer.defaults().containsKey("betas");
        if (cycleMomentum) {
            if (!optimizer.defaults().containsKey("momentum") && !useBeta1) {
                throw new IllegalArgumentException("optimizer must support momentum or beta1 with `cycle_momentum` option enabled");
            }
            for (ParamGroup g : optimizer.paramGroups()) {
                setMomentum(g, maxMomentum);
                g.set("max_momentum", maxMomentum);
                g.set("base_momentum", baseMomentum);
            }
        }
        initialStep();
    }

    /** Sets initial_lr, max_lr and min_lr in each group before the base class reads initial_lr (as PyTorch does). */
    private static Optimizer prepare(Optimizer optimizer, double maxLr, int totalSteps, double pctStart, double divFactor, double finalDivFactor) {
        if (totalSteps <= 0) throw new IllegalArgumentException("Expected positive integer total_steps, but got " + totalSteps);
        if (pctStart < 0 || pctStart > 1) throw new IllegalArgumentException("Expected float between 0 and 1 pct_start, but got " + pctStart);
        for (ParamGroup g : optimizer.paramGroups()) {
            double initial = maxLr / divFactor;
            g.set("initial_lr", initial);
            g.setLr(initial);
            g.set("max_lr", maxLr);
            g.set("min_lr", initial / finalDivFactor);
        }
        return optimizer;
    }

    private void setMomentum(ParamGroup g, double m) {
        if (useBeta1) g.set("betas", new double[]{m, g.getPair("betas")[1]});
        else g.set("momentum", m);
    }

    private double annealFn(double start, double end, double pct) {
        return anneal == Anneal.COS ? end + (start - end) / 2.0 * (Math.cos(Math.PI * pct) + 1) : (end - start) * pct + start;
    }

    @Override protected double[] computeLr() {
        if (lastEpoch > totalSteps) {
            throw new IllegalStateException("Tried to step " + lastEpoch + " times. The specified number of total steps is " + totalSteps);
        }
        List<ParamGroup> groups = optimizer.paramGroups();
        double[] out = new double[groups.size()];
        for (int i = 0; i < out.length; i++) {
            ParamGroup g = groups.get(i);
            double[] lrs = {g.getDouble("initial_lr"), g.getDouble("max_lr"), g.getDouble("min_lr")};
            double[] moms = cycleMomentum ? new double[]{g.getDouble("max_momentum"), g.getDouble("base_momentum"), g.getDouble("max_momentum")} : null;
            double start = 0;
            for (int phase = 0; phase < 2; phase++) {
                double end = phaseEnds[phase];
                if (lastEpoch <= end || phase == 1) {
                    double pct = (lastEpoch - start) / (end - start);
                    out[i] = annealFn(lrs[phase], lrs[phase + 1], pct);
                    if (cycleMomentum) setMomentum(g, annealFn(moms[phase], moms[phase + 1], pct));
                    break;
                }
                start = end;
            }
        }
        return out;
    }
}
