package dev.ember.engine.optim;

import dev.ember.engine.Tensor;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Averaged SGD, exactly torch.optim.ASGD: g += wd p; p = p (1 - lambd eta) - eta g; the average ax follows p
 * (ax += mu (p - ax), or ax = p while mu = 1); then eta = lr / (1 + lambd lr t)^alpha and mu = 1 / max(1, t - t0).
 * Defaults lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6. State: {@code step}, {@code eta}, {@code mu} (numbers), {@code ax}
 * (the averaged parameters, to evaluate with).
 */
public class ASGD extends Optimizer {
    private static final Map<String, Object> DEFAULTS = new LinkedHashMap<>();
    static {
        DEFAULTS.put("lr", 1e-2);
        DEFAULTS.put("lambd", 1e-4);
        DEFAULTS.put("alpha", 0.75);
        DEFAULTS.put("t0", 1e6);
        DEFAULTS.put("weight_decay", 0.0);
        DEFAULTS.put("maximize", false);
    }

    public ASGD(Iterable<? extends Tensor> params) { this(single(params), Map.of()); }
    public ASGD(Iterable<? extends Tensor> params, double lr) { this(single(params), Map.of("lr", lr)); }

    ASGD(List<ParamGroup> groups, Map<String, Object> options) { super(groups, validate(OptimizerBuilder.merge(DEFAULTS, options))); }

    private static Map<String, Object> validate(Map<String, Object> o) {
        OptimizerBuilder.check((Double) o.get("lr") >= 0, "Invalid learning rate: " + o.get("lr"));
        OptimizerBuilder.check((Double) o.get("weight_decay") >= 0, "Invalid weight_decay value: " + o.get("weight_decay"));
        return o;
    }

    public static Builder builder(Iterable<? extends Tensor> params) { return new Builder(single(params)); }
    public static Builder builder(List<ParamGroup> groups) { return new Builder(groups); }

    /** Options of {@link ASGD}. */
    public static final class Builder extends OptimizerBuilder<Builder, ASGD> {
        Builder(List<ParamGroup> groups) { super(groups); }
        public Builder lambd(double lambd) { return put("lambd", lambd); }
        public Builder alpha(double alpha) { return put("alpha", alpha); }
        public Builder t0(double t0) { return put("t0", t0); }
        public Builder weightDecay(double weightDecay) { return put("weight_decay", weightDecay); }
        public Builder maximize(boolean maximize) { return put("maximize", maximize); }
        @Override public ASGD build() { return new ASGD(groups, options); }
    }

    @Override protected void update(ParamGroup group, Tensor p, Tensor grad, Map<String, Object> st) {
        double lr = group.lr(), lambd = group.getDouble("lambd"), alpha = group.getDouble("alpha"), t0 = group.getDouble("t0"), wd = group.getDouble("weight_decay");
        boolean maximize = group.getBool("maximize");
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
}
