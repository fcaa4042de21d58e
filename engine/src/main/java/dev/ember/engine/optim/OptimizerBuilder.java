package dev.ember.engine.optim;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Shared part of the optimizers' builders: the parameter groups and the options every optimizer has.
 * Options left unset keep PyTorch's defaults.
 */
public abstract class OptimizerBuilder<B extends OptimizerBuilder<B, O>, O extends Optimizer> {
    protected final List<ParamGroup> groups;
    protected final Map<String, Object> options = new LinkedHashMap<>();

    protected OptimizerBuilder(List<ParamGroup> groups) { this.groups = groups; }

    @SuppressWarnings("unchecked")
    protected final B put(String option, Object value) {
        options.put(option, value);
        return (B) this;
    }

    public B lr(double lr) { return put("lr", lr); }

    /** Builds the optimizer. */
    public abstract O build();

    /** defaults overridden by the options that were set. */
    protected static Map<String, Object> merge(Map<String, Object> defaults, Map<String, Object> options) {
        Map<String, Object> out = new LinkedHashMap<>(defaults);
        options.forEach((k, v) -> {
            if (!out.containsKey(k)) throw new IllegalArgumentException("unknown option '" + k + "'; known options are " + defaults.keySet());
            out.put(k, v);
        });
        return out;
    }

    /** Options of the Adam family (Adam, AdamW, Adamax, SparseAdam): betas, eps and maximize. */
    public abstract static class AdamFamily<B extends AdamFamily<B, O>, O extends Optimizer> extends OptimizerBuilder<B, O> {
        AdamFamily(List<ParamGroup> groups) { super(groups); }
        public B betas(double beta1, double beta2) { return put("betas", new double[]{beta1, beta2}); }
        public B eps(double eps) { return put("eps", eps); }
        public B maximize(boolean maximize) { return put("maximize", maximize); }

        /** PyTorch's checks on lr, eps, betas and (where the optimizer has it) weight_decay. */
        static Map<String, Object> validate(Map<String, Object> o) {
            double[] betas = (double[]) o.get("betas");
            check((Double) o.get("lr") >= 0, "Invalid learning rate: " + o.get("lr"));
            check((Double) o.get("eps") >= 0, "Invalid epsilon value: " + o.get("eps"));
            check(betas[0] >= 0 && betas[0] < 1, "Invalid beta parameter at index 0: " + betas[0]);
            check(betas[1] >= 0 && betas[1] < 1, "Invalid beta parameter at index 1: " + betas[1]);
            if (o.containsKey("weight_decay")) check((Double) o.get("weight_decay") >= 0, "Invalid weight_decay value: " + o.get("weight_decay"));
            return o;
        }
    }

    static void check(boolean ok, String message) {
        if (!ok) throw new IllegalArgumentException(message);
    }
}
