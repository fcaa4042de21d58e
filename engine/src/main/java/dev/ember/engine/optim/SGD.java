package dev.ember.engine.optim;

import dev.ember.engine.Tensor;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Stochastic gradient descent with optional momentum, dampening, Nesterov momentum, weight decay and
 * maximize, exactly torch.optim.SGD: d = g + wd p; buf = momentum buf + (1 - dampening) d (buf = d on the
 * first step); d = nesterov ? d + momentum buf : buf; p -= lr d. State: {@code momentum_buffer}.
 */
public class SGD extends Optimizer {
    private static final Map<String, Object> DEFAULTS = new LinkedHashMap<>();
    static {
        DEFAULTS.put("lr", Double.NaN);  // required, as in PyTorch
        DEFAULTS.put("momentum", 0.0);
        DEFAULTS.put("dampening", 0.0);
        DEFAULTS.put("weight_decay", 0.0);
        DEFAULTS.put("nesterov", false);
        DEFAULTS.put("maximize", false);
    }

    public SGD(Iterable<? extends Tensor> params, double lr) { this(single(params), Map.of("lr", lr)); }

    SGD(List<ParamGroup> groups, Map<String, Object> options) { super(groups, validate(OptimizerBuilder.merge(DEFAULTS, options))); }

    private static Map<String, Object> validate(Map<String, Object> o) {
        double lr = (Double) o.get("lr"), momentum = (Double) o.get("momentum"), wd = (Double) o.get("weight_decay");
        OptimizerBuilder.check(!Double.isNaN(lr), "SGD needs a learning rate: SGD.builder(params).lr(0.01)");
        OptimizerBuilder.check(lr >= 0, "Invalid learning rate: " + lr);
        OptimizerBuilder.check(momentum >= 0, "Invalid momentum value: " + momentum);
        OptimizerBuilder.check(wd >= 0, "Invalid weight_decay value: " + wd);
        OptimizerBuilder.check(!(Boolean) o.get("nesterov") || (momentum > 0 && (Double) o.get("dampening") == 0),
                "Nesterov momentum requires a momentum and zero dampening (momentum=" + momentum + ", dampening=" + o.get("dampening") + ")");
        return o;
    }

    public static Builder builder(Iterable<? extends Tensor> params) { return new Builder(single(params)); }
    public static Builder builder(List<ParamGroup> groups) { return new Builder(groups); }

    /** Options of {@link SGD}. */
    public static final class Builder extends OptimizerBuilder<Builder, SGD> {
        Builder(List<ParamGroup> groups) { super(groups); }
        public Builder momentum(double momentum) { return put("momentum", momentum); }
        public Builder dampening(double dampening) { return put("dampening", dampening); }
        public Builder weightDecay(double weightDecay) { return put("weight_decay", weightDecay); }
        public Builder nesterov(boolean nesterov) { return put("nesterov", nesterov); }
        public Builder maximize(boolean maximize) { return put("maximize", maximize); }
        @Override public SGD build() { return new SGD(groups, options); }
    }

    @Override protected void update(ParamGroup group, Tensor p, Tensor grad, Map<String, Object> st) {
        double lr = group.lr(), momentum = group.getDouble("momentum"), dampening = group.getDouble("dampening"), wd = group.getDouble("weight_decay");
        boolean nesterov = group.getBool("nesterov"), maximize = group.getBool("maximize");
        boolean first = momentum != 0 && !st.containsKey("momentum_buffer");
        Vec w = Vec.of(p), g = Vec.of(grad), buf = momentum != 0 ? Vec.of(buffer(st, "momentum_buffer", p)) : null;
        for (int i = 0; i < w.n; i++) {
            double pi = w.get(i), d = maximize ? -g.get(i) : g.get(i);
            if (wd != 0) d += wd * pi;
            if (buf != null) {
                double b = first ? d : momentum * buf.get(i) + (1 - dampening) * d;
                buf.set(i, b);
                d = nesterov ? d + momentum * b : b;
            }
            w.set(i, pi - lr * d);
        }
    }
}
