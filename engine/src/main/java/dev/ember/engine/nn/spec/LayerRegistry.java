package dev.ember.engine.nn.spec;

import dev.ember.engine.io.Json;
import dev.ember.engine.nn.AdaptiveAvgPool2d;
import dev.ember.engine.nn.AvgPool2d;
import dev.ember.engine.nn.BatchNorm1d;
import dev.ember.engine.nn.BatchNorm2d;
import dev.ember.engine.nn.Bilinear;
import dev.ember.engine.nn.Conv1d;
import dev.ember.engine.nn.Conv2d;
import dev.ember.engine.nn.Dropout;
import dev.ember.engine.nn.ELU;
import dev.ember.engine.nn.Embedding;
import dev.ember.engine.nn.Flatten;
import dev.ember.engine.nn.GELU;
import dev.ember.engine.nn.GRU;
import dev.ember.engine.nn.Identity;
import dev.ember.engine.nn.LSTM;
import dev.ember.engine.nn.LayerNorm;
import dev.ember.engine.nn.LeakyReLU;
import dev.ember.engine.nn.Linear;
import dev.ember.engine.nn.LogSoftmax;
import dev.ember.engine.nn.MaxPool2d;
import dev.ember.engine.nn.Module;
import dev.ember.engine.nn.RNN;
import dev.ember.engine.nn.ReLU;
import dev.ember.engine.nn.Sigmoid;
import dev.ember.engine.nn.Softmax;
import dev.ember.engine.nn.Softplus;
import dev.ember.engine.nn.Tanh;
import dev.ember.engine.nn.Unflatten;
import dev.ember.engine.optim.Option;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The layer types a {@link ModelSpec} can name, each with its arguments (PyTorch's snake_case names, kinds and
 * defaults) and an explicit factory: no reflection, so a spec file can only build these layers with these arguments.
 * An optional argument's name and default come from the layer's own declaration ({@code Linear.BIAS}), the one
 * its short constructors use, so a spec and a constructor cannot disagree on a default.
 */
public final class LayerRegistry {
    private LayerRegistry() {}

    /** What a JSON argument value may be. */
    public enum Kind {
        INT("an integer", "int"),
        NUMBER("a number", "number"),
        BOOL("a boolean", "bool"),
        STRING("a string", "string"),
        /** An int k (meaning [k, k]) or a list of 2 ints, like PyTorch's _pair. */
        INT_OR_PAIR("an integer or a list of 2 integers", "int or [int, int]"),
        /** An int k or a list [k] (Conv1d's sizes, like PyTorch's _single). */
        INT_OR_SINGLE("an integer or a list of 1 integer", "int or [int]"),
        /** An int or a list of ints (LayerNorm's normalized_shape). */
        INT_OR_LIST("an integer or a list of integers", "int or [int, ...]");

        final String description;
        /** The short form the model spec reference uses. */
        public final String shortName;

        Kind(String description, String shortName) {
            this.description = description;
            this.shortName = shortName;
        }

        @Override public String toString() { return description; }
    }

    /**
     * One argument: its JSON key, kind, default (REQUIRED when it has none; null means Python's None) and whether
     * JSON null (None) is accepted.
     */
    public record Arg(String name, Kind kind, Object defaultValue, boolean nullable) {
        public boolean required() { return defaultValue == REQUIRED; }
    }

    /** Marks an argument without a default. */
    static final Object REQUIRED = new Object() {
        @Override public String toString() { return "<required>"; }
    };

    /** Builds a module from checked, defaulted arguments. */
    @FunctionalInterface
    public interface Factory {
        Module create(Args args);
    }

    /**
     * A layer type: its name (PyTorch's class name), group in the reference, shape rule, accepted arguments (in
     * PyTorch's order) and factory.
     */
    public record LayerType(String name, String group, String shapes, List<Arg> args, Factory factory) {
        /** The PyTorch module this type mirrors: every type here has PyTorch's name and arguments. */
        public String pytorch() { return "torch.nn." + name; }

        Arg arg(String key) {
            for (Arg a : args) if (a.name.equals(key)) return a;
            return null;
        }
    }

    /** Checked argument values with defaults filled in (ints as Integer, numbers as Double, pairs/lists as int[]). */
    public static final class Args {
        private final Map<String, Object> values;

        Args(Map<String, Object> values) { this.values = values; }

        public int i(String key) { return (Integer) values.get(key); }

        /** An integer argument that may be None (null). */
        public Integer iOrNull(String key) { return (Integer) values.get(key); }

        public double d(String key) { return (Double) values.get(key); }

        /** A number argument that may be None (null). */
        public Double dOrNull(String key) { return (Double) values.get(key); }

        public boolean b(String key) { return (Boolean) values.get(key); }

        public String s(String key) { return (String) values.get(key); }

        public int[] ints(String key) { return ((int[]) values.get(key)).clone(); }

        public boolean isNull(String key) { return values.get(key) == null; }
    }

    private static final Map<String, LayerType> TYPES = new LinkedHashMap<>();

    private static Arg req(String name, Kind kind) { return new Arg(name, kind, REQUIRED, false); }

    /** An optional argument, named and defaulted by the layer's own declaration; one whose default is None also accepts null. */
    private static Arg opt(Option<?> option, Kind kind) { return new Arg(option.name(), kind, option.defaultValue(), option.defaultValue() == null); }

    /** An optional argument that also accepts null (None) though its default is a value. */
    private static Arg optOrNull(Option<?> option, Kind kind) { return new Arg(option.name(), kind, option.defaultValue(), true); }

    /** The group the next registrations belong to (a heading of docs/model-spec.md). */
    private static String group;
    /** The shape rule of the next registration. */
    private static String shapes;

    private static void group(String name) { group = name; }

    /** Sets the shape rule (input -> output, as in PyTorch's docs) of the next registered type. */
    private static void shapes(String rule) { shapes = rule; }

    private static void register(String name, Factory f, Arg... args) {
        if (shapes == null) throw new IllegalStateException(name + " has no shape rule");
        TYPES.put(name, new LayerType(name, group, shapes, List.of(args), f));
        shapes = null;
    }

    static {
        String conv = "floor((L + 2*padding - dilation*(kernel_size - 1) - 1) / stride + 1)";
        group("Layers with weights");
        shapes("(*, in_features) -> (*, out_features); weight [out_features, in_features], bias [out_features]");
        register("Linear", a -> new Linear(a.i("in_features"), a.i("out_features"), a.b("bias")),
                req("in_features", Kind.INT), req("out_features", Kind.INT), opt(Linear.BIAS, Kind.BOOL));
        shapes("(*, in1_features) and (*, in2_features) -> (*, out_features); weight [out_features, in1_features, in2_features]");
        register("Bilinear", a -> new Bilinear(a.i("in1_features"), a.i("in2_features"), a.i("out_features"), a.b("bias")),
                req("in1_features", Kind.INT), req("in2_features", Kind.INT), req("out_features", Kind.INT), opt(Bilinear.BIAS, Kind.BOOL));
        shapes("(N, in_channels, L) -> (N, out_channels, L_out), L_out = " + conv + "; weight [out_channels, in_channels/groups, kernel_size]");
        register("Conv1d", a -> new Conv1d(a.i("in_channels"), a.i("out_channels"), a.i("kernel_size"), a.i("stride"), a.i("padding"), a.i("dilation"), a.i("groups"), a.b("bias")),
                req("in_channels", Kind.INT), req("out_channels", Kind.INT), req("kernel_size", Kind.INT_OR_SINGLE), opt(Conv1d.STRIDE, Kind.INT_OR_SINGLE),
                opt(Conv1d.PADDING, Kind.INT_OR_SINGLE), opt(Conv1d.DILATION, Kind.INT_OR_SINGLE), opt(Conv1d.GROUPS, Kind.INT), opt(Conv1d.BIAS, Kind.BOOL));
        shapes("(N, in_channels, H, W) -> (N, out_channels, H_out, W_out), each of H and W as L_out = " + conv.replace("L ", "L_in ")
                + " with that dimension's kernel_size, stride, padding, dilation; weight [out_channels, in_channels/groups, kH, kW]");
        register("Conv2d", a -> new Conv2d(a.i("in_channels"), a.i("out_channels"), a.ints("kernel_size"), a.ints("stride"), a.ints("padding"), a.ints("dilation"), a.i("groups"), a.b("bias")),
                req("in_channels", Kind.INT), req("out_channels", Kind.INT), req("kernel_size", Kind.INT_OR_PAIR), opt(Conv2d.STRIDE, Kind.INT_OR_PAIR),
                opt(Conv2d.PADDING, Kind.INT_OR_PAIR), opt(Conv2d.DILATION, Kind.INT_OR_PAIR), opt(Conv2d.GROUPS, Kind.INT), opt(Conv2d.BIAS, Kind.BOOL));
        shapes("integer indices (*) in 0..num_embeddings-1 -> (*, embedding_dim); weight [num_embeddings, embedding_dim]");
        register("Embedding", a -> new Embedding(a.i("num_embeddings"), a.i("embedding_dim"), a.iOrNull("padding_idx"), a.dOrNull("max_norm"), a.d("norm_type"), a.b("scale_grad_by_freq"), a.b("sparse")),
                req("num_embeddings", Kind.INT), req("embedding_dim", Kind.INT), opt(Embedding.PADDING_IDX, Kind.INT), opt(Embedding.MAX_NORM, Kind.NUMBER),
                opt(Embedding.NORM_TYPE, Kind.NUMBER), opt(Embedding.SCALE_GRAD_BY_FREQ, Kind.BOOL), opt(Embedding.SPARSE, Kind.BOOL));
        group("Normalization");
        shapes("(N, num_features) or (N, num_features, L) -> the same shape");
        register("BatchNorm1d", a -> new BatchNorm1d(a.i("num_features"), a.d("eps"), a.dOrNull("momentum"), a.b("affine"), a.b("track_running_stats")),
                req("num_features", Kind.INT), opt(BatchNorm1d.EPS, Kind.NUMBER), optOrNull(BatchNorm1d.MOMENTUM, Kind.NUMBER),
                opt(BatchNorm1d.AFFINE, Kind.BOOL), opt(BatchNorm1d.TRACK_RUNNING_STATS, Kind.BOOL));
        shapes("(N, num_features, H, W) -> the same shape");
        register("BatchNorm2d", a -> new BatchNorm2d(a.i("num_features"), a.d("eps"), a.dOrNull("momentum"), a.b("affine"), a.b("track_running_stats")),
                req("num_features", Kind.INT), opt(BatchNorm2d.EPS, Kind.NUMBER), optOrNull(BatchNorm2d.MOMENTUM, Kind.NUMBER),
                opt(BatchNorm2d.AFFINE, Kind.BOOL), opt(BatchNorm2d.TRACK_RUNNING_STATS, Kind.BOOL));
        shapes("(*, normalized_shape...) -> the same shape; normalizes over the last len(normalized_shape) dimensions");
        register("LayerNorm", a -> new LayerNorm(a.ints("normalized_shape"), a.d("eps"), a.b("elementwise_affine")),
                req("normalized_shape", Kind.INT_OR_LIST), opt(LayerNorm.EPS, Kind.NUMBER), opt(LayerNorm.ELEMENTWISE_AFFINE, Kind.BOOL));
        group("Pooling and reshaping");
        shapes("(N, C, H, W) -> (N, C, H_out, W_out), each as " + conv.replace("L ", "L_in ") + " (ceil instead of floor with ceil_mode); stride null means kernel_size");
        register("MaxPool2d", a -> new MaxPool2d(a.ints("kernel_size"), a.isNull("stride") ? null : a.ints("stride"), a.ints("padding"), a.ints("dilation"), a.b("ceil_mode")),
                req("kernel_size", Kind.INT_OR_PAIR), opt(MaxPool2d.STRIDE, Kind.INT_OR_PAIR), opt(MaxPool2d.PADDING, Kind.INT_OR_PAIR),
                opt(MaxPool2d.DILATION, Kind.INT_OR_PAIR), opt(MaxPool2d.CEIL_MODE, Kind.BOOL));
        shapes("(N, C, H, W) -> (N, C, H_out, W_out), each as floor((L_in + 2*padding - kernel_size) / stride + 1) (ceil with ceil_mode); stride null means kernel_size");
        register("AvgPool2d", a -> new AvgPool2d(a.ints("kernel_size"), a.isNull("stride") ? null : a.ints("stride"), a.ints("padding"), a.b("ceil_mode"),
                        a.b("count_include_pad"), a.isNull("divisor_override") ? 0 : a.i("divisor_override")),
                req("kernel_size", Kind.INT_OR_PAIR), opt(AvgPool2d.STRIDE, Kind.INT_OR_PAIR), opt(AvgPool2d.PADDING, Kind.INT_OR_PAIR),
                opt(AvgPool2d.CEIL_MODE, Kind.BOOL), opt(AvgPool2d.COUNT_INCLUDE_PAD, Kind.BOOL), opt(AvgPool2d.DIVISOR_OVERRIDE, Kind.INT));
        shapes("(N, C, H, W) -> (N, C, output_size[0], output_size[1])");
        register("AdaptiveAvgPool2d", a -> new AdaptiveAvgPool2d(a.ints("output_size")), req("output_size", Kind.INT_OR_PAIR));
        shapes("dimensions start_dim..end_dim merged into one: (N, C, H, W) -> (N, C*H*W) with the defaults");
        register("Flatten", a -> new Flatten(a.i("start_dim"), a.i("end_dim")), opt(Flatten.START_DIM, Kind.INT), opt(Flatten.END_DIM, Kind.INT));
        shapes("dimension dim split into unflattened_size (whose product must equal it)");
        register("Unflatten", a -> new Unflatten(a.i("dim"), a.ints("unflattened_size")), req("dim", Kind.INT), req("unflattened_size", Kind.INT_OR_LIST));
        shapes("any -> the same tensor");
        register("Identity", a -> new Identity());
        shapes("any -> the same shape (in training, elements zeroed with probability p and the rest scaled by 1/(1-p); identity in eval)");
        register("Dropout", a -> new Dropout(a.d("p"), a.b("inplace")), opt(Dropout.P, Kind.NUMBER), opt(Dropout.INPLACE, Kind.BOOL));
        group("Activations");
        String same = "any -> the same shape, elementwise";
        shapes(same);
        register("ReLU", a -> new ReLU(a.b("inplace")), opt(ReLU.INPLACE, Kind.BOOL));
        shapes(same);
        register("LeakyReLU", a -> new LeakyReLU(a.d("negative_slope")), opt(LeakyReLU.NEGATIVE_SLOPE, Kind.NUMBER));
        shapes(same);
        register("ELU", a -> new ELU(a.d("alpha")), opt(ELU.ALPHA, Kind.NUMBER));
        shapes(same + " (approximate: \"none\" or \"tanh\")");
        register("GELU", a -> new GELU(a.s("approximate")), opt(GELU.APPROXIMATE, Kind.STRING));
        shapes(same);
        register("Sigmoid", a -> new Sigmoid());
        shapes(same);
        register("Tanh", a -> new Tanh());
        shapes(same);
        register("Softplus", a -> new Softplus(a.d("beta"), a.d("threshold")), opt(Softplus.BETA, Kind.NUMBER), opt(Softplus.THRESHOLD, Kind.NUMBER));
        // Recurrent layers: in a Sequential they pass on only the output sequence (forward(Tensor)).
        group("Recurrent layers");
        String rnn = "(L, N, input_size), or (N, L, input_size) with batch_first -> the output sequence (L, N, D*hidden_size) (or batch first),"
                + " D = 2 if bidirectional else 1; in a Sequential only the output sequence is passed on, not the final states";
        shapes(rnn + " (nonlinearity: \"tanh\" or \"relu\")");
        register("RNN", a -> new RNN(a.i("input_size"), a.i("hidden_size"), a.i("num_layers"), a.s("nonlinearity"), a.b("bias"), a.b("batch_first"), a.d("dropout"), a.b("bidirectional")),
                req("input_size", Kind.INT), req("hidden_size", Kind.INT), opt(RNN.NUM_LAYERS, Kind.INT), opt(RNN.NONLINEARITY, Kind.STRING),
                opt(RNN.BIAS, Kind.BOOL), opt(RNN.BATCH_FIRST, Kind.BOOL), opt(RNN.DROPOUT, Kind.NUMBER), opt(RNN.BIDIRECTIONAL, Kind.BOOL));
        shapes(rnn);
        register("LSTM", a -> new LSTM(a.i("input_size"), a.i("hidden_size"), a.i("num_layers"), a.b("bias"), a.b("batch_first"), a.d("dropout"), a.b("bidirectional")),
                req("input_size", Kind.INT), req("hidden_size", Kind.INT), opt(LSTM.NUM_LAYERS, Kind.INT),
                opt(LSTM.BIAS, Kind.BOOL), opt(LSTM.BATCH_FIRST, Kind.BOOL), opt(LSTM.DROPOUT, Kind.NUMBER), opt(LSTM.BIDIRECTIONAL, Kind.BOOL));
        shapes(rnn);
        register("GRU", a -> new GRU(a.i("input_size"), a.i("hidden_size"), a.i("num_layers"), a.b("bias"), a.b("batch_first"), a.d("dropout"), a.b("bidirectional")),
                req("input_size", Kind.INT), req("hidden_size", Kind.INT), opt(GRU.NUM_LAYERS, Kind.INT),
                opt(GRU.BIAS, Kind.BOOL), opt(GRU.BATCH_FIRST, Kind.BOOL), opt(GRU.DROPOUT, Kind.NUMBER), opt(GRU.BIDIRECTIONAL, Kind.BOOL));
        // dim is required: PyTorch's implicit dim=None choice is deprecated.
        group("Output normalization");
        shapes("any -> the same shape, normalized along dim (dim is required: PyTorch's implicit choice is deprecated)");
        register("Softmax", a -> new Softmax(a.i("dim")), req("dim", Kind.INT));
        shapes("any -> the same shape, log of Softmax along dim");
        register("LogSoftmax", a -> new LogSoftmax(a.i("dim")), req("dim", Kind.INT));
    }

    /** The registered type names, in registration order. */
    public static Set<String> knownTypes() { return Collections.unmodifiableSet(TYPES.keySet()); }

    /** Every registered type, in registration order. */
    public static List<LayerType> types() { return List.copyOf(TYPES.values()); }

    /** The type of this name, or null. */
    public static LayerType get(String type) { return TYPES.get(type); }

    /**
     * Checks a layer's JSON arguments against its type and returns them converted with defaults filled in.
     * Errors name the layer (where, e.g. {@code layers[3]}), the key and the expected kind.
     */
    static Args check(String where, LayerType type, Map<String, Object> given) {
        List<String> unknown = new ArrayList<>();
        for (String k : given.keySet()) if (type.arg(k) == null) unknown.add("'" + k + "'");
        if (!unknown.isEmpty()) {
            List<String> accepted = new ArrayList<>();
            for (Arg a : type.args) accepted.add(a.name);
            throw new IllegalArgumentException(where + " (" + type.name + "): unknown argument" + (unknown.size() > 1 ? "s " : " ") + String.join(", ", unknown)
                    + "; accepted: " + (accepted.isEmpty() ? "none" : String.join(", ", accepted)));
        }
        Map<String, Object> out = new LinkedHashMap<>();
        for (Arg a : type.args) {
            if (!given.containsKey(a.name)) {
                if (a.required()) throw new IllegalArgumentException(where + " (" + type.name + "): missing required argument '" + a.name + "' (" + a.kind + ")");
                out.put(a.name, a.defaultValue == null ? null : convert(where, type, a, a.defaultValue));
            } else {
                Object v = given.get(a.name);
                if (v == null && !a.nullable()) throw wrongType(where, type, a, v);
                out.put(a.name, v == null ? null : convert(where, type, a, v));
            }
        }
        return new Args(out);
    }

    private static Object convert(String where, LayerType type, Arg a, Object v) {
        switch (a.kind) {
            case INT:
                return toInt(v, where, type, a);
            case NUMBER:
                if (v instanceof Long || v instanceof Integer || v instanceof Double) return ((Number) v).doubleValue();
                throw wrongType(where, type, a, v);
            case BOOL:
                if (v instanceof Boolean) return v;
                throw wrongType(where, type, a, v);
            case STRING:
                if (v instanceof String) return v;
                throw wrongType(where, type, a, v);
            case INT_OR_PAIR: {
                if (!(v instanceof List<?> l)) {
                    int k = toInt(v, where, type, a);
                    return new int[]{k, k};
                }
                if (l.size() != 2) throw wrongType(where, type, a, v);
                return new int[]{toInt(l.get(0), where, type, a), toInt(l.get(1), where, type, a)};
            }
            case INT_OR_SINGLE: {
                if (!(v instanceof List<?> l)) return toInt(v, where, type, a);
                if (l.size() != 1) throw wrongType(where, type, a, v);
                return toInt(l.get(0), where, type, a);
            }
            case INT_OR_LIST: {
                if (!(v instanceof List<?> l)) return new int[]{toInt(v, where, type, a)};
                int[] out = new int[l.size()];
                for (int i = 0; i < out.length; i++) out[i] = toInt(l.get(i), where, type, a);
                return out;
            }
            default:
                throw new AssertionError(a.kind);
        }
    }

    private static int toInt(Object v, String where, LayerType type, Arg a) {
        if (v instanceof Long || v instanceof Integer) {
            long x = ((Number) v).longValue();
            if (x == (int) x) return (int) x;
            throw new IllegalArgumentException(where + " (" + type.name + "): argument '" + a.name + "' value " + x + " does not fit in a 32-bit integer");
        }
        throw wrongType(where, type, a, v);
    }

    private static IllegalArgumentException wrongType(String where, LayerType type, Arg a, Object v) {
        String shown = v == null ? "" : " " + (v instanceof String s ? "\"" + s + "\"" : String.valueOf(v));
        return new IllegalArgumentException(where + " (" + type.name + "): argument '" + a.name + "' must be " + a.kind
                + (a.nullable() ? " or null" : "") + ", got " + Json.typeName(v) + shown);
    }
}
