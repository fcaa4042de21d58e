package dev.ember.engine.optim;

import dev.ember.engine.Tensor;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Adadelta, exactly torch.optim.Adadelta: g += wd p; v = rho v + (1 - rho) g^2;
 * d = sqrt(u + eps) / sqrt(v + eps) g; u = rho u + (1 - rho) d^2; p -= lr d. Defaults lr=1, rho=0.9, eps=1e-6.
 * State: {@code step}, {@code square_avg}, {@code acc_delta}.
 */
public class Adadelta extends Optimizer {
    private static final Map<String, Object> DEFAULTS = new LinkedHashMap<>();
    static {
        DEFAULTS.put("lr", 1.0);
        DEFAULTS.put("rho", 0.9);
        DEFAULTS.put("eps", 1e-6);
        DEFAULTS.put("weight_decay", 0.0);
        DEFAULTS.put("maximize", false);
    }

    public Adadelta(Iterable<? extends Tensor> params) { this(single(params), Map.of()); }
    public Adadelta(Iterable<? extends Tensor> params, double lr) { this(single(params), Map.of("lr", lr)); }

    Adadelta(List<ParamGroup> groups, Map<String, Object> options) { super(groups, validate(OptimizerBuilder.merge(DEFAULTS, options))); }

    private static Map<String, Object> validate(Map<String, Object> o) {
        double rho = (Double) o.get("rho");
        OptimizerBuilder.check((Double) o.get("lr") >= 0, "Invalid learning rate: " + o.get("lr"));
        OptimizerBuilder.check(rho >= 0 && rho <= 1, "Invalid rho value: " + rho);
        OptimizerBuilder.check((Double) o.get("eps") >= 0, "Invalid epsilon value: " + o.get("eps"));
        OptimizerBuilder.check((Double) o.get("weight_decay") >= 0, "Invalid weight_decay value: " + o.get("weight_decay"));
        return o;
    }

    public static Builder builder(Iterable<? extends Tensor> params) { return new Builder(single(params)); }
    public static Builder builder(List<ParamGroup> groups) { return new Builder(groups); }

    /** Options of {@link Adadelta}. */
    public static final class Builder extends OptimizerBuilder<Builder, Adadelta> {
        Builder(List<ParamGroup> groups) { super(groups); }
        public Builder rho(double rho) { return put("rho", rho); }
        public Builder eps(double eps) { return put("eps", eps); }
        public Builder weightDecay(double weightDecay) { return put("weight_decay", weightDecay); }
        public Builder maximize(boolean maximize) { return put("maximize", maximize); }
        @Override public Adadelta build() { return new Adadelta(groups, options); }
    }

    @Override protected void update(ParamGroup group, Tensor p, Tensor grad, Map<String, Object> st) {
        double lr = group.lr(), rho = group.getDouble("rho"), eps = group.getDouble("eps"), wd = group.getDouble("weight_decay");
        boolean maximize = group.getBool("maximize");
        nextStep(st);
        Vec w = Vec.of(p), g = Vec.of(grad), v = Vec.of(buffer(st, "square_avg", p)), u = Vec.of(buffer(st, "acc_delta", p));
        for (int i = 0; i < w.n; i++) {
            double pi = w.get(i), gi = maximize ? -g.get(i) : g.get(i);
            if (wd != 0) gi += wd * pi;
            double vi = rho * v.get(i) + (1 - rho) * gi * gi;
            double d = Math.sqrt(u.get(i) + eps) / Math.sqrt(vi + eps) * gi;
            v.set(i, vi);
            u.set(i, rho * u.get(i) + (1 - rho) * d * d);
            w.set(i, pi - lr * d);
        }
    }
}
