package dev.ember.engine.optim;

import dev.ember.engine.optim.CommonOptions.WithMaximize;
import dev.ember.engine.Tensor;

import java.util.List;
import java.util.Map;

/**
 * Resilient backpropagation, exactly torch.optim.Rprop: each element keeps its own step size, multiplied by
 * etaplus when the gradient keeps its sign and by etaminus when it flips (then that element skips the update
 * and forgets its gradient), clamped to stepSizes; p -= sign(g) step. Defaults lr=1e-2 (the first step size),
 * etas=(0.5, 1.2), step_sizes=(1e-6, 50). State: {@code step}, {@code prev}, {@code step_size}.
 */
public class Rprop extends Optimizer {
    public Rprop(Iterable<? extends Tensor> params) { this(single(params), Map.of()); }
    public Rprop(Iterable<? extends Tensor> params, double lr) { this(single(params), Map.of("lr", lr)); }
    Rprop(List<ParamGroup> groups, Map<String, Object> options) { super(groups, OPTIONS.resolve(options)); }

    public static final Option<Double> LR = Option.lr(1e-2);
    public static final Option<double[]> ETAS = Option.pair("etas", 0.5, 1.2)
            .check(e -> 0 < e[0] && e[0] < 1 && 1 < e[1], e -> "Invalid eta values: " + e[0] + ", " + e[1]);
    public static final Option<double[]> STEP_SIZES = Option.pair("step_sizes", 1e-6, 50);
    private static final OptionTable OPTIONS = OptionTable.of(LR, ETAS, STEP_SIZES, Option.MAXIMIZE);

    public static Builder builder(Iterable<? extends Tensor> params) { return new Builder(single(params)); }
    public static Builder builder(List<ParamGroup> groups) { return new Builder(groups); }

    @Override protected void update(ParamGroup group, Tensor p, Tensor grad, Map<String, Object> st) {
        double[] etas = ETAS.of(group), sizes = STEP_SIZES.of(group);
        boolean maximize = Option.MAXIMIZE.of(group);
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

    /** Options of {@link Rprop}. */
    public static final class Builder extends OptimizerBuilder<Builder, Rprop> implements WithMaximize<Builder> {
        Builder(List<ParamGroup> groups) { super(groups, Rprop::new); }
        public Builder etas(double etaminus, double etaplus) { return option(ETAS.name(), new double[]{etaminus, etaplus}); }
        public Builder stepSizes(double min, double max) { return option(STEP_SIZES.name(), new double[]{min, max}); }
    }
}
