package dev.ember.engine.optim;

import dev.ember.engine.Tensor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parameters that share hyper-parameters, like an entry of PyTorch's {@code optimizer.param_groups}.
 * Options use PyTorch's names ({@code lr}, {@code momentum}, {@code weight_decay}, {@code betas} as a
 * double[2], ...); options a group does not set come from the optimizer's defaults when it is added.
 * Schedulers change options here, e.g. {@code group.setLr(0.01)}.
 * <pre>{@code
 * new SGD(List.of(ParamGroup.of(model.fc1.parameters()).set("lr", 0.1), ParamGroup.of(model.fc2.parameters())), 0.01)
 * }</pre>
 */
public final class ParamGroup {
    private final List<Tensor> params;
    private final Map<String, Object> options = new LinkedHashMap<>();

    public ParamGroup(Iterable<? extends Tensor> params) {
        List<Tensor> list = new ArrayList<>();
        for (Tensor p : params) list.add(p);
        this.params = Collections.unmodifiableList(list);
    }

    public static ParamGroup of(Iterable<? extends Tensor> params) { return new ParamGroup(params); }

    /** Sets an option (PyTorch's name) and returns this. */
    public ParamGroup set(String option, Object value) {
        if (option.equals("params")) throw new IllegalArgumentException("'params' is not an option; pass the parameters to the constructor");
        options.put(option, value instanceof double[] d ? d.clone() : value);
        return this;
    }

    public List<Tensor> params() { return params; }

    /** The live options map (changes take effect at the next step). */
    public Map<String, Object> options() { return options; }

    public boolean has(String option) { return options.containsKey(option); }

    public double getDouble(String option) { return ((Number) require(option)).doubleValue(); }

    public int getInt(String option) { return ((Number) require(option)).intValue(); }

    public boolean getBool(String option) { return (Boolean) require(option); }

    /** A pair option such as {@code betas} (the live array). */
    public double[] getPair(String option) { return (double[]) require(option); }

    public double lr() { return getDouble("lr"); }

    public void setLr(double lr) { options.put("lr", lr); }

    private Object require(String option) {
        Object v = options.get(option);
        if (v == null) throw new IllegalArgumentException("parameter group has no option '" + option + "' (it has " + options.keySet() + ")");
        return v;
    }

    @Override public String toString() { return "ParamGroup(" + params.size() + " params, " + Optimizer.formatOptions(options) + ")"; }
}
