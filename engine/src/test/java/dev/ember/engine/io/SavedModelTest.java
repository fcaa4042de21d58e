package dev.ember.engine.io;

import dev.ember.engine.Tensor;
import dev.ember.engine.nn.Linear;
import dev.ember.engine.nn.Module;
import dev.ember.engine.nn.Sequential;
import dev.ember.engine.nn.spec.ModelSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SavedModelTest {
    @TempDir Path dir;

    static final ModelSpec MLP = ModelSpec.parse("""
            {"layers": [
              {"type": "Linear", "in_features": 4, "out_features": 8},
              {"type": "BatchNorm1d", "num_features": 8},
              {"type": "Tanh"},
              {"type": "Dropout", "p": 0.25},
              {"type": "Linear", "in_features": 8, "out_features": 3},
              {"type": "LogSoftmax", "dim": 1}
            ], "metadata": {"author": "test", "lr": 0.01}}
            """);

    private List<String> listing() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static Sequential trained() {
        Sequential m = MLP.build();
        m.forward(Tensor.randn(16, 4)); // training-mode pass: moves BatchNorm's running statistics off their defaults
        return m;
    }

    @Test
    void roundTripGivesIdenticalOutputs() throws IOException {
        Sequential model = trained();
        Path target = dir.resolve("mlp");
        SavedModel.save(MLP, model, target);
        assertEquals(List.of("mlp"), listing(), "no temporary directories left");
        try (Stream<Path> s = Files.list(target)) {
            assertEquals(List.of("digests.json", "model.json", "model.safetensors"), s.map(p -> p.getFileName().toString()).sorted().toList());
        }
        Map<String, Tensor> weights = SafeTensors.load(target.resolve("model.safetensors"));
        assertTrue(weights.keySet().containsAll(List.of("0.weight", "0.bias", "1.running_mean", "1.running_var", "4.weight", "4.bias")), weights.keySet().toString());
        assertEquals(Map.of("format", "pt"), SafeTensors.metadata(target.resolve("model.safetensors")));
        assertEquals(MLP, SavedModel.readSpec(target));
        assertEquals(Map.of("author", "test", "lr", 0.01), SavedModel.readSpec(target).metadata());

        Module loaded = SavedModel.load(target);
        model.eval();
        loaded.eval();
        Tensor x = Tensor.of(new float[][]{{0.5f, -1f, 2f, 0f}, {1f, 1f, -0.25f, 3f}});
        assertArrayEquals(model.forward(x).toFloatArray(), loaded.forward(x).toFloatArray());
    }

    @Test
    void loadsADirectoryWithPyTorchWeights() throws IOException {
        // model.safetensors: the state_dict of torch 1.13's nn.Sequential(nn.Linear(4,3), nn.ReLU(), nn.Linear(3,2)) with
        // fixed weights, written in Python with struct + json (same file as in SafeTensorsTest); outputs from PyTorch's m(x).
        String hex = "18010000000000007b225f5f6d657461646174615f5f223a7b22666f726d6174223a227074227d2c22302e62696173223a7b226474797065223a22463332222c227368617065223a5b335d2c22646174615f6f666673657473223a5b302c31325d7d2c22302e776569676874223a7b226474797065223a22463332222c227368617065223a5b332c345d2c22646174615f6f666673657473223a5b31322c36305d7d2c22322e62696173223a7b226474797065223a22463332222c227368617065223a5b325d2c22646174615f6f666673657473223a5b36302c36385d7d2c22322e776569676874223a7b226474797065223a22463332222c227368617065223a5b322c335d2c22646174615f6f666673657473223a5b36382c39325d7d7d20cdcccc3dcdcc4cbecdcc4c3d0000003f000080be0000003e0000803f000080bf0000403f9a99993ecdcc4cbecdcccc3dcdcc4c3e9a9919bfcdcccc3ecdccccbdcdcc4c3e3333333f9a9999be6666663f6666e6be9a99193f9a99193e";
        Path target = Files.createDirectory(dir.resolve("torch"));
        Files.write(target.resolve("model.safetensors"), java.util.HexFormat.of().parseHex(hex));
        Files.writeString(target.resolve("model.json"), """
                {"layers": [{"type": "Linear", "in_features": 4, "out_features": 3}, {"type": "ReLU"},
                            {"type": "Linear", "in_features": 3, "out_features": 2}]}
                """);
        Module m = SavedModel.load(target);
        float[] y = m.forward(Tensor.of(new float[][]{{1f, 2f, -1f, 0.5f}, {-0.3f, 0.8f, 1.2f, -2f}, {0f, 0f, 0f, 0f}})).toFloatArray();
        float[] expected = {1.4474999904632568f, 0.1887500286102295f, -0.5379999876022339f, 1.0759999752044678f, 0.01499999314546585f, 0.16250000894069672f};
        for (int i = 0; i < expected.length; i++) assertEquals(expected[i], y[i], 1e-6, "output " + i);
    }

    @Test
    void savingAgainReplacesTheOldModel() throws IOException {
        Path target = dir.resolve("m");
        SavedModel.save(MLP, trained(), target);
        Sequential second = trained();
        SavedModel.save(MLP, second, target);
        assertEquals(List.of("m"), listing());
        Module loaded = SavedModel.load(target);
        assertArrayEquals(((Linear) second.get(0)).weight.toFloatArray(), ((Linear) ((Sequential) loaded).get(0)).weight.toFloatArray());
    }

    @Test
    void failedSavesLeaveNothingBehind() throws IOException {
        Path file = Files.writeString(dir.resolve("taken"), "not a model");
        assertThrows(FileAlreadyExistsException.class, () -> SavedModel.save(MLP, trained(), file));
        assertEquals("not a model", Files.readString(file));

        Path other = Files.createDirectories(dir.resolve("photos"));
        Files.writeString(other.resolve("cat.jpg"), "meow");
        String msg = assertThrows(IOException.class, () -> SavedModel.save(MLP, trained(), other)).getMessage();
        assertTrue(msg.contains("not a saved model"), msg);

        Sequential wrong = new Sequential(new Linear(4, 8));
        msg = assertThrows(IllegalArgumentException.class, () -> SavedModel.save(MLP, wrong, dir.resolve("w"))).getMessage();
        assertTrue(msg.contains("does not match the spec"), msg);

        // Fails midway: the temporary directory exists when model.json cannot be written (NaN is not JSON).
        ModelSpec unwritable = MLP.withMetadata(Map.of("loss", Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> SavedModel.save(unwritable, trained(), dir.resolve("nan")));

        assertThrows(IOException.class, () -> SavedModel.save(MLP, trained(), file.resolve("sub")));
        assertEquals(List.of("photos", "taken"), listing(), "no half-written or temporary directories");
    }

    @Test
    void loadRefusesBrokenDirectories() throws IOException {
        String msg = assertThrows(IOException.class, () -> SavedModel.load(dir)).getMessage();
        assertTrue(msg.contains("has no model.json"), msg);

        Path target = dir.resolve("m");
        SavedModel.save(MLP, trained(), target);
        // Weights of another model: their digest differs from the saved one...
        SafeTensors.save(new Sequential(new Linear(4, 8)).stateDict(), target.resolve("model.safetensors"));
        msg = assertThrows(IOException.class, () -> SavedModel.load(target)).getMessage();
        assertTrue(msg.contains("corrupt file " + target.resolve("model.safetensors")), msg);
        // ...and without digests, strict loading lists the keys that do not line up.
        Files.delete(target.resolve("digests.json"));
        msg = assertThrows(IOException.class, () -> SavedModel.load(target)).getMessage();
        assertTrue(msg.contains("do not fit") && msg.contains("4.weight"), msg);

        Files.delete(target.resolve("model.safetensors"));
        msg = assertThrows(IOException.class, () -> SavedModel.load(target)).getMessage();
        assertTrue(msg.contains("has no model.safetensors"), msg);
        assertFalse(Files.exists(target.resolve("model.safetensors")));
    }
}
