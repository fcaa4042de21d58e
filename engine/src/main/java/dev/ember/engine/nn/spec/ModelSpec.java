package dev.ember.engine.nn.spec;

import dev.ember.engine.io.Json;
import dev.ember.engine.nn.Module;
import dev.ember.engine.nn.Sequential;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A model described as data, built without user code: a JSON object
 * {@code {"layers": [{"type": "Conv2d", "in_channels": 1, "out_channels": 32, "kernel_size": 3}, {"type": "ReLU"}, ...]}}
 * with an optional {@code "metadata"} object, built into a {@link Sequential} whose children are named "0", "1", ...
 * like PyTorch's, so its state dict keys ({@code 0.weight}) match a PyTorch Sequential of the same layers.
 * Argument names are PyTorch's snake_case constructor arguments; the accepted types are those of {@link LayerRegistry}.
 * Every layer is checked when the spec is made, so a bad file is refused before any weights are allocated.
 */
public final class ModelSpec {
    /** A file larger than this is not a model spec. */
    static final long MAX_FILE_BYTES = 16 << 20;

    /** One layer: its type name and its arguments as JSON values (integers as Long, numbers as Double, lists). */
    public record Layer(String type, Map<String, Object> args) {
        public Layer {
            Objects.requireNonNull(type, "layer type");
            Map<String, Object> copy = new LinkedHashMap<>();
            args.forEach((k, v) -> copy.put(k, normalize(v)));
            args = Collections.unmodifiableMap(copy);
        }

        /** A layer from alternating keys and values: {@code Layer.of("Linear", "in_features", 4, "out_features", 2)}. */
        public static Layer of(String type, Object... keysAndValues) {
            if (keysAndValues.length % 2 != 0) throw new IllegalArgumentException("Layer.of needs key, value pairs, got " + keysAndValues.length + " items");
            Map<String, Object> args = new LinkedHashMap<>();
            for (int i = 0; i < keysAndValues.length; i += 2) {
                if (!(keysAndValues[i] instanceof String k)) throw new IllegalArgumentException("Layer.of: key " + i / 2 + " is not a string: " + keysAndValues[i]);
                args.put(k, keysAndValues[i + 1]);
            }
            return new Layer(type, args);
        }
    }

    private final List<Layer> layers;
    private final Map<String, Object> metadata;
    /** Checked, defaulted arguments per layer, ready for the factories. */
    private final List<LayerRegistry.Args> checked;

    /** A spec of these layers (checked now: unknown types and bad arguments throw, naming the layer). */
    public ModelSpec(List<Layer> layers, Map<String, Object> metadata) {
        this.layers = List.copyOf(layers);
        Map<String, Object> meta = new LinkedHashMap<>();
        if (metadata != null) metadata.forEach((k, v) -> meta.put(k, normalize(v)));
        this.metadata = Collections.unmodifiableMap(meta);
        List<LayerRegistry.Args> out = new ArrayList<>();
        for (int i = 0; i < this.layers.size(); i++) out.add(LayerRegistry.check("layers[" + i + "]", typeOf(i), this.layers.get(i).args()));
        this.checked = out;
    }

    public ModelSpec(List<Layer> layers) { this(layers, Map.of()); }

    public static ModelSpec of(Layer... layers) { return new ModelSpec(List.of(layers)); }

    public List<Layer> layers() { return layers; }

    /** Free-form JSON metadata (description, training settings, ...); never interpreted. */
    public Map<String, Object> metadata() { return metadata; }

    /** This spec with other metadata. */
    public ModelSpec withMetadata(Map<String, Object> metadata) { return new ModelSpec(layers, metadata); }

    private LayerRegistry.LayerType typeOf(int i) {
        String name = layers.get(i).type();
        LayerRegistry.LayerType t = LayerRegistry.get(name);
        if (t == null) throw new IllegalArgumentException("unknown layer type '" + name + "' at layers[" + i + "]; known types: " + String.join(", ", LayerRegistry.knownTypes()));
        return t;
    }

    // ================================================================ JSON

    /** Parses a spec; syntax errors give the offset, layer errors the layer index, key and expected type. */
    public static ModelSpec parse(String json) {
        Map<String, Object> root = Json.parseObject(json);
        for (String k : root.keySet()) {
            if (!k.equals("layers") && !k.equals("metadata")) throw new IllegalArgumentException("model spec: unknown top-level key '" + k + "'; accepted: layers, metadata");
        }
        if (!root.containsKey("layers")) throw new IllegalArgumentException("model spec: missing \"layers\" (an array of layer objects)");
        if (!(root.get("layers") instanceof List<?> list)) throw new IllegalArgumentException("model spec: \"layers\" must be an array, got " + Json.typeName(root.get("layers")));
        Object meta = root.get("metadata");
        if (meta != null && !(meta instanceof Map)) throw new IllegalArgumentException("model spec: \"metadata\" must be an object, got " + Json.typeName(meta));
        List<Layer> layers = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            if (!(list.get(i) instanceof Map<?, ?> obj)) throw new IllegalArgumentException("layers[" + i + "] must be an object, got " + Json.typeName(list.get(i)));
            if (!obj.containsKey("type")) throw new IllegalArgumentException("layers[" + i + "]: missing \"type\"");
            if (!(obj.get("type") instanceof String type)) throw new IllegalArgumentException("layers[" + i + "]: \"type\" must be a string, got " + Json.typeName(obj.get("type")));
            Map<String, Object> args = new LinkedHashMap<>();
            obj.forEach((k, v) -> { if (!k.equals("type")) args.put((String) k, v); });
            layers.add(new Layer(type, args));
        }
        @SuppressWarnings("unchecked") Map<String, Object> m = (Map<String, Object>) meta;
        return new ModelSpec(layers, m);
    }

    /** Reads and parses a spec file (UTF-8, at most 16 MiB). */
    public static ModelSpec fromFile(Path file) throws IOException {
        long size = Files.size(file);
        if (size > MAX_FILE_BYTES) throw new IOException("model spec " + file + " is " + size + " bytes, more than the limit of " + MAX_FILE_BYTES);
        String text = new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
        try {
            return parse(text);
        } catch (IllegalArgumentException e) {
            throw new IOException("invalid model spec " + file + ": " + e.getMessage(), e);
        }
    }

    /** The spec as pretty JSON ({@code parse(toJson())} gives an equal spec). */
    public String toJson() {
        Map<String, Object> root = new LinkedHashMap<>();
        List<Object> list = new ArrayList<>();
        for (Layer l : layers) {
            Map<String, Object> obj = new LinkedHashMap<>();
            obj.put("type", l.type());
            obj.putAll(l.args());
            list.add(obj);
        }
        root.put("layers", list);
        if (!metadata.isEmpty()) root.put("metadata", metadata);
        return Json.write(root, true) + "\n";
    }

    // ================================================================ building

    /** A fresh Sequential of the layers, with their default initialization. */
    public Sequential build() {
        Sequential seq = new Sequential();
        for (int i = 0; i < layers.size(); i++) {
            LayerRegistry.LayerType t = typeOf(i);
            Module m;
            try {
                m = t.factory().create(checked.get(i));
            } catch (IllegalArgumentException e) {
                // The layer's own check (e.g. a non-positive size): say which layer it was.
                throw new IllegalArgumentException("layers[" + i + "] (" + t.name() + "): " + e.getMessage(), e);
            }
            seq.add(m);
        }
        return seq;
    }

    @Override public boolean equals(Object o) { return o instanceof ModelSpec s && s.layers.equals(layers) && s.metadata.equals(metadata); }

    @Override public int hashCode() { return Objects.hash(layers, metadata); }

    @Override public String toString() { return toJson(); }

    /** JSON values in one canonical form: Long, Double, String, Boolean, null, List, Map (so specs compare equal). */
    static Object normalize(Object v) {
        if (v instanceof Integer || v instanceof Short || v instanceof Byte) return ((Number) v).longValue();
        if (v instanceof Float f) return f.doubleValue();
        if (v instanceof int[] a) {
            List<Object> l = new ArrayList<>();
            for (int x : a) l.add((long) x);
            return Collections.unmodifiableList(l);
        }
        if (v instanceof List<?> l) {
            List<Object> out = new ArrayList<>();
            for (Object x : l) out.add(normalize(x));
            return Collections.unmodifiableList(out);
        }
        if (v instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            m.forEach((k, x) -> {
                if (!(k instanceof String s)) throw new IllegalArgumentException("JSON object keys must be strings, got " + k);
                out.put(s, normalize(x));
            });
            return Collections.unmodifiableMap(out);
        }
        if (v == null || v instanceof Long || v instanceof Double || v instanceof String || v instanceof Boolean) return v;
        throw new IllegalArgumentException("not a JSON value: " + v.getClass().getName());
    }
}
