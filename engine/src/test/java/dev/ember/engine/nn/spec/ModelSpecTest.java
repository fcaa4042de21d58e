package dev.ember.engine.nn.spec;

import dev.ember.engine.Tensor;
import dev.ember.engine.io.Json;
import dev.ember.engine.nn.AvgPool2d;
import dev.ember.engine.nn.Conv2d;
import dev.ember.engine.nn.Linear;
import dev.ember.engine.nn.MaxPool2d;
import dev.ember.engine.nn.Module;
import dev.ember.engine.nn.ReLU;
import dev.ember.engine.nn.Sequential;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelSpecTest {
    static final String CNN = """
            {"layers": [
              {"type": "Conv2d", "in_channels": 1, "out_channels": 32, "kernel_size": 3, "padding": 1},
              {"type": "ReLU"},
              {"type": "MaxPool2d", "kernel_size": 2},
              {"type": "Flatten"},
              {"type": "Linear", "in_features": 6272, "out_features": 10}
            ], "metadata": {"task": "mnist", "epochs": 3}}
            """;

    private static String parseError(String json) {
        return assertThrows(IllegalArgumentException.class, () -> ModelSpec.parse(json), json).getMessage();
    }

    private static String layersError(String layers) { return parseError("{\"layers\": [" + layers + "]}"); }

    @Test
    void buildsTheExampleCnnWithPyTorchsNames() {
        ModelSpec spec = ModelSpec.parse(CNN);
        assertEquals(5, spec.layers().size());
        assertEquals(Map.of("task", "mnist", "epochs", 3L), spec.metadata());
        Sequential m = spec.build();
        Conv2d conv = (Conv2d) m.get(0);
        assertArrayEquals(new int[]{1, 1}, conv.padding);
        assertArrayEquals(new int[]{2, 2}, ((MaxPool2d) m.get(2)).stride, "stride defaults to kernel_size");
        assertInstanceOf(ReLU.class, m.get(1));
        Map<String, Tensor> sd = m.stateDict();
        assertEquals(List.of("0.weight", "0.bias", "4.weight", "4.bias"), List.copyOf(sd.keySet()));
        assertArrayEquals(new int[]{32, 1, 3, 3}, sd.get("0.weight").shape());
        assertArrayEquals(new int[]{10, 6272}, sd.get("4.weight").shape());
        assertArrayEquals(new int[]{2, 10}, m.forward(Tensor.randn(2, 1, 28, 28)).shape());
    }

    @Test
    void toJsonReadsBackEqual() {
        ModelSpec spec = ModelSpec.parse(CNN);
        String text = spec.toJson();
        assertTrue(text.contains("\"type\": \"Conv2d\""), text);
        assertEquals(spec, ModelSpec.parse(text));
        ModelSpec built = ModelSpec.of(ModelSpec.Layer.of("Linear", "in_features", 4, "out_features", 2, "bias", false),
                ModelSpec.Layer.of("LayerNorm", "normalized_shape", new int[]{2}, "eps", 1e-3f));
        assertEquals(built, ModelSpec.parse(built.toJson()));
        assertNull(((Linear) built.build().get(0)).bias);
    }

    @Test
    void everyRegisteredTypeBuilds() {
        Map<String, Object[]> required = new LinkedHashMap<>();
        required.put("Linear", new Object[]{"in_features", 3, "out_features", 2});
        required.put("Bilinear", new Object[]{"in1_features", 2, "in2_features", 3, "out_features", 4});
        required.put("Conv1d", new Object[]{"in_channels", 2, "out_channels", 4, "kernel_size", List.of(3)});
        required.put("Conv2d", new Object[]{"in_channels", 2, "out_channels", 4, "kernel_size", List.of(3, 1)});
        required.put("Embedding", new Object[]{"num_embeddings", 10, "embedding_dim", 3, "padding_idx", 0});
        required.put("BatchNorm1d", new Object[]{"num_features", 3, "momentum", null});
        required.put("BatchNorm2d", new Object[]{"num_features", 3});
        required.put("LayerNorm", new Object[]{"normalized_shape", List.of(2, 3)});
        required.put("MaxPool2d", new Object[]{"kernel_size", 3, "stride", 1});
        required.put("AvgPool2d", new Object[]{"kernel_size", List.of(2, 3), "divisor_override", 5});
        required.put("AdaptiveAvgPool2d", new Object[]{"output_size", 1});
        required.put("Softmax", new Object[]{"dim", 1});
        required.put("LogSoftmax", new Object[]{"dim", -1});
        required.put("Unflatten", new Object[]{"dim", 1, "unflattened_size", List.of(2, 3)});
        for (String rnn : List.of("RNN", "LSTM", "GRU")) required.put(rnn, new Object[]{"input_size", 4, "hidden_size", 3});
        for (String type : LayerRegistry.knownTypes()) {
            ModelSpec spec = ModelSpec.of(ModelSpec.Layer.of(type, required.getOrDefault(type, new Object[0])));
            Module m = spec.build().get(0);
            assertEquals(type, m.getClass().getSimpleName());
        }
        Module avg = ModelSpec.of(ModelSpec.Layer.of("AvgPool2d", required.get("AvgPool2d"))).build().get(0);
        assertArrayEquals(new int[]{2, 3}, ((AvgPool2d) avg).stride);
        assertEquals(5, ((AvgPool2d) avg).divisorOverride);
        assertArrayEquals(new int[]{4, 2, 3, 1}, ((Conv2d) ModelSpec.of(ModelSpec.Layer.of("Conv2d", required.get("Conv2d"))).build().get(0)).weight.shape());
    }

    @Test
    void unknownTypeNamesTheLayerAndListsKnownTypes() {
        String msg = layersError("{\"type\": \"ReLU\"}, {\"type\": \"ReLU\"}, {\"type\": \"ReLU\"}, {\"type\": \"Foo\"}");
        assertTrue(msg.startsWith("unknown layer type 'Foo' at layers[3]; known types: "), msg);
        assertTrue(msg.contains("Linear") && msg.contains("Conv2d") && msg.contains("LogSoftmax"), msg);
    }

    @Test
    void argumentErrorsNameLayerKeyAndExpectedType() {
        String msg = layersError("{\"type\": \"ReLU\"}, {\"type\": \"Linear\", \"in_features\": 4}");
        assertEquals("layers[1] (Linear): missing required argument 'out_features' (an integer)", msg);
        msg = layersError("{\"type\": \"Linear\", \"in_features\": \"4\", \"out_features\": 2}");
        assertEquals("layers[0] (Linear): argument 'in_features' must be an integer, got a string \"4\"", msg);
        msg = layersError("{\"type\": \"Linear\", \"in_features\": 4.5, \"out_features\": 2}");
        assertTrue(msg.contains("'in_features' must be an integer, got a number 4.5"), msg);
        msg = layersError("{\"type\": \"Linear\", \"in_features\": 4, \"out_features\": 2, \"bias\": 1}");
        assertTrue(msg.contains("'bias' must be a boolean, got an integer 1"), msg);
        msg = layersError("{\"type\": \"Linear\", \"in_features\": 4, \"out_features\": 2, \"bais\": true, \"foo\": 1}");
        assertEquals("layers[0] (Linear): unknown arguments 'bais', 'foo'; accepted: in_features, out_features, bias", msg);
        msg = layersError("{\"type\": \"Conv2d\", \"in_channels\": 1, \"out_channels\": 2, \"kernel_size\": [3, 3, 3]}");
        assertTrue(msg.contains("'kernel_size' must be an integer or a list of 2 integers, got an array [3, 3, 3]"), msg);
        msg = layersError("{\"type\": \"Linear\", \"in_features\": null, \"out_features\": 2}");
        assertTrue(msg.contains("'in_features' must be an integer, got null"), msg);
        msg = layersError("{\"type\": \"Linear\", \"in_features\": 4294967296, \"out_features\": 2}");
        assertTrue(msg.contains("'in_features' value 4294967296 does not fit"), msg);
        msg = layersError("{\"type\": \"ReLU\", \"negative_slope\": 0.1}");
        assertEquals("layers[0] (ReLU): unknown argument 'negative_slope'; accepted: inplace", msg);
        msg = layersError("{\"type\": \"Sigmoid\", \"x\": 0.1}");
        assertTrue(msg.endsWith("accepted: none"), msg);
    }

    @Test
    void structuralErrors() {
        assertEquals("model spec: missing \"layers\" (an array of layer objects)", parseError("{}"));
        assertTrue(parseError("{\"layers\": {}}").contains("\"layers\" must be an array, got an object"));
        assertTrue(parseError("{\"layers\": [], \"extra\": 1}").contains("unknown top-level key 'extra'"));
        assertTrue(parseError("{\"layers\": [], \"metadata\": 3}").contains("\"metadata\" must be an object"));
        assertEquals("layers[0] must be an object, got a string", parseError("{\"layers\": [\"ReLU\"]}"));
        assertEquals("layers[0]: missing \"type\"", layersError("{\"in_features\": 3}"));
        assertTrue(layersError("{\"type\": 3}").contains("\"type\" must be a string, got an integer"));
        Json.JsonException syntax = assertThrows(Json.JsonException.class, () -> ModelSpec.parse("{\"layers\": [{\"type\": \"ReLU\"},]}"));
        assertEquals(29, syntax.offset());
        assertTrue(parseError("[]").contains("expected a JSON object but found an array"));
    }

    @Test
    void layerConstructorErrorsNameTheLayer() {
        ModelSpec spec = ModelSpec.parse("{\"layers\": [{\"type\": \"ReLU\"}, {\"type\": \"Linear\", \"in_features\": 0, \"out_features\": 2}]}");
        String msg = assertThrows(IllegalArgumentException.class, spec::build).getMessage();
        assertTrue(msg.startsWith("layers[1] (Linear): ") && msg.contains("in=0"), msg);
    }

    @Test
    void fromFileReadsAndNamesTheFileOnError(@TempDir Path dir) throws IOException {
        Path good = Files.writeString(dir.resolve("spec.json"), CNN);
        assertEquals(ModelSpec.parse(CNN), ModelSpec.fromFile(good));
        Path bad = Files.writeString(dir.resolve("bad.json"), "{\"layers\": [{\"type\": \"Nope\"}]}");
        String msg = assertThrows(IOException.class, () -> ModelSpec.fromFile(bad)).getMessage();
        assertTrue(msg.contains("bad.json") && msg.contains("unknown layer type 'Nope' at layers[0]"), msg);
        assertFalse(msg.contains("\n"));
    }

    @Test
    void buildsRecurrentLayersWithEveryArgument() {
        Sequential m = ModelSpec.parse("""
                {"layers": [
                  {"type": "LSTM", "input_size": 4, "hidden_size": 3, "num_layers": 2, "bias": false, "batch_first": true, "dropout": 0.25, "bidirectional": true},
                  {"type": "GRU", "input_size": 6, "hidden_size": 5, "batch_first": true},
                  {"type": "RNN", "input_size": 5, "hidden_size": 2, "nonlinearity": "relu", "batch_first": true}
                ]}""").build();
        dev.ember.engine.nn.LSTM lstm = (dev.ember.engine.nn.LSTM) m.get(0);
        assertEquals("LSTM(4, 3, num_layers=2, bias=False, batch_first=True, dropout=0.25, bidirectional=True)", lstm.toString());
        assertArrayEquals(new int[]{12, 6}, lstm.parameter("weight_ih_l1_reverse").shape(), "layer 1 reads hidden * 2 directions");
        assertFalse(m.namedParameters().containsKey("0.bias_ih_l0"));
        assertEquals("GRU(6, 5, batch_first=True)", m.get(1).toString());
        assertEquals("relu", ((dev.ember.engine.nn.RNN) m.get(2)).nonlinearity);
        // In a Sequential each recurrent layer hands on only its output sequence [B, T, hidden * directions].
        m.eval();
        assertArrayEquals(new int[]{2, 7, 2}, m.forward(Tensor.zeros(2, 7, 4)).shape());
        String msg = assertThrows(IllegalArgumentException.class,
                () -> ModelSpec.parse("{\"layers\": [{\"type\": \"RNN\", \"input_size\": 4, \"hidden_size\": 3, \"nonlinearity\": \"gelu\"}]}").build()).getMessage();
        assertTrue(msg.startsWith("layers[0] (RNN): ") && msg.contains("'gelu'"), msg);
        msg = layersError("{\"type\": \"GRU\", \"input_size\": 4}");
        assertTrue(msg.contains("missing required argument 'hidden_size'"), msg);
    }
}
