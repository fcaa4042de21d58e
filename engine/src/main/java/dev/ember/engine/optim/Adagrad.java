package dev.ember.engine.optim;

import dev.ember.engine.Tensor;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Adagrad, exactly torch.optim.Adagrad: g += wd p; clr = lr / (1 + (t - 1) lrDecay); s += g^2;
 * p -= clr g / (sqrt(s) + eps). Defaults lr=1e-2, lr_decay=0, initial_accumulator_value=0, eps=1e-10.
 * State: {@code step}, {@code sum} (starting at initial_accumulator_value).
 */
public class Adagrad extends Optimizer {
    private static final Map<String, Object> DEFAULTS = new LinkedHashMap<>();
    static {
        DEFAULTS.put("lr", 1e-2);
        DEFAULTS.put("lr_decay", 0.0);
        DEFAULTS.put("weight_decay", 0.0);
        DEFAULTS.put("initial_accumulator_value", 0.0);
        DEFAULTS.put("eps", 1e-10);
        DEFAULTS.put("maximize", false);
    }

    public Adagrad(Iterable<? extends Tensor> params) { this(single(params), Map.of()); }
    public Adagrad(Iterable<? extends Tensor> params, double lr) { this(single(params), Map.of("lr", lr)); }

    Adagrad(List<ParamGroup> groups, Map<String, Object> options) { super(groups, validate(OptimizerBuilder.merge(DEFAULTS, options))); }

    private static Map<String, Object> validate(Map<String, Object> o) {
        OptimizerBuilder.check((Double) o.get("lr") >= 0, "Invalid learning rate: " + o.get("lr"));
        OptimizerBuilder.check((Double) o.get("lr_decay") >= 0, "Invalid lr_decay value: " + o.get("lr_decay"));
        OptimizerBuilder.check((Double) o.get("weight_decay") >= 0, "Invalid weight_decay value: " + o.get("weight_decay"));
        OptimizerBuilder.check((Double) o.get("initial_accumulator_value") >= 0, "Invalid initial_accumulator_value value: " + o.get("initial_accumulator_value"));
        OptimizerBuilder.check((Double) o.get("eps") >= 0, "Invalid epsilon value: " + o.get("eps"));
        return o;
    }

    public static Builder builder(Iterable<? extends Tensor> params) { return new Builder(single(params)); }
    public static Builder builder(List<ParamGroup> groups) { return new Builder(groups); }

    /** Options of {@link Adagrad}. */
    public static final class Builder extends OptimizerBuilder<Builder, Adagrad> {
        Builder(List<ParamGroup> groups) { super(groups); }
        public Builder lrDecay(double lrDecay) { return put("lr_decay", lrDecay); }
        public Builder weightDecay(double weightDecay) { return put("weight_decay", weightDecay); }
        public Builder initialAccumulatorValue(double value) { return put("initial_accumulator_value", value); }
        public Builder eps(double eps) { return put("eps", eps); }
        public Builder maximize(boolean maximize) { return put("maximize", maximize); }
        @Override public Adagrad build() { return new Adagrad(groups, options); }
    }

    @Override protected void update(ParamGroup group, Tensor p, Tensor grad, Map<String, Object> st) {
        double lr = group.lr(), eps = group.getDouble("eps"), wd = group.getDouble("weight_decay"), lrDecay = group.getDouble("lr_decay");
        boolean maximize = group.getBool("maximize");
        double init = group.getDouble("initial_accumulator_value");
        Tensor sum = (Tensor) st.computeIfAbsent("sum", k -> Tensor.full(p.shape(), init, p.dtype()));
        double step = nextStep(st);
        double clr = lr / (1 + (step - 1) * lrDecay);
        Vec w = Vec.of(p), g = Vec.of(grad), s = Vec.of(sum);
        for (int i = 0; i < w.n; i++) {
            double pi = w.get(i), gi = maximize ? -g.get(i) : g.get(i);
            if (wd != 0) gi += wd * pi;
            double si = s.get(i) + gi * gi;
            s.set(i, si);
            w.set(i, pi - clr * gi / (Math.sqrt(si) + eps));
        }
    }
}
