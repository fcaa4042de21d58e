package dev.ember.engine.optim;

import dev.ember.engine.Tensor;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Resilient backpropagation, exactly torch.optim.Rprop: each element keeps its own step size, multiplied by
 * etaplus when the gradient keeps its sign and by etaminus when it flips (then that element skips the update
 * and forgets its gradient), clamped to stepSizes; p -= sign(g) step. Defaults lr=1e-2 (the first step size),
 * etas=(0.5, 1.2), step_sizes=(1e-6, 50). State: {@code step}, {@code prev}, {@code step_size}.
 */
public class Rprop extends Optimizer {
    private static final Map<String, Object> DEFAULTS = new LinkedHashMap<>();
    static {
        DEFAULTS.put("lr", 1e-2);
        DEFAULTS.put("etas", new double[]{0.5, 1.2});
        DEFAULTS.put("step_sizes", new double[]{1e-6, 50});
        DEFAULTS.put("maximize", false);
    }

    public Rprop(Iterable<? extends Tensor> params) { this(single(params), Map.of()); }
    public Rprop(Iterable<? extends Tensor> params, double lr) { this(single(params), Map.of("lr", lr)); }

    Rprop(List<ParamGroup> groups, Map<String, Object> options) { super(groups, validate(OptimizerBuilder.merge(DEFAULTS, options))); }

    private static Map<String, Object> validate(Map<String, Object> o) {
        double[] etas = (double[]) o.get("etas");
        OptimizerBuilder.check((Double) o.get("lr") >= 0, "Invalid learning rate: " + o.get("lr"));
        OptimizerBuilder.check(0 < etas[0] && etas[0] < 1 && 1 < etas[1], "Invalid eta values: " + etas[0] + ", " + etas[1]);
        return o;
    }

    public static Builder builder(Iterable<? extends Tensor> params) { return new Builder(single(params)); }
    public static Builder builder(List<ParamGroup> groups) { return new Builder(groups); }

    /** Options of {@link Rprop}. */
    public static final class Builder extends OptimizerBuilder<Builder, Rprop> {
        Builder(List<ParamGroup> groups) { super(groups); }
        public Builder etas(double etaminus, double etaplus) { return put("etas", new double[]{etaminus, etaplus}); }
        public Builder stepSizes(double min, double max) { return put("step_sizes", new double[]{min, max}); }
        public Builder maximize(boolean maximize) { return put("maximize", maximize); }
        @Override public Rprop build() { return new Rprop(groups, options); }
    }

    @Override protected void update(ParamGroup group, Tensor p, Tensor grad, Map<String, Object> st) {
        double[] etas = group.getPair("etas"), sizes = group.getPair("step_sizes");
        boolean maximize = group.getBool("maximize");
        double lr = group.lr();
        Tensor stepSize = (Tensor) st.computeIfAbsent("step_size", k -> Tensor.full(p.shape(), lr, p.dtype()));
        nextStep(st);
        Vec w = Vec.of(p), g = Vec.of(grad), prev = Vec.of(buffer(st, "prev", p)), s = Vec.of(stepSize);
        for (int i = 0; i < w.n; i++) {
            double gi = maximize ? -g.get(i) : g.get(i);
            double same = gi * prev.get(i);
            double factor = same > 0 ? etas[1] : same < 0 ? etas[0] : 1;
            double si = Math.min(Math.max(s.get(i) * factor, sizes[0]), sizes[1]);
            s.set(i, si);
            if (same < 0) gi = 0;  // a sign flip: skip this element now and forget its gradient
            w.set(i, w.get(i) - Math.signum(gi) * s.get(i));
            prev.set(i, gi);
        }
    }
}
