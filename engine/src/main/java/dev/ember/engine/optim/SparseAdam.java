package dev.ember.engine.optim;

import dev.ember.engine.optim.CommonOptions.AdamFamily;
import dev.ember.engine.Tensor;
import dev.ember.engine.nn.Embedding;

import java.util.List;
import java.util.Map;

/**
 * Lazy Adam for embedding tables, like torch.optim.SparseAdam. Only the rows (slices along dim 0) present in the
 * sparse gradient are updated, with m, v and p of other rows left exactly as they are:
 * m += (1 - b1)(g - m); v += (1 - b2)(g^2 - v); p -= lr sqrt(1 - b2^t) / (1 - b1^t) m / (sqrt(v) + eps).
 * Ember's gradients are dense, so the rows come from the record a sparse {@link Embedding} keeps of the indices it
 * looked up ({@link Embedding.SparseGrad}): a looked-up row is updated even where its gradient is exactly zero
 * (its moments decay), as in PyTorch. The record is consumed (cleared) by the step and by {@link #zeroGrad()}.
 * A parameter with no such record (a gradient set by hand) falls back to the rows with a nonzero gradient entry.
 * The step count t advances on every step, as in PyTorch. No weight decay, as in PyTorch.
 * State: {@code step}, {@code exp_avg}, {@code exp_avg_sq}.
 */
public class SparseAdam extends Optimizer {
    public SparseAdam(Iterable<? extends Tensor> params) { this(single(params), Map.of()); }
    public SparseAdam(Iterable<? extends Tensor> params, double lr) { this(single(params), Map.of("lr", lr)); }
    SparseAdam(List<ParamGroup> groups, Map<String, Object> options) { super(groups, OPTIONS.resolve(options)); }

    public static final Option<Double> LR = Option.lr(1e-3), EPS = Option.eps(1e-8);
    public static final Option<double[]> BETAS = Option.betas(0.9, 0.999);
    private static final OptionTable OPTIONS = OptionTable.of(LR, BETAS, EPS, Option.MAXIMIZE);

    public static Builder builder(Iterable<? extends Tensor> params) { return new Builder(single(params)); }
    public static Builder builder(List<ParamGroup> groups) { return new Builder(groups); }

    /** Clears the gradients and the embeddings' records of looked-up rows. */
    @Override public void zeroGrad() {
        super.zeroGrad();
        for (ParamGroup g : paramGroups()) {
            for (Tensor p : g.params()) {
                Embedding.SparseGrad record = Embedding.SparseGrad.of(p);
                if (record != null) record.clear();
            }
        }
    }

    @Override protected void update(ParamGroup group, Tensor param, Tensor work, Tensor grad, Map<String, Object> st) {
        Embedding.SparseGrad record = Embedding.SparseGrad.of(param);
        update(group, work, grad, st, record == null ? null : record.rows());
        if (record != null) record.clear();
    }

    @Override protected void update(ParamGroup group, Tensor p, Tensor grad, Map<String, Object> st) { update(group, p, grad, st, null); }

    /** Updates the given rows of p, or (rows null) those with a nonzero gradient entry. */
    private void update(ParamGroup group, Tensor p, Tensor grad, Map<String, Object> st, int[] rows) {
        double lr = group.lr(), eps = EPS.of(group);
        double[] betas = BETAS.of(group);
        boolean maximize = Option.MAXIMIZE.of(group);
        double step = nextStep(st);
        Vec w = Vec.of(p), g = Vec.of(grad), m = Vec.of(buffer(st, "exp_avg", p)), v = Vec.of(buffer(st, "exp_avg_sq", p));
        double stepSize = lr * Math.sqrt(1 - Math.pow(betas[1], step)) / (1 - Math.pow(betas[0], step));
        int numRows = p.dim() == 0 ? 1 : p.size(0), width = numRows == 0 ? 0 : w.n / numRows;
        if (rows == null) rows = nonzeroRows(g, numRows, width);
        for (int r : rows) {
            int base = r * width;
            for (int j = base; j < base + width; j++) {
                double gj = maximize ? -g.get(j) : g.get(j);
                double mj = m.get(j) + (gj - m.get(j)) * (1 - betas[0]);
                double vj = v.get(j) + (gj * gj - v.get(j)) * (1 - betas[1]);
                m.set(j, mj);
                v.set(j, vj);
                w.set(j, w.get(j) - stepSize * mj / (Math.sqrt(vj) + eps));
            }
        }
    }

    private static int[] nonzeroRows(Vec g, int numRows, int width) {
        return java.util.stream.IntStream.range(0, numRows).filter(r -> {
            for (int j = r * width; j < (r + 1) * width; j++) if (g.get(j) != 0) return true;
            return false;
        }).toArray();
    }

    /** Options of {@link SparseAdam}. */
    public static final class Builder extends OptimizerBuilder<Builder, SparseAdam> implements AdamFamily<Builder> {
        Builder(List<ParamGroup> groups) { super(groups, SparseAdam::new); }
    }
}
