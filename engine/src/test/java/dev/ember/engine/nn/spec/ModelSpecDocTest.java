package dev.ember.engine.nn.spec;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelSpecDocTest {
    /** Surefire runs in engine/; the reference lives at the repository root. */
    private static final Path DOC = Path.of("..").resolve(ModelSpecDoc.PATH);

    @Test
    void theCommittedReferenceIsUpToDate() throws IOException {
        assertTrue(Files.isRegularFile(DOC), DOC.toAbsolutePath() + " is missing: run `examples/run model-spec-doc` from the repository root");
        assertEquals(ModelSpecDoc.markdown(), Files.readString(DOC, StandardCharsets.UTF_8),
                ModelSpecDoc.PATH + " is out of date with LayerRegistry: regenerate it with `examples/run model-spec-doc` (or `java -cp engine/target/classes dev.ember.engine.nn.spec.ModelSpecDoc docs/model-spec.md`) and commit it");
    }

    @Test
    void everyLayerTypeIsDocumentedWithPyTorchsArgumentsAndDefaults() {
        String md = ModelSpecDoc.markdown();
        for (String type : LayerRegistry.knownTypes()) assertTrue(md.contains("\n### " + type + "\n\nMirrors `torch.nn." + type + "`."), type);
        // Rows written out from PyTorch's documentation (torch.nn.Linear, Dropout, BatchNorm1d, MaxPool2d, Conv2d, LSTM).
        String[] rows = {
                "| `in_features` | int | required |", "| `bias` | bool | `true` |",
                "| `p` | number | `0.5` |",
                "| `momentum` | number or null | `0.1` |", "| `eps` | number | `1.0E-5` |",
                "| `stride` | int or [int, int] or null | `null` |",
                "| `kernel_size` | int or [int, int] | required |", "| `groups` | int | `1` |",
                "| `batch_first` | bool | `false` |", "| `negative_slope` | number | `0.01` |",
        };
        for (String row : rows) assertTrue(md.contains(row + "\n"), row);
        assertTrue(md.contains("### ReLU\n\nMirrors `torch.nn.ReLU`. Shapes: any -> the same shape, elementwise.\n\n| argument | type | default |\n|---|---|---|\n| `inplace` | bool | `false` |\n"), md);
        assertTrue(md.contains("### Sigmoid\n\nMirrors `torch.nn.Sigmoid`. Shapes: any -> the same shape, elementwise.\n\nNo arguments.\n"));
    }
}
