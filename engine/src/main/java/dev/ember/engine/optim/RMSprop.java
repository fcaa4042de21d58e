package dev.ember.engine.optim;

import dev.ember.engine.optim.CommonOptions.WithEps;
import dev.ember.engine.optim.CommonOptions.WithWeightDecay;
import dev.ember.engine.optim.CommonOptions.WithMomentum;
import dev.ember.engine.optim.CommonOptions.WithMaximize;
import dev.ember.engine.Tensor;

import java.util.List;
import java.util.Map;

/**
 * RMSprop, exactly torch.optim.RMSprop: g += wd p; v = alpha v + (1 - alpha) g^2; with centered, the
 * running mean m of g is tracked and v - m^2 used instead; a = sqrt(.) + eps; then either p -= lr g / a or,
 * with momentum, buf = momentum buf + g / a and p -= lr buf. Defaults lr=1e-2, alpha=0.99, eps=1e-8.
 * State: {@code step}, {@code square_avg}, {@code momentum_buffer}, {@code grad_avg}.
 */
public class RMSprop extends Optimizer {
    public RMSprop(Iterable<? extends Tensor> params) { this(single(params), Map.of()); }
    public RMSprop(Iterable<? extends Tensor> params, double lr) { this(single(params), Map.of("lr", lr)); }
    RMSprop(List<ParamGroup> groups, Map<String, Object> options) { super(groups, OPTIONS.resolve(options)); }

    public static final Option<Double> LR = Option.lr(1e-2), ALPHA = Option.nonNegative("alpha", "alpha", 0.99), EPS = Option.eps(1e-8);
    public static final Option<Double> WEIGHT_DECAY = Option.weightDecay(0.0), MOMENTUM = Option.nonNegative("momentum", "momentum", 0.0);
    public static final Option<Boolean> CENTERED = Option.flag("centered");
    private static final OptionTable OPTIONS = OptionTable.of(LR, ALPHA, EPS, WEIGHT_DECAY, MOMENTUM, CENTERED, Option.MAXIMIZE);

    public static Builder builder(Iterable<? extends Tensor> params) { return new Builder(single(params)); }
    public static Builder builder(List<ParamGroup> groups) { return new Builder(groups); }

    @Override protected void update(ParamGroup group, Tensor p, Tensor grad, Map<String, Object> st) {
        double lr = group.lr(), alpha = ALPHA.of(group), eps = EPS.of(group), wd = WEIGHT_DECAY.of(group), momentum = MOMENTUM.of(group);
        boolean centered = CENTERED.of(group), maximize = Option.MAXIMIZE.of(group);
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

    /** Options of {@link RMSprop}. */
    public static final class Builder extends OptimizerBuilder<Builder, RMSprop> implements WithEps<Builder>, WithWeightDecay<Builder>, WithMomentum<Builder>, WithMaximize<Builder> {
        Builder(List<ParamGroup> groups) { super(groups, RMSprop::new); }
        public Builder alpha(double alpha) { return option(ALPHA.name(), alpha); }
        public Builder centered(boolean centered) { return option(CENTERED.name(), centered); }
    }
}
