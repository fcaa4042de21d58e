package dev.ember.engine.nn.spec;

import dev.ember.engine.Tensor;
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
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.Timeout;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

/**
 * A layer built from a spec that gives only the required arguments equals the one its shortest constructor
 * builds: same settings (every field the layer class declares), same parameters and buffers (names and shapes),
 * same repr. So a default that a constructor and the spec stated differently would fail here.
 */
@Timeout(60)
class LayerDefaultsTest {
    /** Each registered type: the spec's required arguments, and the constructor given the same values. */
    private record Case(Map<String, Object> required, Supplier<Module> constructor) {}

    private static final Map<String, Case> CASES = new LinkedHashMap<>();

    private static void add(String type, Supplier<Module> constructor, Object... keysAndValues) {
        Map<String, Object> required = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) required.put((String) keysAndValues[i], keysAndValues[i + 1]);
        CASES.put(type, new Case(required, constructor));
    }

    static {
        add("Linear", () -> new Linear(3, 4), "in_features", 3L, "out_features", 4L);
        add("Bilinear", () -> new Bilinear(2, 3, 4), "in1_features", 2L, "in2_features", 3L, "out_features", 4L);
        add("Conv1d", () -> new Conv1d(2, 4, 3), "in_channels", 2L, "out_channels", 4L, "kernel_size", 3L);
        add("Conv2d", () -> new Conv2d(2, 4, 3), "in_channels", 2L, "out_channels", 4L, "kernel_size", 3L);
        add("Embedding", () -> new Embedding(10, 4), "num_embeddings", 10L, "embedding_dim", 4L);
        add("BatchNorm1d", () -> new BatchNorm1d(3), "num_features", 3L);
        add("BatchNorm2d", () -> new BatchNorm2d(3), "num_features", 3L);
        add("LayerNorm", () -> new LayerNorm(4), "normalized_shape", 4L);
        add("MaxPool2d", () -> new MaxPool2d(2), "kernel_size", 2L);
        add("AvgPool2d", () -> new AvgPool2d(2), "kernel_size", 2L);
        add("AdaptiveAvgPool2d", () -> new AdaptiveAvgPool2d(2), "output_size", 2L);
        add("Flatten", Flatten::new);
        add("Unflatten", () -> new Unflatten(1, 2, 3), "dim", 1L, "unflattened_size", java.util.List.of(2L, 3L));
        add("Identity", Identity::new);
        add("Dropout", Dropout::new);
        add("ReLU", ReLU::new);
        add("LeakyReLU", LeakyReLU::new);
        add("ELU", ELU::new);
        add("GELU", GELU::new);
        add("Sigmoid", Sigmoid::new);
        add("Tanh", Tanh::new);
        add("Softplus", Softplus::new);
        add("RNN", () -> new RNN(3, 4), "input_size", 3L, "hidden_size", 4L);
        add("LSTM", () -> new LSTM(3, 4), "input_size", 3L, "hidden_size", 4L);
        add("GRU", () -> new GRU(3, 4), "input_size", 3L, "hidden_size", 4L);
        add("Softmax", () -> new Softmax(1), "dim", 1L);
        add("LogSoftmax", () -> new LogSoftmax(1), "dim", 1L);
    }

    @Test
    void everyRegisteredTypeIsCovered() {
        assertEquals(LayerRegistry.knownTypes(), CASES.keySet(), "add the new layer type to CASES");
    }

    @TestFactory
    Stream<DynamicTest> specDefaultsAreTheConstructorDefaults() {
        return CASES.entrySet().stream().map(e -> dynamicTest(e.getKey(), () -> {
            LayerRegistry.LayerType type = LayerRegistry.get(e.getKey());
            Module fromSpec = type.factory().create(LayerRegistry.check("layers[0]", type, e.getValue().required()));
            Module fromConstructor = e.getValue().constructor().get();
            assertEquals(fromConstructor.getClass(), fromSpec.getClass());
            assertEquals(settings(fromConstructor), settings(fromSpec), "settings of the constructor's vs the spec's " + e.getKey());
            assertEquals(shapes(fromConstructor.stateDict()), shapes(fromSpec.stateDict()), "parameters and buffers");
            assertEquals(repr(fromConstructor), repr(fromSpec));
        }));
    }

    /** Every field the layer's classes below Module declare, as text; tensors by shape, a pair [k, k] as k. */
    private static Map<String, String> settings(Module m) throws IllegalAccessException {
        Map<String, String> out = new TreeMap<>();
        for (Class<?> c = m.getClass(); c != Module.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (Modifier.isStatic(f.getModifiers())) continue;
                f.setAccessible(true);
                out.put(c.getSimpleName() + "." + f.getName(), describe(f.get(m)));
            }
        }
        return out;
    }

    private static String describe(Object v) {
        if (v instanceof Tensor t) return "tensor " + Arrays.toString(t.shape());
        if (v instanceof int[] a) return a.length == 2 && a[0] == a[1] ? "[" + a[0] + "]" : Arrays.toString(a);
        if (v instanceof Map<?, ?> map) {
            Map<String, String> shown = new TreeMap<>();
            map.forEach((k, x) -> shown.put(String.valueOf(k), describe(x)));
            return shown.toString();
        }
        return String.valueOf(v);
    }

    /** The repr with a pair (k, k) shown as k, as a one-int constructor shows it. */
    private static String repr(Module m) { return m.toString().replaceAll("\\((-?\\d+), \\1\\)", "$1"); }

    private static Map<String, String> shapes(Map<String, Tensor> state) {
        Map<String, String> out = new TreeMap<>();
        state.forEach((k, t) -> out.put(k, Arrays.toString(t.shape())));
        return out;
    }
}
