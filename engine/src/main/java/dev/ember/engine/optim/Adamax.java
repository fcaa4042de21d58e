package dev.ember.engine.optim;

import dev.ember.engine.Tensor;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Adamax (Adam with the infinity norm), exactly torch.optim.Adamax: g += wd p; m = b1 m + (1 - b1) g;
 * u = max(b2 u, |g| + eps); p -= lr / (1 - b1^t) * m / u. Defaults lr=2e-3, betas=(0.9, 0.999), eps=1e-8.
 * State: {@code step}, {@code exp_avg}, {@code exp_inf}.
 */
public class Adamax extends Optimizer {
    private static final Map<String, Object> DEFAULTS = new LinkedHashMap<>();
    static {
        DEFAULTS.put("lr", 2e-3);
        DEFAULTS.put("betas", new double[]{0.9, 0.999});
        DEFAULTS.put("eps", 1e-8);
        DEFAULTS.put("weight_decay", 0.0);
        DEFAULTS.put("maximize", false);
    }

    public Adamax(Iterable<? extends Tensor> params) { this(single(params), Map.of()); }
    public Adamax(Iterable<? extends Tensor> params, double lr) { this(single(params), Map.of("lr", lr)); }

    Adamax(List<ParamGroup> groups, Map<String, Object> options) { super(groups, OptimizerBuilder.AdamFamily.validate(OptimizerBuilder.merge(DEFAULTS, options))); }

    public static Builder builder(Iterable<? extends Tensor> params) { return new Builder(single(params)); }
    public static Builder builder(List<ParamGroup> groups) { return new Builder(groups); }

    /** Options of {@link Adamax}. */
    public static final class Builder extends OptimizerBuilder.AdamFamily<Builder, Adamax> {
        Builder(List<ParamGroup> groups) { super(groups); }
        public Builder weightDecay(double weightDecay) { return put("weight_decay", weightDecay); }
        @Override public Adamax build() { return new Adamax(groups, options); }
    }

    @Override protected void update(ParamGroup group, Tensor p, Tensor grad, Map<String, Object> st) {
        double lr = group.lr(), eps = group.getDouble("eps"), wd = group.getDouble("weight_decay");
        double[] betas = group.getPair("betas");
        boolean maximize = group.getBool("maximize");
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
}
