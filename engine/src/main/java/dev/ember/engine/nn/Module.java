package dev.ember.engine.nn;

import dev.ember.engine.DType;
import dev.ember.engine.Device;
import dev.ember.engine.Shape;
import dev.ember.engine.Tensor;
import dev.ember.engine.autograd.GradMode;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Base class of every layer and model, like torch.nn.Module. A subclass declares its parameters and
 * submodules as fields ({@code Linear fc1 = new Linear(784, 256);}); they are found by reflection in
 * declaration order, so no registration calls are needed. Buffers (state that is saved but not trained,
 * like BatchNorm's running mean) are registered with {@link #registerBuffer}.
 */
public abstract class Module implements dev.ember.engine.MemoryScope.Roots {
    private boolean training = true;
    private final Map<String, Tensor> buffers = new LinkedHashMap<>();

    /** The computation of a module that takes one tensor. Modules with other inputs offer their own forward methods. */
    public Tensor forward(Tensor input) {
        throw new IllegalStateException(getClass().getSimpleName() + " does not take a single tensor: call its own forward(...) method");
    }

    // ---------------------------------------------------------------- discovery

    /** Direct children by name (fields holding modules, in declaration order; containers override this). */
    public Map<String, Module> namedChildren() {
        Map<String, Module> out = new LinkedHashMap<>();
        for (Field f : fields()) {
            Object v = read(f);
            if (v instanceof Module m) out.put(f.getName(), m);
        }
        return out;
    }

    /** Parameters held directly by this module (not its children). */
    protected Map<String, Parameter> directParameters() {
        Map<String, Parameter> out = new LinkedHashMap<>();
        for (Field f : fields()) {
            Object v = read(f);
            if (v instanceof Parameter p) out.put(f.getName(), p);
        }
        return out;
    }

    public List<Module> children() { return new ArrayList<>(namedChildren().values()); }

    /** This module and all its descendants, depth first. */
    public List<Module> modules() {
        List<Module> out = new ArrayList<>();
        out.add(this);
        for (Module c : namedChildren().values()) out.addAll(c.modules());
        return out;
    }

    /** Every parameter of this module and its descendants, with dotted names such as {@code fc1.weight}. */
    public Map<String, Parameter> namedParameters() {
        Map<String, Parameter> out = new LinkedHashMap<>();
        collect("", out, true);
        return out;
    }

    public List<Parameter> parameters() {
        // A parameter shared by two modules is listed once, as in PyTorch.
        List<Parameter> out = new ArrayList<>();
        for (Parameter p : namedParameters().values()) if (out.stream().noneMatch(q -> q == p)) out.add(p);
        return out;
    }

    /** Registered buffers of this module and its descendants, with dotted names. */
    public Map<String, Tensor> namedBuffers() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        collectBuffers("", out);
        return out;
    }

    private void collect(String prefix, Map<String, Parameter> out, boolean recurse) {
        directParameters().forEach((n, p) -> out.put(prefix + n, p));
        if (recurse) namedChildren().forEach((n, c) -> c.collect(prefix + n + ".", out, true));
    }

    private void collectBuffers(String prefix, Map<String, Tensor> out) {
        buffers.forEach((n, b) -> { if (b != null) out.put(prefix + n, b); });
        namedChildren().forEach((n, c) -> c.collectBuffers(prefix + n + ".", out));
    }

    /** Adds (or replaces) a buffer: saved in the state dict, moved by {@link #to}, never trained. */
    protected final Tensor registerBuffer(String name, Tensor value) {
        buffers.put(name, value);
        return value;
    }

    protected final Tensor buffer(String name) { return buffers.get(name); }

    // ---------------------------------------------------------------- modes and bulk operations

    /** Sets training mode (affects Dropout and BatchNorm) on this module and all descendants. */
    public Module train(boolean mode) {
        for (Module m : modules()) m.training = mode;
        return this;
    }

    public Module train() { return train(true); }

    public Module eval() { return train(false); }

    public boolean isTraining() { return training; }

    /** Clears every parameter's gradient. */
    public void zeroGrad() { for (Parameter p : parameters()) p.zeroGrad(); }

    /** Calls fn on every descendant, then on this module (the order of torch's Module.apply). */
    public Module apply(Consumer<Module> fn) {
        for (Module c : namedChildren().values()) c.apply(fn);
        fn.accept(this);
        return this;
    }

    /**
     * Moves parameters and buffers to a device, in place of the old ones (as with {@link #to(DType)}, build the
     * optimizer after moving the model, as in PyTorch).
     */
    public Module to(Device device) {
        for (Module m : modules()) {
            m.directParameters().forEach((name, p) -> {
                if (!p.device().equals(device)) m.replaceParameter(name, new Parameter(p.detach().to(device), p.requiresGrad()));
            });
            m.buffers.replaceAll((n, b) -> b == null ? null : b.to(device));
        }
        return this;
    }

    /** Parameters (their gradients count through them) and buffers: what a {@link dev.ember.engine.MemoryScope} keeps. */
    @Override
    public Iterable<Tensor> tensors() {
        java.util.List<Tensor> out = new java.util.ArrayList<>(parameters());
        out.addAll(namedBuffers().values());
        return out;
    }

    /** The device of the first parameter or buffer (cpu for a module without any). */
    public Device device() {
        for (Parameter p : parameters()) return p.device();
        for (Module m : modules()) for (Tensor b : m.buffers.values()) if (b != null) return b.device();
        return Device.CPU;
    }

    /** Converts floating-point parameters and buffers to dtype, in place of the old ones. */
    public Module to(DType dtype) {
        if (!dtype.isFloatingPoint()) throw new IllegalArgumentException("Module.to only accepts floating point dtypes, got " + dtype);
        for (Module m : modules()) {
            m.directParameters().forEach((name, p) -> {
                if (p.dtype().isFloatingPoint() && p.dtype() != dtype) m.replaceParameter(name, new Parameter(p.detach().to(dtype), p.requiresGrad()));
            });
            m.buffers.replaceAll((n, b) -> b != null && b.dtype().isFloatingPoint() ? b.to(dtype) : b);
        }
        return this;
    }

    /** Swaps the parameter of this name for another (a field write; modules that keep parameters elsewhere override). */
    protected void replaceParameter(String name, Parameter value) {
        for (Field f : fields()) {
            if (f.getName().equals(name)) {
                write(f, value);
                return;
            }
        }
        throw new IllegalArgumentException(getClass().getSimpleName() + " has no parameter field '" + name + "'");
    }

    // ---------------------------------------------------------------- state dict

    /** Parameters and buffers by dotted name (detached views of the live tensors). */
    public Map<String, Tensor> stateDict() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        namedParameters().forEach((n, p) -> out.put(n, p.detach()));
        namedBuffers().forEach((n, b) -> out.put(n, b.detach()));
        return out;
    }

    /** Keys that did not line up in {@link #loadStateDict}. */
    public record LoadResult(List<String> missingKeys, List<String> unexpectedKeys) {}

    /**
     * Copies values into this module's parameters and buffers. Strict loading refuses missing or unexpected
     * keys, listing them all; a shape mismatch is always an error naming the key and both shapes.
     */
    public LoadResult loadStateDict(Map<String, Tensor> state, boolean strict) {
        Map<String, Tensor> own = stateDict();
        List<String> missing = new ArrayList<>(), unexpected = new ArrayList<>();
        for (String k : own.keySet()) if (!state.containsKey(k)) missing.add(k);
        for (String k : state.keySet()) if (!own.containsKey(k)) unexpected.add(k);
        if (strict && (!missing.isEmpty() || !unexpected.isEmpty())) {
            throw new IllegalArgumentException("Error(s) in loading state_dict for " + getClass().getSimpleName() + ": missing keys " + missing + ", unexpected keys " + unexpected);
        }
        for (Map.Entry<String, Tensor> e : own.entrySet()) {
            Tensor src = state.get(e.getKey());
            if (src == null) continue;
            if (!Arrays.equals(src.shape(), e.getValue().shape())) {
                throw new IllegalArgumentException("size mismatch for " + e.getKey() + ": copying a param with shape " + Shape.str(src.shape())
                        + " from checkpoint, the shape in current model is " + Shape.str(e.getValue().shape()));
            }
        }
        try (var g = GradMode.noGrad()) {
            for (Map.Entry<String, Tensor> e : own.entrySet()) {
                Tensor src = state.get(e.getKey());
                if (src != null) e.getValue().copy_(src);
            }
        }
        return new LoadResult(Collections.unmodifiableList(missing), Collections.unmodifiableList(unexpected));
    }

    public LoadResult loadStateDict(Map<String, Tensor> state) { return loadStateDict(state, true); }

    // ---------------------------------------------------------------- printing

    /** Constructor arguments to print, e.g. {@code in_features=784, out_features=256, bias=True}. */
    public String extraRepr() { return ""; }

    /** PyTorch's print(model) layout. */
    @Override public String toString() {
        Map<String, Module> kids = namedChildren();
        String name = getClass().getSimpleName();
        if (kids.isEmpty()) return name + "(" + extraRepr() + ")";
        StringBuilder sb = new StringBuilder(name).append("(\n");
        if (!extraRepr().isEmpty()) sb.append("  ").append(extraRepr()).append('\n');
        kids.forEach((n, c) -> sb.append("  (").append(n).append("): ").append(c.toString().replace("\n", "\n  ")).append('\n'));
        return sb.append(')').toString();
    }

    /** print(model) plus parameter counts: total and trainable. */
    public String summary() {
        long total = 0, trainable = 0;
        for (Parameter p : parameters()) {
            total += p.numel();
            if (p.requiresGrad()) trainable += p.numel();
        }
        return this + String.format("%nparameters: %,d (trainable %,d)", total, trainable);
    }

    // ---------------------------------------------------------------- reflection

    private List<Field> fields() {
        List<Class<?>> chain = new ArrayList<>();
        for (Class<?> c = getClass(); c != Module.class && c != null; c = c.getSuperclass()) chain.add(0, c);
        List<Field> out = new ArrayList<>();
        for (Class<?> c : chain) {
            for (Field f : c.getDeclaredFields()) {
                if (Modifier.isStatic(f.getModifiers()) || f.isSynthetic()) continue;
                if (!Module.class.isAssignableFrom(f.getType()) && !Tensor.class.isAssignableFrom(f.getType()) && f.getType() != Object.class) continue;
                f.setAccessible(true);
                out.add(f);
            }
        }
        return out;
    }

    private Object read(Field f) {
        try {
            return f.get(this);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException("cannot read field " + f.getName() + " of " + getClass().getName(), e);
        }
    }

    private void write(Field f, Object v) {
        try {
            f.set(this, v);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException("cannot replace field " + f.getName() + " of " + getClass().getName() + " (is it final?)", e);
        }
    }
}
