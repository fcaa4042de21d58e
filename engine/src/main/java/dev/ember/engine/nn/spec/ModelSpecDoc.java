package dev.ember.engine.nn.spec;

import dev.ember.engine.io.Json;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes docs/model-spec.md, the reference of what a {@link ModelSpec} may say, from {@link LayerRegistry}: the
 * same table the parser checks specs against, so the two cannot disagree (a test fails when the file is stale).
 * Run {@code examples/run model-spec-doc} from the repository root, or this class with the output path.
 */
public final class ModelSpecDoc {
    /** Where the reference lives, relative to the repository root. */
    public static final String PATH = "docs/model-spec.md";

    private ModelSpecDoc() {}

    public static void main(String[] args) throws IOException {
        Path out = Path.of(args.length > 0 ? args[0] : PATH);
        if (out.getParent() != null) Files.createDirectories(out.getParent());
        Files.write(out, markdown().getBytes(StandardCharsets.UTF_8));
        System.out.println("wrote " + out.toAbsolutePath());
    }

    /** The reference, in Markdown. */
    public static String markdown() {
        StringBuilder md = new StringBuilder();
        md.append("""
                # Model spec reference

                <!-- Generated from engine/src/main/java/dev/ember/engine/nn/spec/LayerRegistry.java by ModelSpecDoc: do not edit.
                     Regenerate with `examples/run model-spec-doc` (ModelSpecDocTest fails when this file is out of date). -->

                A model spec is a JSON object that lists layers in order; Ember builds them into a `Sequential` whose children
                are named `0`, `1`, ... as PyTorch names them, so the weights' names (`0.weight`, `0.bias`, ...) match a
                PyTorch `nn.Sequential` of the same layers and its `state_dict` loads unchanged (safetensors).

                ```json
                {"layers": [
                  {"type": "Linear", "in_features": 784, "out_features": 256}, {"type": "ReLU"},
                  {"type": "Linear", "in_features": 256, "out_features": 10}
                ], "metadata": {"description": "free-form, never interpreted"}}
                ```

                - `type` is one of the layer types below; the other keys are that layer's arguments, named and defaulted as
                  PyTorch's constructor arguments. Unknown types, unknown or missing arguments and wrong types are refused
                  when the spec is read, naming the layer (`layers[3] (Conv2d): ...`).
                - `int` arguments take JSON integers; `number` takes integers or decimals; `null` stands for Python's `None`
                  and is accepted only where the table says so. `int or [int, int]` is PyTorch's pair: `3` means `[3, 3]`.
                - Shapes are written as in PyTorch's documentation: `N` is the batch, `*` any number of leading dimensions.
                - In a Spark `EmberEstimator`, the last layer's width sets the task: with a classification loss
                  (`crossEntropy`, `nll`) the number of classes K is the width of the last layer and labels must be
                  0..K-1; `bceWithLogits` takes one output and labels 0/1; a regression loss (`mse`, `l1`, `smoothL1`,
                  `huber`) takes one output and numeric labels.

                ## Layer types

                """);
        String group = null;
        for (LayerRegistry.LayerType t : LayerRegistry.types()) {
            if (!t.group().equals(group)) {
                group = t.group();
                md.append(group.equals(LayerRegistry.types().get(0).group()) ? "" : "\n").append("- ").append(group).append(": ");
            } else {
                md.append(", ");
            }
            md.append('[').append(t.name()).append("](#").append(t.name().toLowerCase(java.util.Locale.ROOT)).append(')');
        }
        md.append('\n');
        group = null;
        for (LayerRegistry.LayerType t : LayerRegistry.types()) {
            if (!t.group().equals(group)) {
                group = t.group();
                md.append("\n## ").append(group).append('\n');
            }
            md.append("\n### ").append(t.name()).append("\n\n");
            md.append("Mirrors `").append(t.pytorch()).append("`. Shapes: ").append(t.shapes().replace("*", "\\*")).append(".\n\n"); // a bare * starts emphasis
            if (t.args().isEmpty()) {
                md.append("No arguments.\n");
                continue;
            }
            md.append("| argument | type | default |\n|---|---|---|\n");
            for (LayerRegistry.Arg a : t.args()) {
                String type = a.kind().shortName + (a.nullable() ? " or null" : "");
                String def = a.required() ? "required" : "`" + Json.write(a.defaultValue()) + "`";
                md.append("| `").append(a.name()).append("` | ").append(type).append(" | ").append(def).append(" |\n");
            }
        }
        return md.toString();
    }
}
