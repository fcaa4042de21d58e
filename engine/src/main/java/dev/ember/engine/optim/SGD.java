package dev.ember.engine.optim;

import dev.ember.engine.optim.CommonOptions.WithMomentum;
import dev.ember.engine.optim.CommonOptions.WithWeightDecay;
import dev.ember.engine.optim.CommonOptions.WithMaximize;
import dev.ember.engine.Tensor;

import java.util.List;
import java.util.Map;

/**
 * Stochastic gradient descent with optional momentum, dampening, Nesterov momentum, weight decay and
 * maximize, exactly torch.optim.SGD: d = g + wd p; buf = momentum buf + (1 - dampening) d (buf = d on the
 * first step); d = nesterov ? d + momentum buf : buf; p -= lr d. State: {@code momentum_buffer}.
 */
public class SGD extends Optimizer {
    public SGD(Iterable<? extends Tensor> params, double lr) { this(single(params), Map.of("lr", lr)); }
    SGD(List<ParamGroup> groups, Map<String, Object> options) { super(groups, OPTIONS.resolve(options)); }

    public static final Option<Double> LR = Option.real("lr", Double.NaN) // required, as in PyTorch
            .check(lr -> !Double.isNaN(lr), lr -> "SGD needs a learning rate: SGD.builder(params).lr(0.01)")
            .check(lr -> lr >= 0, lr -> "Invalid learning rate: " + lr);
    public static final Option<Double> MOMENTUM = Option.nonNegative("momentum", "momentum", 0.0), DAMPENING = Option.real("dampening", 0.0);
    public static final Option<Double> WEIGHT_DECAY = Option.weightDecay(0.0);
    public static final Option<Boolean> NESTEROV = Option.flag("nesterov");
    private static final OptionTable OPTIONS = OptionTable.of(LR, MOMENTUM, DAMPENING, WEIGHT_DECAY, NESTEROV, Option.MAXIMIZE).checkTogether(o ->
            OptionTable.require(!NESTEROV.in(o) || (MOMENTUM.in(o) > 0 && DAMPENING.in(o) == 0),
                    "Nesterov momentum requires a momentum and zero dampening (momentum=" + MOMENTUM.in(o) + ", dampening=" + DAMPENING.in(o) + ")"));

    public static Builder builder(Iterable<? extends Tensor> params) { return new Builder(single(params)); }
    public static Builder builder(List<ParamGroup> groups) { return new Builder(groups); }

    @Override protected void update(ParamGroup group, Tensor p, Tensor grad, Map<String, Object> st) {
        double lr = group.lr(), momentum = MOMENTUM.of(group), dampening = DAMPENING.of(group), wd = WEIGHT_DECAY.of(group);
        boolean nesterov = NESTEROV.of(group), maximize = Option.MAXIMIZE.of(group);
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

    /** Options of {@link SGD}. */
    public static final class Builder extends OptimizerBuilder<Builder, SGD> implements WithMomentum<Builder>, WithWeightDecay<Builder>, WithMaximize<Builder> {
        Builder(List<ParamGroup> groups) { super(groups, SGD::new); }
        public Builder dampening(double dampening) { return option(DAMPENING.name(), dampening); }
        public Builder nesterov(boolean nesterov) { return option(NESTEROV.name(), nesterov); }
    }
}
