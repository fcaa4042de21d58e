package dev.ember.engine.optim;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Base class of the epoch-based learning-rate schedulers, like torch.optim.lr_scheduler.LRScheduler: it records
 * each group's {@code initial_lr}, makes the first step at construction (so lr is the epoch-0 value), and
 * each {@link #step()} advances one epoch and writes the new lr into the optimizer's groups. Call it after
 * {@code optimizer.step()}.
 */
public abstract class LRScheduler {
    protected final Optimizer optimizer;
    protected final double[] baseLrs;
    protected int lastEpoch = -1;
    private int stepCount;
    private double[] lastLr;

    protected LRScheduler(Optimizer optimizer) {
        this.optimizer = optimizer;
        List<ParamGroup> groups = optimizer.paramGroups();
        baseLrs = new double[groups.size()];
        for (int i = 0; i < baseLrs.length; i++) {
            ParamGroup g = groups.get(i);
            if (!g.has("initial_lr")) g.set("initial_lr", g.lr());
            baseLrs[i] = g.getDouble("initial_lr");
        }
    }

    /** Subclasses call this at the end of their constructor: PyTorch's initial step to epoch 0. */
    protected final void initialStep() { step(); }

    /** Advances one epoch and sets each group's lr. */
    public void step() {
        stepCount++;
        lastEpoch++;
        double[] lrs = computeLr();
        List<ParamGroup> groups = optimizer.paramGroups();
        for (int i = 0; i < lrs.length; i++) groups.get(i).setLr(lrs[i]);
        lastLr = lrs.clone();
    }

    /** The learning rates for {@link #lastEpoch}, one per group (PyTorch's get_lr). */
    protected abstract double[] computeLr();

    /** The learning rates the last step set, one per group. */
    public double[] getLastLr() { return lastLr.clone(); }

    public int lastEpoch() { return lastEpoch; }

    /** The current lr of group i (helper for chainable schedules). */
    protected double groupLr(int i) { return optimizer.paramGroups().get(i).lr(); }

    /** PyTorch's keys: {@code last_epoch}, {@code base_lrs}, {@code _step_count}, {@code _last_lr}. */
    public Map<String, Object> stateDict() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("last_epoch", lastEpoch);
        out.put("base_lrs", baseLrs.clone());
        out.put("_step_count", stepCount);
        out.put("_last_lr", lastLr.clone());
        return out;
    }

    public void loadStateDict(Map<String, Object> state) {
        lastEpoch = ((Number) state.get("last_epoch")).intValue();
        stepCount = ((Number) state.get("_step_count")).intValue();
        double[] base = (double[]) state.get("base_lrs");
        System.arraycopy(base, 0, baseLrs, 0, baseLrs.length);
        lastLr = ((double[]) state.get("_last_lr")).clone();
    }
}
