package dev.ember.engine.optim;

import dev.ember.engine.Storage;
import dev.ember.engine.Tensor;
import dev.ember.engine.autograd.GradMode;
import dev.ember.engine.ops.Dispatch;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleFunction;
import java.util.function.Supplier;

/**
 * Limited-memory BFGS, like torch.optim.LBFGS: up to maxIter inner iterations per {@link #step(Supplier)}, each
 * taking the two-loop-recursion direction d with an initial step t = lr (min(1, 1/|g|_1) lr on the very first
 * iteration), and stopping on maxEval, toleranceGrad (max |g|), or toleranceChange (in the step or in the loss).
 * Without a line search (PyTorch's default line_search_fn=None) the step t is taken as is; with
 * {@code lineSearchFn("strong_wolfe")} t only starts a strong-Wolfe line search along d (see
 * {@link #strongWolfe}), which may evaluate the closure several times. All parameters form one flat vector, so
 * there is one parameter group.
 * Vectors are kept in float64. State (on the first parameter): {@code func_evals}, {@code n_iter}, {@code d},
 * {@code t}, {@code old_dirs}, {@code old_stps}, {@code ro}, {@code H_diag}, {@code prev_flat_grad}, {@code prev_loss}.
 */
public class LBFGS extends Optimizer {
    public static final Option<Double> LR = Option.lr(1.0);
    public static final Option<Integer> MAX_ITER = Option.integer("max_iter", 20).check(n -> n > 0, n -> "max_iter must be positive, got " + n);
    public static final Option<Integer> MAX_EVAL = Option.integer("max_eval", -1); // -1: max_iter * 5 / 4, as PyTorch
    public static final Option<Double> TOLERANCE_GRAD = Option.real("tolerance_grad", 1e-7), TOLERANCE_CHANGE = Option.real("tolerance_change", 1e-9);
    public static final Option<Integer> HISTORY_SIZE = Option.integer("history_size", 100).check(n -> n > 0, n -> "history_size must be positive, got " + n);
    public static final Option<String> LINE_SEARCH_FN = Option.text("line_search_fn", null) // or "strong_wolfe"
            .check(ls -> ls.equals("strong_wolfe"), ls -> "only 'strong_wolfe' is supported as line_search_fn (or null for none), got '" + ls + "'");
    private static final OptionTable OPTIONS = OptionTable.of(LR, MAX_ITER, MAX_EVAL, TOLERANCE_GRAD, TOLERANCE_CHANGE, HISTORY_SIZE, LINE_SEARCH_FN);

    // PyTorch's fixed strong-Wolfe parameters: sufficient decrease c1, curvature c2, at most 25 evaluations.
    static final double WOLFE_C1 = 1e-4, WOLFE_C2 = 0.9;
    static final int MAX_LS = 25;

    public LBFGS(Iterable<? extends Tensor> params) { this(single(params), Map.of()); }
    public LBFGS(Iterable<? extends Tensor> params, double lr) { this(single(params), Map.of("lr", lr)); }

    LBFGS(List<ParamGroup> groups, Map<String, Object> options) {
        super(groups, OPTIONS.resolve(options));
        if (paramGroups().size() != 1) throw new IllegalArgumentException("LBFGS doesn't support per-parameter options (parameter groups)");
        ParamGroup g = paramGroups().get(0);
        if (MAX_EVAL.of(g) < 0) g.set(MAX_EVAL.name(), MAX_ITER.of(g) * 5 / 4);
    }

    @Override public void addParamGroup(ParamGroup group) {
        if (!paramGroups().isEmpty()) throw new IllegalArgumentException("LBFGS doesn't support per-parameter options (parameter groups)");
        super.addParamGroup(group);
    }

    public static Builder builder(Iterable<? extends Tensor> params) { return new Builder(single(params)); }

    @Override public void step() { throw new IllegalStateException("LBFGS re-evaluates the model: call step(closure)"); }

    @Override protected void update(ParamGroup group, Tensor p, Tensor grad, Map<String, Object> st) { throw new IllegalStateException("LBFGS updates in step(closure)"); }

    /** Runs up to maxIter iterations; returns the loss the closure gave before the first one. */
    @Override @SuppressWarnings("unchecked")
    public Tensor step(Supplier<Tensor> closure) {
        ParamGroup group = paramGroups().get(0);
        List<Tensor> params = group.params();
        double lr = group.lr(), tolGrad = TOLERANCE_GRAD.of(group), tolChange = TOLERANCE_CHANGE.of(group);
        int maxIter = MAX_ITER.of(group), maxEval = MAX_EVAL.of(group), historySize = HISTORY_SIZE.of(group);
        boolean strongWolfe = "strong_wolfe".equals(group.options().get("line_search_fn"));
        Map<String, Object> st = state(params.get(0));
        st.putIfAbsent("func_evals", 0);
        st.putIfAbsent("n_iter", 0);

        Tensor origLoss = evaluate(closure);
        double loss = origLoss.item();
        int currentEvals = 1;
        st.put("func_evals", (Integer) st.get("func_evals") + 1);
        double[] flatGrad = gatherFlatGrad(params);
        if (maxAbs(flatGrad) <= tolGrad) return origLoss;

        double[] d = (double[]) st.get("d"), prevFlatGrad = (double[]) st.get("prev_flat_grad");
        double t = ((Number) st.getOrDefault("t", 0.0)).doubleValue(), hDiag = ((Number) st.getOrDefault("H_diag", 1.0)).doubleValue();
        double prevLoss = ((Number) st.getOrDefault("prev_loss", 0.0)).doubleValue();
        List<double[]> oldDirs = (List<double[]>) st.getOrDefault("old_dirs", new ArrayList<>()), oldStps = (List<double[]>) st.getOrDefault("old_stps", new ArrayList<>());
        List<Double> ro = (List<Double>) st.getOrDefault("ro", new ArrayList<>());
        boolean optCond = false;
        int nIter = 0;
        while (nIter < maxIter) {
            nIter++;
            int totalIter = (Integer) st.get("n_iter") + 1;
            st.put("n_iter", totalIter);
            if (totalIter == 1) {
                d = scaled(flatGrad, -1);
                oldDirs = new ArrayList<>();
                oldStps = new ArrayList<>();
                ro = new ArrayList<>();
                hDiag = 1;
            } else {
                double[] y = new double[flatGrad.length], s = scaled(d, t);
                for (int i = 0; i < y.length; i++) y[i] = flatGrad[i] - prevFlatGrad[i];
                double ys = dot(y, s);
                if (ys > 1e-10) {
                    if (oldDirs.size() == historySize) {
                        oldDirs.remove(0);
                        oldStps.remove(0);
                        ro.remove(0);
                    }
                    oldDirs.add(y);
                    oldStps.add(s);
                    ro.add(1.0 / ys);
                    hDiag = ys / dot(y, y);
                }
                // Two-loop recursion: d = -H g with H the inverse-Hessian estimate.
                int numOld = oldDirs.size();
                double[] al = new double[numOld];
                double[] q = scaled(flatGrad, -1);
                for (int i = numOld - 1; i >= 0; i--) {
                    al[i] = dot(oldStps.get(i), q) * ro.get(i);
                    axpy(-al[i], oldDirs.get(i), q);
                }
                d = scaled(q, hDiag);
                for (int i = 0; i < numOld; i++) {
                    double be = dot(oldDirs.get(i), d) * ro.get(i);
                    axpy(al[i] - be, oldStps.get(i), d);
                }
            }
            prevFlatGrad = flatGrad.clone();
            prevLoss = loss;
            t = totalIter == 1 ? Math.min(1.0, 1.0 / sumAbs(flatGrad)) * lr : lr;
            double gtd = dot(flatGrad, d);
            if (gtd > -tolChange) break;
            int lsEvals = 0;
            if (strongWolfe) {
                double[] x0 = flatParams(params), dir = d;
                int[] evals = {0};
                Probe accepted = strongWolfe(a -> {
                    setParams(params, x0, a, dir);
                    double l = evaluate(closure).item();
                    double[] g = gatherFlatGrad(params);
                    evals[0]++;
                    return new Probe(a, l, g, dot(g, dir));
                }, new Probe(0, loss, flatGrad, gtd), t, tolChange / maxAbs(d));
                setParams(params, x0, accepted.t(), d);
                t = accepted.t();
                loss = accepted.loss();
                flatGrad = accepted.grad();
                optCond = maxAbs(flatGrad) <= tolGrad;
                lsEvals = evals[0];
            } else if (nIter != maxIter) {
                addToParams(params, t, d);
                loss = evaluate(closure).item();
                flatGrad = gatherFlatGrad(params);
                optCond = maxAbs(flatGrad) <= tolGrad;
                lsEvals = 1;
            } else {
                addToParams(params, t, d);
            }
            currentEvals += lsEvals;
            st.put("func_evals", (Integer) st.get("func_evals") + lsEvals);
            if (nIter == maxIter || currentEvals >= maxEval || optCond) break;
            if (maxAbs(d) * Math.abs(t) <= tolChange) break;
            if (Math.abs(loss - prevLoss) < tolChange) break;
        }
        st.put("d", d);
        st.put("t", t);
        st.put("old_dirs", oldDirs);
        st.put("old_stps", oldStps);
        st.put("ro", ro);
        st.put("H_diag", hDiag);
        st.put("prev_flat_grad", prevFlatGrad);
        st.put("prev_loss", prevLoss);
        return origLoss;
    }

    /** One evaluation along the search direction d at step t: the loss, its gradient, and the slope grad . d. */
    record Probe(double t, double loss, double[] grad, double slope) {}

    /**
     * Strong-Wolfe line search (Nocedal &amp; Wright, Numerical Optimization, 2nd ed., Algorithms 3.5 and 3.6). Finds
     * a step t along d with sufficient decrease, f(t) <= f(0) + c1 t f'(0), and small slope, |f'(t)| <= c2 |f'(0)|.
     * First it grows the step until an interval is known to hold such a point (bracketing), then shrinks that
     * interval (zoom), each new trial being the minimizer of the cubic through the two ends' values and slopes.
     * It gives up after {@link #MAX_LS} evaluations or once the interval is narrower than minWidth, returning the
     * lowest point that has sufficient decrease (possibly start itself). f(0), f'(0) come from start; f'(0) < 0.
     */
    static Probe strongWolfe(DoubleFunction<Probe> eval, Probe start, double t, double minWidth) {
        double f0 = start.loss(), g0 = start.slope();
        Probe prev = start, cur = eval.apply(t);
        int evals = 1;
        while (true) {
            // Written as !(... <= ...) so that a NaN loss (a step into overflow) also counts as too far.
            if (!(cur.loss() <= f0 + WOLFE_C1 * cur.t() * g0) || (evals > 1 && cur.loss() >= prev.loss())) {
                return zoom(eval, start, prev, cur, evals, minWidth);
            }
            if (Math.abs(cur.slope()) <= -WOLFE_C2 * g0) return cur;
            if (cur.slope() >= 0) return zoom(eval, start, cur, prev, evals, minWidth);
            if (evals >= MAX_LS) return cur;
            // Still going down: extrapolate with the cubic, advancing by 1 to 10 times the previous advance.
            double width = cur.t() - prev.t(), lo = cur.t() + width, hi = cur.t() + 10 * width;
            double next = cubicMinimizer(prev.t(), prev.loss(), prev.slope(), cur.t(), cur.loss(), cur.slope());
            next = Double.isNaN(next) ? hi : Math.min(hi, Math.max(lo, next));
            prev = cur;
            cur = eval.apply(next);
            evals++;
        }
    }

    /** Algorithm 3.6: lo has sufficient decrease and the lowest value so far; a strong-Wolfe point lies between lo and hi. */
    private static Probe zoom(DoubleFunction<Probe> eval, Probe start, Probe lo, Probe hi, int evals, double minWidth) {
        double f0 = start.loss(), g0 = start.slope();
        while (evals < MAX_LS && Math.abs(hi.t() - lo.t()) >= minWidth) {
            // Trial from the cubic, kept off the ends (by 10% of the width) so the interval surely shrinks.
            double a = Math.min(lo.t(), hi.t()), b = Math.max(lo.t(), hi.t()), margin = 0.1 * (b - a);
            double trial = cubicMinimizer(lo.t(), lo.loss(), lo.slope(), hi.t(), hi.loss(), hi.slope());
            trial = Double.isNaN(trial) ? (a + b) / 2 : Math.min(b - margin, Math.max(a + margin, trial));
            Probe p = eval.apply(trial);
            evals++;
            if (!(p.loss() <= f0 + WOLFE_C1 * p.t() * g0) || p.loss() >= lo.loss()) {
                hi = p;
            } else {
                if (Math.abs(p.slope()) <= -WOLFE_C2 * g0) return p;
                if (p.slope() * (hi.t() - lo.t()) >= 0) hi = lo;
                lo = p;
            }
        }
        return lo;
    }

    /**
     * The minimizer of the cubic with values f0, f1 and slopes g0, g1 at x0, x1 (Nocedal &amp; Wright eq. 3.59),
     * or NaN when that cubic has no local minimum.
     */
    static double cubicMinimizer(double x0, double f0, double g0, double x1, double f1, double g1) {
        double d1 = g0 + g1 - 3 * (f0 - f1) / (x0 - x1);
        double disc = d1 * d1 - g0 * g1;
        if (disc < 0) return Double.NaN;
        double d2 = Math.signum(x1 - x0) * Math.sqrt(disc);
        double denom = g1 - g0 + 2 * d2;
        return denom == 0 ? Double.NaN : x1 - (x1 - x0) * (g1 + d2 - d1) / denom;
    }

    private static Tensor evaluate(Supplier<Tensor> closure) {
        try (var m = GradMode.enableGrad()) { return closure.get(); }
    }

    private static double[] gatherFlatGrad(List<Tensor> params) { return flatten(params, Tensor::grad); }

    private static double[] flatParams(List<Tensor> params) { return flatten(params, p -> p); }

    /** part(p) of every parameter, concatenated into one float64 vector; zeros where part(p) is null (no gradient). */
    private static double[] flatten(List<Tensor> params, java.util.function.Function<Tensor, Tensor> part) {
        int n = 0;
        for (Tensor p : params) n += p.numel();
        double[] out = new double[n];
        int off = 0;
        for (Tensor p : params) {
            Tensor t = part.apply(p);
            if (t != null) System.arraycopy(t.toDoubleArray(), 0, out, off, p.numel());
            off += p.numel();
        }
        return out;
    }

    /** Sets the parameters to x + t d (from the saved x, so trials don't accumulate rounding). */
    private static void setParams(List<Tensor> params, double[] x, double t, double[] d) {
        int off = 0;
        for (Tensor p : params) {
            double[] v = new double[p.numel()];
            for (int i = 0; i < v.length; i++) v[i] = x[off + i] + t * d[off + i];
            off += v.length;
            Dispatch.copyInto(p, Tensor.fromStorage(Storage.of(v), p.shape()));
        }
    }

    /** p += t d[slice of p], for every parameter. */
    private static void addToParams(List<Tensor> params, double t, double[] d) {
        int off = 0;
        for (Tensor p : params) {
            double[] v = p.toDoubleArray();
            for (int i = 0; i < v.length; i++) v[i] += t * d[off + i];
            off += v.length;
            Dispatch.copyInto(p, Tensor.fromStorage(Storage.of(v), p.shape()));
        }
    }

    private static double[] scaled(double[] a, double s) {
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) out[i] = a[i] * s;
        return out;
    }

    private static void axpy(double alpha, double[] x, double[] y) { for (int i = 0; i < y.length; i++) y[i] += alpha * x[i]; }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }

    private static double maxAbs(double[] a) {
        double m = 0;
        for (double v : a) m = Math.max(m, Math.abs(v));
        return m;
    }

    private static double sumAbs(double[] a) {
        double s = 0;
        for (double v : a) s += Math.abs(v);
        return s;
    }

    /** Options of {@link LBFGS}. */
    public static final class Builder extends OptimizerBuilder<Builder, LBFGS> {
        Builder(List<ParamGroup> groups) { super(groups, LBFGS::new); }
        public Builder maxIter(int maxIter) { return option(MAX_ITER.name(), maxIter); }
        public Builder maxEval(int maxEval) { return option(MAX_EVAL.name(), maxEval); }
        public Builder toleranceGrad(double tolerance) { return option(TOLERANCE_GRAD.name(), tolerance); }
        public Builder toleranceChange(double tolerance) { return option(TOLERANCE_CHANGE.name(), tolerance); }
        public Builder historySize(int historySize) { return option(HISTORY_SIZE.name(), historySize); }
        /** "strong_wolfe", or null for a fixed step (the default). */
        public Builder lineSearchFn(String lineSearchFn) { return option(LINE_SEARCH_FN.name(), lineSearchFn); }
    }
}
