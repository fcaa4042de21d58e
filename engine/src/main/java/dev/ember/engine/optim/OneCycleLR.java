package dev.ember.engine.optim;

import java.util.List;

/**
 * The 1cycle policy, like torch.optim.lr_scheduler.OneCycleLR. Two phases (the default): lr rises from
 * initial_lr = maxLr / divFactor to maxLr over the first pctStart of totalSteps, then anneals to
 * min_lr = initial_lr / finalDivFactor. Three phases (threePhase): it rises the same way, comes back down to
 * initial_lr over as many steps, then anneals to min_lr. Phases end at steps pctStart totalSteps - 1,
 * (2 pctStart totalSteps - 2, with three phases) and totalSteps - 1. With cycleMomentum the momentum (SGD's
 * {@code momentum}, or Adam's beta1) moves the opposite way between maxMomentum and baseMomentum (staying at
 * maxMomentum in the third phase). Step it once per batch; stepping past totalSteps is an error.
 */
public class OneCycleLR extends LRScheduler {
    public enum Anneal { COS, LINEAR }

    public final int totalSteps;
    public final double pctStart;
    public final Anneal anneal;
    public final boolean cycleMomentum, threePhase;
    private final boolean useBeta1;
    private final List<Phase> phases;

    /** One phase: lr and momentum anneal from the group options named start* to those named end* by step end. */
    private record Phase(double end, String startLr, String endLr, String startMomentum, String endMomentum) {}

    /** PyTorch's defaults: pct_start 0.3, cos, cycle momentum 0.85..0.95, div_factor 25, final_div_factor 1e4. */
    public OneCycleLR(Optimizer optimizer, double maxLr, int totalSteps) {
        this(optimizer, maxLr, totalSteps, 0.3, Anneal.COS, true, 0.85, 0.95, 25.0, 1e4);
    }

    public OneCycleLR(Optimizer optimizer, double maxLr, int totalSteps, double pctStart, Anneal anneal, boolean cycleMomentum,
                      double baseMomentum, double maxMomentum, double divFactor, double finalDivFactor) {
        this(optimizer, maxLr, totalSteps, pctStart, anneal, cycleMomentum, baseMomentum, maxMomentum, divFactor, finalDivFactor, false);
    }

    /** All of PyTorch's options, in its order (three_phase last). */
    public OneCycleLR(Optimizer optimizer, double maxLr, int totalSteps, double pctStart, Anneal anneal, boolean cycleMomentum,
                      double baseMomentum, double maxMomentum, double divFactor, double finalDivFactor, boolean threePhase) {
        super(prepare(optimizer, maxLr, totalSteps, pctStart, divFactor, finalDivFactor));
        this.totalSteps = totalSteps;
        this.pctStart = pctStart;
        this.anneal = anneal;
        this.cycleMomentum = cycleMomentum;
        this.threePhase = threePhase;
        double up = pctStart * totalSteps - 1, last = totalSteps - 1;
        phases = threePhase
                ? List.of(new Phase(up, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                          new Phase(2 * pctStart * totalSteps - 2, "max_lr", "initial_lr", "base_momentum", "max_momentum"),
                          new Phase(last, "initial_lr", "min_lr", "max_momentum", "max_momentum"))
                : List.of(new Phase(up, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                          new Phase(last, "max_lr", "min_lr", "base_momentum", "max_momentum"));
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
            double start = 0;
            for (int k = 0; k < phases.size(); k++) {
                Phase ph = phases.get(k);
                if (lastEpoch <= ph.end() || k == phases.size() - 1) {
                    double pct = (lastEpoch - start) / (ph.end() - start);
                    out[i] = annealFn(g.getDouble(ph.startLr()), g.getDouble(ph.endLr()), pct);
                    if (cycleMomentum) setMomentum(g, annealFn(g.getDouble(ph.startMomentum()), g.getDouble(ph.endMomentum()), pct));
                    break;
                }
                start = ph.end();
            }
        }
        return out;
    }
}
