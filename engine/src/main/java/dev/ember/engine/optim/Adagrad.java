package dev.ember.engine.optim;

import dev.ember.engine.optim.CommonOptions.WithWeightDecay;
import dev.ember.engine.optim.CommonOptions.WithEps;
import dev.ember.engine.optim.CommonOptions.WithMaximize;
import dev.ember.engine.Tensor;

import java.util.List;
import java.util.Map;

/**
 * Adagrad, exactly torch.optim.Adagrad: g += wd p; clr = lr / (1 + (t - 1) lrDecay); s += g^2;
 * p -= clr g / (sqrt(s) + eps). Defaults lr=1e-2, lr_decay=0, initial_accumulator_value=0, eps=1e-10.
 * State: {@code step}, {@code sum} (starting at initial_accumulator_value).
 */
public class Adagrad extends Optimizer {
    public Adagrad(Iterable<? extends Tensor> params) { this(single(params), Map.of()); }
    public Adagrad(Iterable<? extends Tensor> params, double lr) { this(single(params), Map.of("lr", lr)); }
    Adagrad(List<ParamGroup> groups, Map<String, Object> options) { super(groups, OPTIONS.resolve(options)); }

    public static final Option<Double> LR = Option.lr(1e-2), LR_DECAY = Option.nonNegative("lr_decay", "lr_decay", 0.0);
    public static final Option<Double> WEIGHT_DECAY = Option.weightDecay(0.0), EPS = Option.eps(1e-10);
    public static final Option<Double> INITIAL_ACCUMULATOR_VALUE = Option.nonNegative("initial_accumulator_value", "initial_accumulator_value", 0.0);
    private static final OptionTable OPTIONS = OptionTable.of(LR, LR_DECAY, WEIGHT_DECAY, INITIAL_ACCUMULATOR_VALUE, EPS, Option.MAXIMIZE);

    public static Builder builder(Iterable<? extends Tensor> params) { return new Builder(single(params)); }
    public static Builder builder(List<ParamGroup> groups) { return new Builder(groups); }

    @Override protected void update(ParamGroup group, Tensor p, Tensor grad, Map<String, Object> st) {
        double lr = group.lr(), eps = EPS.of(group), wd = WEIGHT_DECAY.of(group), lrDecay = LR_DECAY.of(group);
        boolean maximize = Option.MAXIMIZE.of(group);
        double init = INITIAL_ACCUMULATOR_VALUE.of(group);
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

    /** Options of {@link Adagrad}. */
    public static final class Builder extends OptimizerBuilder<Builder, Adagrad> implements WithWeightDecay<Builder>, WithEps<Builder>, WithMaximize<Builder> {
        Builder(List<ParamGroup> groups) { super(groups, Adagrad::new); }
        public Builder lrDecay(double lrDecay) { return option(LR_DECAY.name(), lrDecay); }
        public Builder initialAccumulatorValue(double value) { return option(INITIAL_ACCUMULATOR_VALUE.name(), value); }
    }
}
