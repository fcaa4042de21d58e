package dev.ember.spark;

import dev.ember.engine.DType;
import dev.ember.engine.Storage;
import dev.ember.engine.Tensor;
import dev.ember.engine.nn.Module;
import dev.ember.engine.optim.Optimizer;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A model's state dict and, optionally, its optimizer's per-parameter state, flattened into one
 * {@code double[]} in a fixed order: the form in which training state is broadcast, averaged and
 * checkpointed. Entry names are {@code model/<state-dict key>} and {@code optim/<param index>/<key>}
 * (Adam's {@code exp_avg}, its {@code step}, ...). float32 values convert to double exactly.
 *
 * <p>Every value is exactly representable in its entry's dtype (an average is {@link #rounded} to it, as
 * loading it into a tensor would do), so a snapshot travels with float32 entries as 4-byte floats: half
 * the bytes of every broadcast, task result and executor-side copy.
 */
final class Snapshot implements Serializable {
    private static final long serialVersionUID = 2L;
    static final String MODEL = "model/", OPTIM = "optim/";

    final Layout layout;
    transient double[] values;
    /** {@link #toTensors()}, made once: every partition of a round loads the same broadcast state, so each executor converts it once. */
    private transient volatile Map<String, Tensor> loadable;

    Snapshot(Layout layout, double[] values) {
        if (values.length != layout.size()) throw new IllegalArgumentException("snapshot has " + values.length + " values, layout " + layout.size());
        this.layout = layout;
        this.values = values;
    }

    /** Names, shapes and dtypes of the entries: equal layouts can be summed value by value. */
    record Layout(String[] names, int[][] shapes, DType[] dtypes) implements Serializable {
        int size() {
            int n = 0;
            for (int[] s : shapes) n = Math.addExact(n, numel(s));
            return n;
        }

        @Override public boolean equals(Object o) {
            return o instanceof Layout l && Arrays.equals(names, l.names) && Arrays.deepEquals(shapes, l.shapes) && Arrays.equals(dtypes, l.dtypes);
        }

        @Override public int hashCode() { return Arrays.hashCode(names); }

        /** Where each entry's values start in {@code values}, by entry name. */
        Map<String, Integer> offsets() {
            Map<String, Integer> out = new LinkedHashMap<>();
            int at = 0;
            for (int i = 0; i < names.length; i++) {
                out.put(names[i], at);
                at += numel(shapes[i]);
            }
            return out;
        }
    }

    /** The model's state and, when {@code optimizer} is non-null, its tensor and number state. */
    static Snapshot of(Module model, Optimizer optimizer) { return of(model, optimizer, null); }

    /** As {@link #of(Module, Optimizer)}, written into {@code reuse} when it has the state's length (its contents are overwritten). */
    static Snapshot of(Module model, Optimizer optimizer, double[] reuse) { return fromTensors(entries(model, optimizer), reuse); }

    /** The model's state dict and, when {@code optimizer} is non-null, its per-parameter state, by entry name in layout order. */
    private static Map<String, Tensor> entries(Module model, Optimizer optimizer) {
        Map<String, Tensor> entries = new LinkedHashMap<>();
        model.stateDict().forEach((k, v) -> entries.put(MODEL + k, v));
        if (optimizer != null) {
            // The live state, in the state dict's numbering (parameters counted across groups), without its copies.
            List<Tensor> params = parameters(optimizer);
            for (int index = 0; index < params.size(); index++) {
                String prefix = OPTIM + index + "/";
                optimizer.state(params.get(index)).forEach((k, v) -> {
                    if (v instanceof Tensor t) entries.put(prefix + k, t);
                    else if (v instanceof Number x) entries.put(prefix + k, Tensor.scalar(x.doubleValue(), DType.FLOAT64));
                });
            }
        }
        return entries;
    }

    /**
     * {@code acc[i] = acc[i] * accWeight + value[i] * weight} for the values of {@link #of(Module, Optimizer) of(model,
     * optimizer)}: a left partition's state ({@code acc}, weight {@code accWeight}) and this one, summed as {@link
     * RoundResult#sum} sums two partitions (each product rounded, then their sum: the same bits), without writing this
     * state out first.
     *
     * @throws IllegalStateException when the model's and optimizer's entries do not have {@code layout}
     */
    static void addWeighted(Module model, Optimizer optimizer, Layout layout, double[] acc, double accWeight, double weight) {
        Map<String, Tensor> entries = entries(model, optimizer);
        Layout own = layoutOf(entries);
        if (!own.equals(layout)) throw new IllegalStateException("partitions returned different state layouts: " + List.of(layout.names()) + " vs " + List.of(own.names()));
        int at = 0;
        for (Tensor t : entries.values()) {
            int n = t.numel();
            if (t.dtype() == DType.FLOAT32) {
                float[] f = t.toFloatArray();
                for (int i = 0; i < n; i++) acc[at + i] = acc[at + i] * accWeight + f[i] * weight;
            } else {
                double[] d = t.toDoubleArray();
                for (int i = 0; i < n; i++) acc[at + i] = acc[at + i] * accWeight + d[i] * weight;
            }
            at += n;
        }
    }

    private static Layout layoutOf(Map<String, Tensor> entries) {
        int n = entries.size(), i = 0;
        String[] names = new String[n];
        int[][] shapes = new int[n][];
        DType[] dtypes = new DType[n];
        for (Map.Entry<String, Tensor> e : entries.entrySet()) {
            names[i] = e.getKey();
            shapes[i] = e.getValue().shape();
            dtypes[i] = e.getValue().dtype();
            i++;
        }
        return new Layout(names, shapes, dtypes);
    }

    /** Entries given as tensors (as read from a checkpoint). */
    static Snapshot fromTensors(Map<String, Tensor> entries) { return fromTensors(entries, null); }

    private static Snapshot fromTensors(Map<String, Tensor> entries, double[] reuse) {
        Layout layout = layoutOf(entries);
        int total = layout.size();
        double[] values = reuse != null && reuse.length == total ? reuse : new double[total];
        int at = 0;
        for (Tensor t : entries.values()) at = copyInto(t, values, at);
        return new Snapshot(layout, values);
    }

    /** Writes a tensor's values as doubles at {@code at}; float32 is widened here rather than through a cast op and its temporaries. */
    private static int copyInto(Tensor t, double[] values, int at) {
        if (t.dtype() == DType.FLOAT32) {
            float[] f = t.toFloatArray(); // a copy: the connector never reads a storage's own array (ArchitectureTest)
            for (int i = 0; i < f.length; i++) values[at + i] = f[i];
            return at + f.length;
        }
        double[] d = t.toDoubleArray();
        System.arraycopy(d, 0, values, at, d.length);
        return at + d.length;
    }

    /** Every entry as a tensor of its own dtype (integer entries rounded), keyed by its full name. */
    Map<String, Tensor> toTensors() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        int at = 0;
        for (int i = 0; i < layout.names.length; i++) {
            int len = numel(layout.shapes[i]);
            if (layout.dtypes[i] == DType.FLOAT32) {
                float[] f = new float[len];
                for (int j = 0; j < len; j++) f[j] = (float) values[at + j];
                out.put(layout.names[i], Tensor.fromStorage(Storage.of(f), layout.shapes[i]));
                at += len;
                continue;
            }
            double[] d = Arrays.copyOfRange(values, at, at + len);
            if (!layout.dtypes[i].isFloatingPoint()) for (int j = 0; j < len; j++) d[j] = Math.rint(d[j]);
            out.put(layout.names[i], Tensor.fromStorage(Storage.of(d), layout.shapes[i]).to(layout.dtypes[i]));
            at += len;
        }
        return out;
    }

    /** {@code values} rounded to each entry's dtype: float32 entries to the nearest float, integer entries to the nearest integer. */
    static Snapshot rounded(Layout layout, double[] values) {
        int at = 0;
        for (int i = 0; i < layout.names.length; i++) {
            int len = numel(layout.shapes[i]);
            DType t = layout.dtypes[i];
            if (t == DType.FLOAT32 || !t.isFloatingPoint()) for (int j = at; j < at + len; j++) values[j] = round(t, values[j]);
            at += len;
        }
        return new Snapshot(layout, values);
    }

    /** {@code v} as an entry of dtype {@code t} holds it: float32 to the nearest float, integers to the nearest integer. */
    static double round(DType t, double v) {
        return t == DType.FLOAT32 ? (float) v : t.isFloatingPoint() ? v : Math.rint(v);
    }

    /** Writes float32 entries as floats (exact, see the class comment), then the others as doubles. */
    private void writeObject(ObjectOutputStream out) throws IOException {
        out.defaultWriteObject();
        ValueBytes.Writer w = new ValueBytes.Writer(out);
        int floats = floatCount();
        w.count(floats);
        forEachRun(true, (from, to) -> w.putFloats(values, from, to));
        w.count(values.length - floats);
        forEachRun(false, (from, to) -> w.putDoubles(values, from, to));
    }

    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
        in.defaultReadObject();
        values = new double[layout.size()];
        ValueBytes.Reader r = new ValueBytes.Reader(in);
        if (r.count() != floatCount()) throw new IOException("snapshot stream does not match its layout");
        forEachRun(true, (from, to) -> r.getFloats(values, from, to));
        if (r.count() != values.length - floatCount()) throw new IOException("snapshot stream does not match its layout");
        forEachRun(false, (from, to) -> r.getDoubles(values, from, to));
    }

    private int floatCount() {
        int n = 0;
        for (int i = 0; i < layout.names.length; i++) if (layout.dtypes[i] == DType.FLOAT32) n += numel(layout.shapes[i]);
        return n;
    }

    private interface Run { void values(int from, int to) throws IOException; }

    /** Calls {@code run} with the value range of each float32 entry ({@code float32} true) or of each other entry, in order. */
    private void forEachRun(boolean float32, Run run) throws IOException {
        int at = 0;
        for (int i = 0; i < layout.names.length; i++) {
            int len = numel(layout.shapes[i]);
            if ((layout.dtypes[i] == DType.FLOAT32) == float32) run.values(at, at + len);
            at += len;
        }
    }

    /**
     * {@link #toTensors()}, shared by every caller: read-only, since loading copies out of them. A snapshot's values never
     * change once it is built (an average is rounded before its snapshot exists), so the tensors stay its values.
     */
    private Map<String, Tensor> loadable() {
        Map<String, Tensor> t = loadable;
        if (t == null) {
            synchronized (this) {
                if (loadable == null) loadable = java.util.Collections.unmodifiableMap(toTensors());
                t = loadable;
            }
        }
        return t;
    }

    /** Loads the model entries (strictly) and, when present and {@code optimizer} is non-null, the optimizer's state. */
    void loadInto(Module model, Optimizer optimizer) { load(toTensors(), model, optimizer); }

    /**
     * As {@link #loadInto}, converting the values to tensors only the first time: for a round's broadcast state, which
     * every partition on an executor loads. The tensors live as long as this snapshot.
     */
    void loadSharedInto(Module model, Optimizer optimizer) { load(loadable(), model, optimizer); }

    @SuppressWarnings("unchecked")
    private static void load(Map<String, Tensor> tensors, Module model, Optimizer optimizer) {
        Map<String, Tensor> modelState = new LinkedHashMap<>();
        Map<Integer, Map<String, Object>> optimState = new LinkedHashMap<>();
        tensors.forEach((k, v) -> {
            if (k.startsWith(MODEL)) {
                modelState.put(k.substring(MODEL.length()), v);
            } else {
                String[] parts = k.substring(OPTIM.length()).split("/", 2);
                // Step counts travel as scalars; the optimizers keep them as Doubles.
                optimState.computeIfAbsent(Integer.parseInt(parts[0]), x -> new LinkedHashMap<>())
                        .put(parts[1], v.dim() == 0 ? (Object) v.item() : v);
            }
        });
        model.loadStateDict(modelState, true);
        if (optimizer != null && !optimState.isEmpty()) loadOptimizerState(optimizer, optimState);
    }

    /**
     * Replaces the optimizer's per-parameter state with {@code saved} (index to key to value), writing into its
     * existing buffers where shapes and dtypes agree: a reused replica's optimizer takes the averaged state without
     * the state dict's copies. Like {@link Optimizer#loadStateDict}, state absent from {@code saved} is dropped.
     */
    private static void loadOptimizerState(Optimizer optimizer, Map<Integer, Map<String, Object>> saved) {
        List<Tensor> params = parameters(optimizer);
        for (int index = 0; index < params.size(); index++) {
            Tensor p = params.get(index);
            Map<String, Object> st = optimizer.state(p), values = saved.getOrDefault(index, Map.of());
            st.keySet().retainAll(values.keySet());
            try (var noGrad = dev.ember.engine.autograd.GradMode.noGrad()) {
                values.forEach((k, v) -> {
                    if (v instanceof Tensor t) {
                        if (st.get(k) instanceof Tensor own && java.util.Arrays.equals(own.shape(), t.shape()) && own.dtype() == p.dtype()) own.copy_(t);
                        else st.put(k, t.to(p.dtype()).to(p.device()).clone()); // a copy: t is shared (see loadable())
                    } else {
                        st.put(k, v);
                    }
                });
            }
        }
    }

    private static List<Tensor> parameters(Optimizer optimizer) {
        List<Tensor> all = new ArrayList<>();
        for (var group : optimizer.paramGroups()) all.addAll(group.params());
        return all;
    }

    /** This snapshot without its optimizer entries. */
    Snapshot modelOnly() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        toTensors().forEach((k, v) -> { if (k.startsWith(MODEL)) out.put(k, v); });
        return fromTensors(out);
    }

    static int numel(int[] shape) {
        int n = 1;
        for (int d : shape) n = Math.multiplyExact(n, d);
        return n;
    }
}
