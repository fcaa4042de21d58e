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

    static void check(boolean ok, String message) {
        if (!ok) throw new IllegalArgumentException(message);
    }
}
