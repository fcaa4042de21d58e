package dev.ember.engine.optim;

import dev.ember.engine.optim.CommonOptions.AdamFamily;
import dev.ember.engine.optim.CommonOptions.WithWeightDecay;
import java.util.function.BiFunction;

import dev.ember.engine.Tensor;
import dev.ember.engine.backend.AdamStep;
import dev.ember.engine.ops.Dispatch;

import java.util.List;
import java.util.Map;

/**
 * Adam, exactly torch.optim.Adam (1.13): g += wd p (L2 penalty); m = b1 m + (1 - b1) g;
 * v = b2 v + (1 - b2) g^2; p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps), with v replaced by
 * its running maximum under amsgrad. State: {@code step}, {@code exp_avg}, {@code exp_avg_sq}
 * ({@code max_exp_avg_sq}). The step runs as one fused backend kernel ({@code Backend.adamStep}).
 */
public class Adam extends Optimizer {
    public Adam(Iterable<? extends Tensor> params) { this(single(params), Map.of()); }
    public Adam(Iterable<? extends Tensor> params, double lr) { this(single(params), Map.of("lr", lr)); }
    Adam(List<ParamGroup> groups, Map<String, Object> options) { super(groups, OPTIONS.resolve(options)); }

    public static final Option<Double> LR = Option.lr(1e-3), EPS = Option.eps(1e-8), WEIGHT_DECAY = Option.weightDecay(0.0);
    public static final Option<double[]> BETAS = Option.betas(0.9, 0.999);
    public static final Option<Boolean> AMSGRAD = Option.flag("amsgrad");
    private static final OptionTable OPTIONS = table(WEIGHT_DECAY);

    /** Adam's and AdamW's options, which differ in the default weight decay only. */
    static OptionTable table(Option<Double> weightDecay) { return OptionTable.of(LR, BETAS, EPS, weightDecay, AMSGRAD, Option.MAXIMIZE); }

    public static Builder builder(Iterable<? extends Tensor> params) { return new Builder(single(params)); }
    public static Builder builder(List<ParamGroup> groups) { return new Builder(groups); }

    /** The step is the backend's fused kernel, so it runs where the parameters are. */
    @Override protected boolean updatesOnEveryDevice() { return true; }

    @Override protected void update(ParamGroup group, Tensor p, Tensor grad, Map<String, Object> st) {
        adamUpdate(group, p, grad, st, false);
    }

    /** The Adam step; decoupled applies weight decay to p directly (AdamW) instead of adding it to g. */
    static void adamUpdate(ParamGroup group, Tensor p, Tensor grad, Map<String, Object> st, boolean decoupled) {
        double lr = group.lr(), eps = EPS.of(group), wd = WEIGHT_DECAY.of(group);
        double[] betas = BETAS.of(group);
        double b1 = betas[0], b2 = betas[1];
        boolean amsgrad = AMSGRAD.of(group), maximize = Option.MAXIMIZE.of(group);
        double step = nextStep(st);
        Tensor m = buffer(st, "exp_avg", p), v = buffer(st, "exp_avg_sq", p), vmax = amsgrad ? buffer(st, "max_exp_avg_sq", p) : null;
        double stepSize = lr / (1 - Math.pow(b1, step)), bc2Sqrt = Math.sqrt(1 - Math.pow(b2, step));
        double decay = decoupled ? 1 - lr * wd : 1, l2 = decoupled ? 0 : wd;
        AdamStep adam = new AdamStep(b1, b2, eps, stepSize, bc2Sqrt, decay, l2, maximize);
        if (!p.dtype().isFloatingPoint()) throw new IllegalArgumentException("optimizers update floating point tensors only, got " + p.dtype());
        for (Tensor t : new Tensor[]{p, grad, m, v, vmax}) {
            if (t != null && !t.isContiguous()) throw new IllegalStateException("optimizer state must be contiguous");
        }
        Tensor g = grad.dtype() == p.dtype() ? grad : Dispatch.dense(grad, p.dtype());
        Dispatch.backend("adam", p, g, m, v, vmax).adamStep(adam, p.numel(), p.storage().buffer(), p.offset(), g.storage().buffer(), g.offset(),
                m.storage().buffer(), m.offset(), v.storage().buffer(), v.offset(), vmax == null ? null : vmax.storage().buffer(), vmax == null ? 0 : vmax.offset());
    }

    /** Options of {@link Adam} and {@link AdamW}: the Adam family's, plus weight decay and amsgrad. */
    public abstract static class Options<B extends Options<B, O>, O extends Optimizer> extends OptimizerBuilder<B, O>
            implements AdamFamily<B>, WithWeightDecay<B> {
        Options(List<ParamGroup> groups, BiFunction<List<ParamGroup>, Map<String, Object>, O> make) { super(groups, make); }
        public B amsgrad(boolean amsgrad) { return option(AMSGRAD.name(), amsgrad); }
    }

    /** Options of {@link Adam}. */
    public static final class Builder extends Options<Builder, Adam> {
        Builder(List<ParamGroup> groups) { super(groups, Adam::new); }
    }
}
