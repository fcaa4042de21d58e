package dev.ember.engine.optim;

import dev.ember.engine.optim.CommonOptions.WithWeightDecay;
import dev.ember.engine.optim.CommonOptions.WithMaximize;
import dev.ember.engine.Tensor;

import java.util.List;
import java.util.Map;

/**
 * Averaged SGD, exactly torch.optim.ASGD: g += wd p; p = p (1 - lambd eta) - eta g; the average ax follows p
 * (ax += mu (p - ax), or ax = p while mu = 1); then eta = lr / (1 + lambd lr t)^alpha and mu = 1 / max(1, t - t0).
 * Defaults lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6. State: {@code step}, {@code eta}, {@code mu} (numbers), {@code ax}
 * (the averaged parameters, to evaluate with).
 */
public class ASGD extends Optimizer {
    public ASGD(Iterable<? extends Tensor> params) { this(single(params), Map.of()); }
    public ASGD(Iterable<? extends Tensor> params, double lr) { this(single(params), Map.of("lr", lr)); }
    ASGD(List<ParamGroup> groups, Map<String, Object> options) { super(groups, OPTIONS.resolve(options)); }

    public static final Option<Double> LR = Option.lr(1e-2), LAMBD = Option.real("lambd", 1e-4), ALPHA = Option.real("alpha", 0.75);
    public static final Option<Double> T0 = Option.real("t0", 1e6), WEIGHT_DECAY = Option.weightDecay(0.0);
    private static final OptionTable OPTIONS = OptionTable.of(LR, LAMBD, ALPHA, T0, WEIGHT_DECAY, Option.MAXIMIZE);

    public static Builder builder(Iterable<? extends Tensor> params) { return new Builder(single(params)); }
    public static Builder builder(List<ParamGroup> groups) { return new Builder(groups); }

    @Override protected void update(ParamGroup group, Tensor p, Tensor grad, Map<String, Object> st) {
        double lr = group.lr(), lambd = LAMBD.of(group), alpha = ALPHA.of(group), t0 = T0.of(group), wd = WEIGHT_DECAY.of(group);
        boolean maximize = Option.MAXIMIZE.of(group);
        // PyTorch keeps eta and mu in float32 tensors whatever the parameter's dtype; rounding the same way matches it exactly.
        double eta = ((Number) st.getOrDefault("eta", (double) (float) lr)).doubleValue(), mu = ((Number) st.getOrDefault("mu", 1.0)).doubleValue();
        double step = nextStep(st);
        Vec w = Vec.of(p), g = Vec.of(grad), ax = Vec.of(buffer(st, "ax", p));
        for (int i = 0; i < w.n; i++) {
            double pi = w.get(i), gi = maximize ? -g.get(i) : g.get(i);
            if (wd != 0) gi += wd * pi;
            pi = pi * (1 - lambd * eta) - eta * gi;
            w.set(i, pi);
            pi = w.get(i);  // the stored (rounded) value, which PyTorch averages
            ax.set(i, mu != 1 ? ax.get(i) + (pi - ax.get(i)) * mu : pi);
        }
        st.put("eta", (double) (float) (lr / Math.pow(1 + lambd * lr * step, alpha)));
        st.put("mu", (double) (float) (1 / Math.max(1, step - t0)));
    }

    /** Options of {@link ASGD}. */
    public static final class Builder extends OptimizerBuilder<Builder, ASGD> implements WithWeightDecay<Builder>, WithMaximize<Builder> {
        Builder(List<ParamGroup> groups) { super(groups, ASGD::new); }
        public Builder lambd(double lambd) { return option(LAMBD.name(), lambd); }
        public Builder alpha(double alpha) { return option(ALPHA.name(), alpha); }
        public Builder t0(double t0) { return option(T0.name(), t0); }
    }
}
