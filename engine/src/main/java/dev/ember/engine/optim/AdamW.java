package dev.ember.engine.optim;

import dev.ember.engine.Tensor;

import java.util.List;
import java.util.Map;

/**
 * Adam with decoupled weight decay, exactly torch.optim.AdamW: p *= 1 - lr wd, then the Adam step on the
 * raw gradient. Default weight decay 1e-2. Same state and builder options as {@link Adam}.
 */
public class AdamW extends Optimizer {
    public AdamW(Iterable<? extends Tensor> params) { this(single(params), Map.of()); }
    public AdamW(Iterable<? extends Tensor> params, double lr) { this(single(params), Map.of("lr", lr)); }
    AdamW(List<ParamGroup> groups, Map<String, Object> options) { super(groups, OPTIONS.resolve(options)); }

    private static final OptionTable OPTIONS = Adam.table(Option.weightDecay(1e-2));

    public static Builder builder(Iterable<? extends Tensor> params) { return new Builder(single(params)); }
    public static Builder builder(List<ParamGroup> groups) { return new Builder(groups); }

    /** The step is the backend's fused kernel, so it runs where the parameters are. */
    @Override protected boolean updatesOnEveryDevice() { return true; }

    @Override protected void update(ParamGroup group, Tensor p, Tensor grad, Map<String, Object> st) {
        Adam.adamUpdate(group, p, grad, st, true);
    }

    /** Options of {@link AdamW}. */
    public static final class Builder extends Adam.Options<Builder, AdamW> {
        Builder(List<ParamGroup> groups) { super(groups, AdamW::new); }
    }
}
