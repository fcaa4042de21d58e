package dev.ember.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.engine.io.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Saved EmberModels, PipelineModels and checkpoints carry digests; damaged files are refused naming the file. */
class PersistenceIntegrityTest {
    private static final Dataset<Row> DATA = TestSpark.blobs(120, 23, 2);

    private static EmberEstimator estimator() {
        return new EmberEstimator().setModelSpec(TestSpark.mlpSpec(4, 3)).setLearningRate(0.01).setBatchSize(32).setMaxEpochs(1).setSeed(3);
    }

    @Test
    void aSavedModelListsTheDigestsOfItsFilesAndOfItsParams(@TempDir Path dir) throws IOException {
        String path = dir.resolve("m").toString();
        estimator().fit(DATA).write().save(path);
        Map<String, Object> digests = Json.parseObject(Files.readString(dir.resolve("m/data/digests.json")));
        assertEquals(List.of("model.json", "model.safetensors", "../metadata"), new ArrayList<>(((Map<?, ?>) digests.get("files")).keySet()));
        EmberModel.load(path); // loads with every digest checked
    }

    @Test
    void overwrittenWeightsAreRefusedNamingTheFile(@TempDir Path dir) throws IOException {
        String path = dir.resolve("m").toString();
        estimator().fit(DATA).write().save(path);
        Path weights = dir.resolve("m/data/model.safetensors");
        byte[] bytes = Files.readAllBytes(weights);
        Arrays.fill(bytes, bytes.length - 64, bytes.length, (byte) 0x41);
        overwrite(weights, bytes);
        String msg = assertThrows(UncheckedIOException.class, () -> EmberModel.load(path)).getMessage();
        assertTrue(msg.startsWith("Could not load EmberModel from " + path + ": corrupt file "), msg);
        assertTrue(msg.contains("data/model.safetensors: its crc32c digest is ") && msg.contains("but digests.json expects"), msg);
        assertFalse(msg.contains("\n"), msg);
    }

    @Test
    void aTruncatedSpecInsideAPipelineNamesTheStageAndTheFile(@TempDir Path dir) throws IOException {
        Dataset<Row> raw = DATA.select(DATA.col("label"), org.apache.spark.ml.functions.vector_to_array(DATA.col("features"), "float64").as("f"))
                .selectExpr("label", "f[0] as a", "f[1] as b", "f[2] as c", "f[3] as d");
        PipelineModel fitted = new Pipeline().setStages(new PipelineStage[]{
                new VectorAssembler().setInputCols(new String[]{"a", "b", "c", "d"}).setOutputCol("features"), estimator()}).fit(raw);
        String path = dir.resolve("p").toString();
        fitted.write().save(path);
        Path stage;
        try (Stream<Path> s = Files.list(dir.resolve("p/stages"))) {
            stage = s.filter(p -> p.getFileName().toString().contains("_ember_")).findFirst().orElseThrow();
        }
        Path spec = stage.resolve("data/model.json");
        byte[] bytes = Files.readAllBytes(spec);
        overwrite(spec, Arrays.copyOf(bytes, 146)); // the case: cut inside the metadata object
        String msg = assertThrows(UncheckedIOException.class, () -> PipelineModel.load(path)).getMessage();
        assertTrue(msg.startsWith("Could not load EmberModel from " + stage + ": corrupt file " + spec + ": its crc32c digest is "), msg);
        // A model saved before digests: the parser's complaint, still naming the stage and the file.
        Files.delete(stage.resolve("data/digests.json"));
        msg = assertThrows(UncheckedIOException.class, () -> PipelineModel.load(path)).getMessage();
        assertTrue(msg.startsWith("Could not load EmberModel from " + stage + ": invalid model.json " + spec + ": "), msg);
        assertTrue(msg.contains("at offset 146"), msg);
        assertFalse(msg.contains("\n"), msg);
    }

    @Test
    void aDamagedCheckpointIsRefusedNamingItsFile(@TempDir Path dir) throws IOException {
        EmberEstimator e = estimator().setCheckpointDir(dir.toString());
        e.fit(DATA);
        Path state = dir.resolve("round-00000/state.safetensors");
        byte[] bytes = Files.readAllBytes(state);
        bytes[bytes.length - 5] ^= 0x10;
        overwrite(state, bytes);
        Exception thrown = assertThrows(Exception.class, () -> estimator().setMaxEpochs(2).setCheckpointDir(dir.toString()).fit(DATA));
        String msg = thrown.getMessage();
        assertTrue(msg.contains("corrupt file " + state.toUri().getPath()) || msg.contains("corrupt file file:" + state), msg);
    }

    /** Writes bytes and drops Hadoop's .crc side file, as an editor or a faulty disk would leave it stale or absent. */
    static void overwrite(Path file, byte[] bytes) throws IOException {
        Files.write(file, bytes);
        Files.deleteIfExists(file.resolveSibling("." + file.getFileName() + ".crc"));
    }
}
