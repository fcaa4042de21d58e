package dev.ember.engine.optim;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Cuts the learning rate by factor when a metric stops improving, like torch.optim.lr_scheduler.ReduceLROnPlateau:
 * after more than patience epochs without improvement (improvement meaning better than the best by threshold,
 * relative or absolute), each group's lr becomes max(lr factor, minLr), then cooldown epochs pass before
 * counting again. Call {@link #step(double)} with the validation metric once per epoch.
 */
public class ReduceLROnPlateau {
    public enum Mode { MIN, MAX }
    public enum ThresholdMode { REL, ABS }

    private static final double EPS = 1e-8;

    private final Optimizer optimizer;
    public final Mode mode;
    public final double factor;
    public final int patience;
    public final double threshold;
    public final ThresholdMode thresholdMode;
    public final int cooldown;
    private final double[] minLrs;
    private double best;
    private int numBadEpochs, cooldownCounter, lastEpoch;
    private double[] lastLr;

    /** PyTorch's defaults: mode min, factor 0.1, patience 10, threshold 1e-4 rel, cooldown 0, min_lr 0. */
    public ReduceLROnPlateau(Optimizer optimizer) { this(optimizer, Mode.MIN, 0.1, 10, 1e-4, ThresholdMode.REL, 0, 0.0); }

    public ReduceLROnPlateau(Optimizer optimizer, Mode mode, double factor, int patience, double threshold, ThresholdMode thresholdMode, int cooldown, double minLr) {
        this(optimizer, mode, factor, patience, threshold, thresholdMode, cooldown, filled(optimizer.paramGroups().size(), minLr));
    }

    /** minLrs: one lower bound per parameter group. */
    public ReduceLROnPlateau(Optimizer optimizer, Mode mode, double factor, int patience, double threshold, ThresholdMode thresholdMode, int cooldown, double[] minLrs) {
        if (factor >= 1.0) throw new IllegalArgumentException("Factor should be < 1.0, got " + factor);
        if (minLrs.length != optimizer.paramGroups().size()) {
            throw new IllegalArgumentException("expected " + optimizer.paramGroups().size() + " min_lrs, got " + minLrs.length);
        }
        this.optimizer = optimizer;
        this.mode = mode;
        this.factor = factor;
        this.patience = patience;
        this.threshold = threshold;
        this.thresholdMode = thresholdMode;
        this.cooldown = cooldown;
        this.minLrs = minLrs.clone();
        best = mode == Mode.MIN ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
        lastLr = currentLrs();
    }

    private static double[] filled(int n, double v) {
        double[] a = new double[n];
        java.util.Arrays.fill(a, v);
        return a;
    }

    /** Records one epoch's metric and reduces the learning rates if it has plateaued. */
    public void step(double metric) {
        lastEpoch++;
        if (isBetter(metric)) {
            best = metric;
            numBadEpochs = 0;
        } else {
            numBadEpochs++;
        }
        if (cooldownCounter > 0) {
            cooldownCounter--;
            numBadEpochs = 0;  // ignore bad epochs during cooldown
        }
        if (numBadEpochs > patience) {
            List<ParamGroup> groups = optimizer.paramGroups();
            for (int i = 0; i < groups.size(); i++) {
                double old = groups.get(i).lr(), next = Math.max(old * factor, minLrs[i]);
                if (old - next > EPS) groups.get(i).setLr(next);
            }
            cooldownCounter = cooldown;
            numBadEpochs = 0;
        }
        lastLr = currentLrs();
    }

    private boolean isBetter(double a) {
        if (mode == Mode.MIN) return thresholdMode == ThresholdMode.REL ? a < best * (1 - threshold) : a < best - threshold;
        return thresholdMode == ThresholdMode.REL ? a > best * (threshold + 1) : a > best + threshold;
    }

    private double[] currentLrs() {
        List<ParamGroup> groups = optimizer.paramGroups();
        double[] out = new double[groups.size()];
        for (int i = 0; i < out.length; i++) out[i] = groups.get(i).lr();
        return out;
    }

    public double[] getLastLr() { return lastLr.clone(); }

    /** The best metric so far. */
    public double best() { return best; }

    /** PyTorch's keys for the changing state: best, num_bad_epochs, cooldown_counter, last_epoch, _last_lr. */
    public Map<String, Object> stateDict() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("best", best);
        out.put("num_bad_epochs", numBadEpochs);
        out.put("cooldown_counter", cooldownCounter);
        out.put("last_epoch", lastEpoch);
        out.put("_last_lr", lastLr.clone());
        return out;
    }

    public void loadStateDict(Map<String, Object> state) {
        best = ((Number) state.get("best")).doubleValue();
        numBadEpochs = ((Number) state.get("num_bad_epochs")).intValue();
        cooldownCounter = ((Number) state.get("cooldown_counter")).intValue();
        lastEpoch = ((Number) state.get("last_epoch")).intValue();
        lastLr = ((double[]) state.get("_last_lr")).clone();
    }
}
