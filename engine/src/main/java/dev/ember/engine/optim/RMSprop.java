package dev.ember.engine.optim;

import dev.ember.engine.Tensor;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * RMSprop, exactly torch.optim.RMSprop: g += wd p; v = alpha v + (1 - alpha) g^2; with centered, the
 * running mean m of g is tracked and v - m^2 used instead; a = sqrt(.) + eps; then either p -= lr g / a or,
 * with momentum, buf = momentum buf + g / a and p -= lr buf. Defaults lr=1e-2, alpha=0.99, eps=1e-8.
 * State: {@code step}, {@code square_avg}, {@code momentum_buffer}, {@code grad_avg}.
 */
public class RMSprop extends Optimizer {
    private static final Map<String, Object> DEFAULTS = new LinkedHashMap<>();
    static {
        DEFAULTS.put("lr", 1e-2);
        DEFAULTS.put("alpha", 0.99);
        DEFAULTS.put("eps", 1e-8);
        DEFAULTS.put("weight_decay", 0.0);
        DEFAULTS.put("momentum", 0.0);
        DEFAULTS.put("centered", false);
        DEFAULTS.put("maximize", false);
    }

    public RMSprop(Iterable<? extends Tensor> params) { this(single(params), Map.of()); }
    public RMSprop(Iterable<? extends Tensor> params, double lr) { this(single(params), Map.of("lr", lr)); }

    RMSprop(List<ParamGroup> groups, Map<String, Object> options) { super(groups, validate(OptimizerBuilder.merge(DEFAULTS, options))); }

    private static Map<String, Object> validate(Map<String, Object> o) {
        OptimizerBuilder.check((Double) o.get("lr") >= 0, "Invalid learning rate: " + o.get("lr"));
        OptimizerBuilder.check((Double) o.get("eps") >= 0, "Invalid epsilon value: " + o.get("eps"));
        OptimizerBuilder.check((Double) o.get("momentum") >= 0, "Invalid momentum value: " + o.get("momentum"));
        OptimizerBuilder.check((Double) o.get("weight_decay") >= 0, "Invalid weight_decay value: " + o.get("weight_decay"));
        OptimizerBuilder.check((Double) o.get("alpha") >= 0, "Invalid alpha value: " + o.get("alpha"));
        return o;
    }

    public static Builder builder(Iterable<? extends Tensor> params) { return new Builder(single(params)); }
    public static Builder builder(List<ParamGroup> groups) { return new Builder(groups); }

    /** Options of {@link RMSprop}. */
    public static final class Builder extends OptimizerBuilder<Builder, RMSprop> {
        Builder(List<ParamGroup> groups) { super(groups); }
        public Builder alpha(double alpha) { return put("alpha", alpha); }
        public Builder eps(double eps) { return put("eps", eps); }
        public Builder weightDecay(double weightDecay) { return put("weight_decay", weightDecay); }
        public Builder momentum(double momentum) { return put("momentum", momentum); }
        public Builder centered(boolean centered) { return put("centered", centered); }
        public Builder maximize(boolean maximize) { return put("maximize", maximize); }
        @Override public RMSprop build() { return new RMSprop(groups, options); }
    }

    @Override protected void update(ParamGroup group, Tensor p, Tensor grad, Map<String, Object> st) {
        double lr = group.lr(), alpha = group.getDouble("alpha"), eps = group.getDouble("eps"), wd = group.getDouble("weight_decay"), momentum = group.getDouble("momentum");
        boolean centered = group.getBool("centered"), maximize = group.getBool("maximize");
        nextStep(st);
        Vec w = Vec.of(p), g = Vec.of(grad), v = Vec.of(buffer(st, "square_avg", p));
        Vec buf = momentum > 0 ? Vec.of(buffer(st, "momentum_buffer", p)) : null;
        Vec mean = centered ? Vec.of(buffer(st, "grad_avg", p)) : null;
        for (int i = 0; i < w.n; i++) {
            double pi = w.get(i), gi = maximize ? -g.get(i) : g.get(i);
            if (wd != 0) gi += wd * pi;
            double vi = alpha * v.get(i) + (1 - alpha) * gi * gi;
            v.set(i, vi);
            double avg;
            if (mean != null) {
                double mi = alpha * mean.get(i) + (1 - alpha) * gi;
                mean.set(i, mi);
                avg = Math.sqrt(vi - mi * mi) + eps;
            } else {
                avg = Math.sqrt(vi) + eps;
            }
            if (buf != null) {
                double b = momentum * buf.get(i) + gi / avg;
                buf.set(i, b);
                w.set(i, pi - lr * b);
            } else {
                w.set(i, pi - lr * gi / avg);
            }
        }
    }
}
