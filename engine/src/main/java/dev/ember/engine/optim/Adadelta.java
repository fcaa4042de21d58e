package dev.ember.engine.optim;

import dev.ember.engine.optim.CommonOptions.WithEps;
import dev.ember.engine.optim.CommonOptions.WithWeightDecay;
import dev.ember.engine.optim.CommonOptions.WithMaximize;
import dev.ember.engine.Tensor;

import java.util.List;
import java.util.Map;

/**
 * Adadelta, exactly torch.optim.Adadelta: g += wd p; v = rho v + (1 - rho) g^2;
 * d = sqrt(u + eps) / sqrt(v + eps) g; u = rho u + (1 - rho) d^2; p -= lr d. Defaults lr=1, rho=0.9, eps=1e-6.
 * State: {@code step}, {@code square_avg}, {@code acc_delta}.
 */
public class Adadelta extends Optimizer {
    public Adadelta(Iterable<? extends Tensor> params) { this(single(params), Map.of()); }
    public Adadelta(Iterable<? extends Tensor> params, double lr) { this(single(params), Map.of("lr", lr)); }
    Adadelta(List<ParamGroup> groups, Map<String, Object> options) { super(groups, OPTIONS.resolve(options)); }

    public static final Option<Double> LR = Option.lr(1.0), RHO = Option.real("rho", 0.9).check(r -> r >= 0 && r <= 1, r -> "Invalid rho value: " + r);
    public static final Option<Double> EPS = Option.eps(1e-6), WEIGHT_DECAY = Option.weightDecay(0.0);
    private static final OptionTable OPTIONS = OptionTable.of(LR, RHO, EPS, WEIGHT_DECAY, Option.MAXIMIZE);

    public static Builder builder(Iterable<? extends Tensor> params) { return new Builder(single(params)); }
    public static Builder builder(List<ParamGroup> groups) { return new Builder(groups); }

    @Override protected void update(ParamGroup group, Tensor p, Tensor grad, Map<String, Object> st) {
        double lr = group.lr(), rho = RHO.of(group), eps = EPS.of(group), wd = WEIGHT_DECAY.of(group);
        boolean maximize = Option.MAXIMIZE.of(group);
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

    /** Options of {@link Adadelta}. */
    public static final class Builder extends OptimizerBuilder<Builder, Adadelta> implements WithEps<Builder>, WithWeightDecay<Builder>, WithMaximize<Builder> {
        Builder(List<ParamGroup> groups) { super(groups, Adadelta::new); }
        public Builder rho(double rho) { return option(RHO.name(), rho); }
    }
}
