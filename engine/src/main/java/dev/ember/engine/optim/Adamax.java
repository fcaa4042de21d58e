package dev.ember.engine.optim;

import dev.ember.engine.optim.CommonOptions.AdamFamily;
import dev.ember.engine.optim.CommonOptions.WithWeightDecay;
import dev.ember.engine.Tensor;

import java.util.List;
import java.util.Map;

/**
 * Adamax (Adam with the infinity norm), exactly torch.optim.Adamax: g += wd p; m = b1 m + (1 - b1) g;
 * u = max(b2 u, |g| + eps); p -= lr / (1 - b1^t) * m / u. Defaults lr=2e-3, betas=(0.9, 0.999), eps=1e-8.
 * State: {@code step}, {@code exp_avg}, {@code exp_inf}.
 */
public class Adamax extends Optimizer {
    public Adamax(Iterable<? extends Tensor> params) { this(single(params), Map.of()); }
    public Adamax(Iterable<? extends Tensor> params, double lr) { this(single(params), Map.of("lr", lr)); }
    Adamax(List<ParamGroup> groups, Map<String, Object> options) { super(groups, OPTIONS.resolve(options)); }

    public static final Option<Double> LR = Option.lr(2e-3);
    public static final Option<double[]> BETAS = Option.betas(0.9, 0.999);
    public static final Option<Double> EPS = Option.eps(1e-8), WEIGHT_DECAY = Option.weightDecay(0.0);
    private static final OptionTable OPTIONS = OptionTable.of(LR, BETAS, EPS, WEIGHT_DECAY, Option.MAXIMIZE);

    public static Builder builder(Iterable<? extends Tensor> params) { return new Builder(single(params)); }
    public static Builder builder(List<ParamGroup> groups) { return new Builder(groups); }

    @Override protected void update(ParamGroup group, Tensor p, Tensor grad, Map<String, Object> st) {
        double lr = group.lr(), eps = EPS.of(group), wd = WEIGHT_DECAY.of(group);
        double[] betas = BETAS.of(group);
        boolean maximize = Option.MAXIMIZE.of(group);
        double step = nextStep(st);
        Vec w = Vec.of(p), g = Vec.of(grad), m = Vec.of(buffer(st, "exp_avg", p)), u = Vec.of(buffer(st, "exp_inf", p));
        double clr = lr / (1 - Math.pow(betas[0], step));
        for (int i = 0; i < w.n; i++) {
            double pi = w.get(i), gi = maximize ? -g.get(i) : g.get(i);
            if (wd != 0) gi += wd * pi;
            double mi = betas[0] * m.get(i) + (1 - betas[0]) * gi;
            double ui = Math.max(betas[1] * u.get(i), Math.abs(gi) + eps);
            m.set(i, mi);
            u.set(i, ui);
            w.set(i, pi - clr * mi / ui);
        }
    }

    /** Options of {@link Adamax}. */
    public static final class Builder extends OptimizerBuilder<Builder, Adamax> implements AdamFamily<Builder>, WithWeightDecay<Builder> {
        Builder(List<ParamGroup> groups) { super(groups, Adamax::new); }
    }
}
