package dev.ember.engine.optim;

import dev.ember.engine.Device;
import dev.ember.engine.Tensor;
import dev.ember.engine.autograd.GradMode;
import dev.ember.engine.ops.Dispatch;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Base class of the optimizers, like torch.optim.Optimizer. It holds {@link ParamGroup}s (each with its own
 * options such as lr) and per-parameter state (momentum buffers, running averages, step counts), and
 * {@link #step()} updates every parameter that has a gradient, in place and without recording a graph.
 *
 * <p>Every optimizer is built the same way: {@code new Adam(params)} or {@code new Adam(params, lr)} with
 * PyTorch's defaults, or a builder for the other options:
 * {@code Adam.builder(params).lr(1e-3).betas(0.9, 0.999).amsgrad(true).build()}. Builders also take a list
 * of {@link ParamGroup}s for per-group options.
 */
public abstract class Optimizer implements dev.ember.engine.MemoryScope.Roots {
    private final Map<String, Object> defaults;
    private final List<ParamGroup> paramGroups = new ArrayList<>();
    private final Map<Tensor, Map<String, Object>> state = new IdentityHashMap<>();

    protected Optimizer(List<ParamGroup> groups, Map<String, Object> defaults) {
        this.defaults = new LinkedHashMap<>(defaults);
        if (groups.isEmpty()) throw new IllegalArgumentException("optimizer got an empty parameter list");
        for (ParamGroup g : groups) addParamGroup(g);
    }

    /** The parameters as one group. */
    protected static List<ParamGroup> single(Iterable<? extends Tensor> params) { return List.of(new ParamGroup(params)); }

    /** Adds a group; options it does not set are taken from the defaults. A parameter may be in one group only. */
    public void addParamGroup(ParamGroup group) {
        if (group.params().isEmpty() && !paramGroups.isEmpty()) throw new IllegalArgumentException("optimizer got an empty parameter group");
        for (Tensor p : group.params()) {
            if (!p.isLeaf()) throw new IllegalArgumentException("can't optimize a non-leaf Tensor");
            if (!p.dtype().isFloatingPoint()) throw new IllegalArgumentException("optimizers update floating point tensors only, got a parameter of dtype " + p.dtype());
            for (ParamGroup other : paramGroups) {
                for (Tensor q : other.params()) if (q == p) throw new IllegalArgumentException("some parameters appear in more than one parameter group");
            }
        }
        defaults.forEach((k, v) -> { if (!group.has(k)) group.set(k, v); });
        paramGroups.add(group);
    }

    public List<ParamGroup> paramGroups() { return paramGroups; }

    /** PyTorch's {@code optimizer.defaults}, a copy. */
    public Map<String, Object> defaults() { return new LinkedHashMap<>(defaults); }

    /** The state of one parameter (empty until its first step); live, keyed by PyTorch's names. */
    public Map<String, Object> state(Tensor param) { return state.computeIfAbsent(param, k -> new LinkedHashMap<>()); }

    /** The parameters and every state tensor (momentum buffers, Adam's moments): what a {@link dev.ember.engine.MemoryScope} keeps. */
    @Override
    public Iterable<Tensor> tensors() {
        java.util.List<Tensor> out = new java.util.ArrayList<>();
        for (ParamGroup g : paramGroups) out.addAll(g.params());
        for (Map<String, Object> st : state.values()) for (Object v : st.values()) if (v instanceof Tensor t) out.add(t);
        return out;
    }

    /** Clears every parameter's gradient (PyTorch's default set_to_none=True). */
    public void zeroGrad() {
        for (ParamGroup g : paramGroups) for (Tensor p : g.params()) p.zeroGrad();
    }

    /** One update of every parameter that has a gradient. */
    public void step() {
        try (var m = GradMode.noGrad()) {
            for (ParamGroup g : paramGroups) {
                for (Tensor p : g.params()) {
                    if (p.grad() == null) continue;
                    Tensor work = p.isContiguous() ? p : p.contiguous().detach();
                    if (work.device().isCpu() || updatesOnEveryDevice()) update(g, p, work, p.grad().contiguous(), state(p));
                    else updateOnHost(g, p, work, p.grad(), state(p));
                    if (work != p) Dispatch.copyInto(p, work);
                    else p.storage().bumpVersion();
                }
            }
        }
    }

    /**
     * Re-evaluates the model with closure (which should zero the gradients, compute the loss, call backward and
     * return the loss), then steps; returns the closure's loss. {@link LBFGS} calls the closure several times.
     */
    public Tensor step(Supplier<Tensor> closure) {
        Tensor loss;
        try (var m = GradMode.enableGrad()) { loss = closure.get(); }
        step();
        return loss;
    }

    /**
     * Updates one parameter in place. p is contiguous (a copy written back when the parameter is not),
     * grad is contiguous with p's shape, and st is p's state.
     */
    protected abstract void update(ParamGroup group, Tensor p, Tensor grad, Map<String, Object> st);

    /**
     * {@link #update(ParamGroup, Tensor, Tensor, Map)} of the contiguous work tensor of param; optimizers that need the
     * parameter itself (SparseAdam looks up the rows an Embedding recorded for it) override this instead.
     */
    protected void update(ParamGroup group, Tensor param, Tensor work, Tensor grad, Map<String, Object> st) { update(group, work, grad, st); }

    /** A zero-filled state buffer like p (contiguous, same dtype and device). */
    protected static Tensor zerosLike(Tensor p) { return Tensor.empty(p.shape(), p.dtype(), p.device()); }

    /**
     * Whether {@link #update} runs on tensors of any device (through tensor ops or the backend's fused steps,
     * as Adam's does). The others are written as loops over Java arrays, so {@link #step} runs them on host
     * copies of the parameter, gradient and state and writes the results back: correct on a GPU, not fast.
     */
    protected boolean updatesOnEveryDevice() { return false; }

    /** {@link #update} on host copies of work, grad and the state tensors, written back to the device afterwards. */
    private void updateOnHost(ParamGroup g, Tensor p, Tensor work, Tensor grad, Map<String, Object> st) {
        Device device = work.device();
        Tensor hostWork = work.to(Device.CPU);
        Map<String, Object> hostState = new java.util.HashMap<>();
        st.forEach((k, v) -> hostState.put(k, v instanceof Tensor t ? t.to(Device.CPU) : v));
        update(g, p, hostWork, grad.to(Device.CPU).contiguous(), hostState);
        Dispatch.copyInto(work, hostWork);
        hostState.forEach((k, v) -> {
            if (!(v instanceof Tensor t)) st.put(k, v);
            else if (st.get(k) instanceof Tensor old && old.device().equals(device)) Dispatch.copyInto(old, t);
            else st.put(k, t.to(device));
        });
    }

    /** The state tensor under key, made zero-filled on first use. */
    protected static Tensor buffer(Map<String, Object> st, String key, Tensor p) {
        return (Tensor) st.computeIfAbsent(key, k -> zerosLike(p));
    }

    /** Adds 1 to the step count under "step" and returns it. */
    protected static double nextStep(Map<String, Object> st) {
        double step = ((Number) st.getOrDefault("step", 0.0)).doubleValue() + 1;
        st.put("step", step);
        return step;
    }

    // ---------------------------------------------------------------- state dict

    /**
     * PyTorch's layout: {@code "state"} maps each parameter's index (counted across groups in order) to its
     * state, and {@code "param_groups"} lists each group's options with {@code "params"} holding its indices.
     * Tensors are copies, so the dict is a snapshot; step counts are Doubles.
     */
    public Map<String, Object> stateDict() {
        Map<Integer, Map<String, Object>> packedState = new LinkedHashMap<>();
        List<Map<String, Object>> groups = new ArrayList<>();
        int index = 0;
        for (ParamGroup g : paramGroups) {
            Map<String, Object> options = new LinkedHashMap<>();
            g.options().forEach((k, v) -> options.put(k, copy(v)));
            List<Integer> ids = new ArrayList<>();
            for (Tensor p : g.params()) {
                Map<String, Object> st = state.get(p);
                if (st != null && !st.isEmpty()) {
                    Map<String, Object> c = new LinkedHashMap<>();
                    st.forEach((k, v) -> c.put(k, copy(v)));
                    packedState.put(index, c);
                }
                ids.add(index++);
            }
            options.put("params", ids);
            groups.add(options);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("state", packedState);
        out.put("param_groups", groups);
        return out;
    }

    /** Restores options and state saved by {@link #stateDict()} from an optimizer over parameters of the same shapes. */
    @SuppressWarnings("unchecked")
    public void loadStateDict(Map<String, Object> dict) {
        List<Map<String, Object>> groups = (List<Map<String, Object>>) dict.get("param_groups");
        Map<Integer, Map<String, Object>> saved = (Map<Integer, Map<String, Object>>) dict.get("state");
        if (groups == null || saved == null) throw new IllegalArgumentException("optimizer state dict needs 'state' and 'param_groups', got keys " + dict.keySet());
        if (groups.size() != paramGroups.size()) {
            throw new IllegalArgumentException("loaded state dict has " + groups.size() + " parameter groups, this optimizer has " + paramGroups.size());
        }
        List<Tensor> all = new ArrayList<>();
        for (int i = 0; i < groups.size(); i++) {
            int n = ((List<?>) groups.get(i).get("params")).size();
            if (n != paramGroups.get(i).params().size()) {
                throw new IllegalArgumentException("loaded state dict contains a parameter group (" + i + ") of " + n + " parameters, which doesn't match the size of the optimizer's group ("
                        + paramGroups.get(i).params().size() + ")");
            }
            all.addAll(paramGroups.get(i).params());
        }
        for (Map.Entry<Integer, Map<String, Object>> e : saved.entrySet()) {
            Tensor p = all.get(e.getKey());
            for (Object v : e.getValue().values()) {
                if (v instanceof Tensor t && t.numel() == p.numel() && t.dim() > 0 && !Arrays.equals(t.shape(), p.shape())) {
                    throw new IllegalArgumentException("state of parameter " + e.getKey() + " has shape " + Arrays.toString(t.shape()) + " but the parameter has " + Arrays.toString(p.shape()));
                }
            }
        }
        for (int i = 0; i < groups.size(); i++) {
            ParamGroup g = paramGroups.get(i);
            groups.get(i).forEach((k, v) -> { if (!k.equals("params")) g.set(k, copy(v)); });
        }
        state.clear();
        saved.forEach((idx, st) -> {
            Tensor p = all.get(idx);
            Map<String, Object> c = new LinkedHashMap<>();
            // Floating state follows the parameter's dtype, as PyTorch casts it on load.
            st.forEach((k, v) -> c.put(k, v instanceof Tensor t && t.dtype().isFloatingPoint() ? t.detach().to(p.dtype()).clone() : copy(v)));
            state.put(p, c);
        });
    }

    private static Object copy(Object v) {
        if (v instanceof Tensor t) return t.detach().clone();
        if (v instanceof double[] d) return d.clone();
        if (v instanceof List<?> l) {
            List<Object> out = new ArrayList<>();
            for (Object o : l) out.add(copy(o));
            return out;
        }
        return v;
    }

    static String formatOptions(Map<String, Object> options) {
        StringBuilder sb = new StringBuilder();
        options.forEach((k, v) -> {
            if (sb.length() > 0) sb.append(", ");
            sb.append(k).append('=').append(v instanceof double[] d ? Arrays.toString(d) : v);
        });
        return sb.toString();
    }

    /** PyTorch's print(optimizer) layout. */
    @Override public String toString() {
        StringBuilder sb = new StringBuilder(getClass().getSimpleName()).append(" (");
        for (int i = 0; i < paramGroups.size(); i++) {
            sb.append("\nParameter Group ").append(i);
            paramGroups.get(i).options().forEach((k, v) -> sb.append("\n    ").append(k).append(": ").append(v instanceof double[] d ? Arrays.toString(d) : v));
        }
        return sb.append("\n)").toString();
    }
}
