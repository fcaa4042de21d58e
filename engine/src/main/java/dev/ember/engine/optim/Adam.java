package dev.ember.engine.optim;

import dev.ember.engine.optim.CommonOptions.AdamFamily;
import dev.ember.engine.optim.CommonOptions.WithWeightDecay;
import java.util.function.BiFunction;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import dev.ember.engine.DType;
import dev.ember.engine.Tensor;

import java.util.List;
import java.util.Map;

/**
 * Adam, exactly torch.optim.Adam (1.13): g += wd p (L2 penalty); m = b1 m + (1 - b1) g;
 * v = b2 v + (1 - b2) g^2; p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps), with v replaced by
 * its running maximum under amsgrad. State: {@code step}, {@code exp_avg}, {@code exp_avg_sq}
 * ({@code max_exp_avg_sq}). float32 parameters take a fused loop over the storage.
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
        if (p.dtype() == DType.FLOAT32) {
            fusedFloat(p, grad, m, v, vmax, (float) b1, (float) b2, (float) eps, (float) stepSize, (float) bc2Sqrt, (float) decay, (float) l2, maximize);
            return;
        }
        Vec w = Vec.of(p), g = Vec.of(grad), mv = Vec.of(m), vv = Vec.of(v), mx = vmax == null ? null : Vec.of(vmax);
        for (int i = 0; i < w.n; i++) {
            double pi = w.get(i) * decay, gi = maximize ? -g.get(i) : g.get(i);
            if (l2 != 0) gi += l2 * w.get(i);
            double mi = b1 * mv.get(i) + (1 - b1) * gi, vi = b2 * vv.get(i) + (1 - b2) * gi * gi;
            mv.set(i, mi);
            vv.set(i, vi);
            if (mx != null) {
                vi = Math.max(mx.get(i), vi);
                mx.set(i, vi);
            }
            w.set(i, pi - stepSize * mi / (Math.sqrt(vi) / bc2Sqrt + eps));
        }
    }

    /** One pass over float32 storage, in float arithmetic like PyTorch's float32 kernels. */
    private static void fusedFloat(Tensor p, Tensor grad, Tensor m, Tensor v, Tensor vmax, float b1, float b2, float eps, float stepSize, float bc2Sqrt,
                                   float decay, float l2, boolean maximize) {
        float[] w = p.storage().floats(), g = grad.storage().floats(), ma = m.storage().floats(), va = v.storage().floats();
        float[] mx = vmax == null ? null : vmax.storage().floats();
        int pOff = p.offset(), gOff = grad.offset(), n = p.numel();
        float c1 = 1 - b1, c2 = 1 - b2;
        if (!maximize && l2 == 0 && mx == null) {
            // The common case on 16-lane vectors: the scalar loop's float sqrt and divide don't auto-vectorize.
            VectorSpecies<Float> sp = FloatVector.SPECIES_PREFERRED;
            int i = 0;
            for (int end = sp.loopBound(n); i < end; i += sp.length()) {
                FloatVector gi = FloatVector.fromArray(sp, g, gOff + i);
                FloatVector mi = FloatVector.fromArray(sp, ma, i).mul(b1).add(gi.mul(c1));
                FloatVector vi = FloatVector.fromArray(sp, va, i).mul(b2).add(gi.mul(gi).mul(c2));
                mi.intoArray(ma, i);
                vi.intoArray(va, i);
                FloatVector denom = vi.lanewise(VectorOperators.SQRT).div(bc2Sqrt).add(eps);
                FloatVector.fromArray(sp, w, pOff + i).mul(decay).sub(mi.mul(stepSize).div(denom)).intoArray(w, pOff + i);
            }
            for (; i < n; i++) {
                float gi = g[gOff + i];
                float mi = b1 * ma[i] + c1 * gi, vi = b2 * va[i] + c2 * gi * gi;
                ma[i] = mi;
                va[i] = vi;
                w[pOff + i] = w[pOff + i] * decay - stepSize * mi / ((float) Math.sqrt(vi) / bc2Sqrt + eps);
            }
            return;
        }
        for (int i = 0; i < n; i++) {
            float pi = w[pOff + i], gi = maximize ? -g[gOff + i] : g[gOff + i];
            if (l2 != 0) gi += l2 * pi;
            pi *= decay;
            float mi = b1 * ma[i] + c1 * gi, vi = b2 * va[i] + c2 * gi * gi;
            ma[i] = mi;
            va[i] = vi;
            if (mx != null) {
                vi = Math.max(mx[i], vi);
                mx[i] = vi;
            }
            w[pOff + i] = pi - stepSize * mi / ((float) Math.sqrt(vi) / bc2Sqrt + eps);
        }
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
