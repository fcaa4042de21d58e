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

    /**
     * A smaller fuzz run through Spark's load paths (the engine's SavedModelFuzzTest runs thousands): seeded byte flips,
     * truncations and deletions of every file of a saved PipelineModel's Ember stage, extra files, a missing stage
     * (damaged stage metadata goes through EmberModel.load: see below).
     * Each load must end in a one-line error naming a path inside the saved pipeline, or in identical predictions.
     */
    @Test
    void mutatedPipelineFilesEndInAClearErrorOrIdenticalPredictions(@TempDir Path dir) throws IOException { fuzzPipeline(dir, 40, 5); }

    @org.junit.jupiter.api.Tag("slow")
    @Test
    void manyMutatedPipelineFilesEndInAClearErrorOrIdenticalPredictions(@TempDir Path dir) throws IOException { fuzzPipeline(dir, 240, 6); }

    private void fuzzPipeline(Path dir, int cases, long seed) throws IOException {
        Dataset<Row> raw = DATA.select(DATA.col("label"), org.apache.spark.ml.functions.vector_to_array(DATA.col("features"), "float64").as("f"))
                .selectExpr("label", "f[0] as a", "f[1] as b", "f[2] as c", "f[3] as d").limit(20).cache();
        PipelineModel fitted = new Pipeline().setStages(new PipelineStage[]{
                new VectorAssembler().setInputCols(new String[]{"a", "b", "c", "d"}).setOutputCol("features"), estimator()}).fit(raw);
        Path saved = dir.resolve("saved");
        fitted.write().save(saved.toString());
        List<Row> expected = fitted.transform(raw).select("prediction", "probability").collectAsList();
        Dataset<Row> assembled = fitted.stages()[0].transform(raw);
        Path stage;
        try (Stream<Path> s = Files.list(saved.resolve("stages"))) {
            stage = saved.relativize(s.filter(p -> p.getFileName().toString().contains("_ember_")).findFirst().orElseThrow());
        }
        List<Path> files = new ArrayList<>();
        try (Stream<Path> s = Files.walk(saved.resolve(stage))) {
            s.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().startsWith(".") && !p.getFileName().toString().startsWith("_"))
                    .forEach(p -> files.add(saved.relativize(p)));
        }
        java.util.Random rnd = new java.util.Random(seed);
        Map<String, int[]> counts = new java.util.TreeMap<>(); // kind -> {clear error, identical}
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < cases; i++) {
            Path work = dir.resolve("case-" + i);
            copyTree(saved, work);
            Path file = work.resolve(files.get(rnd.nextInt(files.size())));
            byte[] bytes = Files.readAllBytes(file);
            String kind;
            switch (i < 2 ? 3 + i : rnd.nextInt(5)) {
                case 0 -> {
                    int at = rnd.nextInt(bytes.length);
                    bytes[at] ^= (byte) (1 + rnd.nextInt(255));
                    overwrite(file, bytes);
                    kind = "flip " + file.getFileName();
                }
                case 1 -> {
                    overwrite(file, Arrays.copyOf(bytes, rnd.nextInt(bytes.length)));
                    kind = "truncate " + file.getFileName();
                }
                case 2 -> {
                    Files.delete(file);
                    Files.deleteIfExists(file.resolveSibling("." + file.getFileName() + ".crc"));
                    kind = "delete " + file.getFileName();
                }
                case 3 -> {
                    Files.write(work.resolve(stage).resolve("data/extra-" + i + ".bin"), new byte[]{1, 2, 3});
                    kind = "extra file";
                }
                default -> {
                    deleteTree(work.resolve(stage));
                    kind = "missing stage";
                }
            }
            // Spark's own PipelineModel reader parses a stage's metadata/ before handing the stage to EmberModel's reader,
            // and its errors name no file: damaged metadata is loaded through EmberModel.load, which Ember controls.
            boolean viaStage = file.toString().contains("/metadata/") && !kind.equals("missing stage") && !kind.equals("extra file");
            if (viaStage) kind = "EmberModel.load: " + kind;
            int outcome;
            try {
                List<Row> got = (viaStage ? EmberModel.load(work.resolve(stage).toString()).transform(assembled) : PipelineModel.load(work.toString()).transform(raw))
                        .select("prediction", "probability").collectAsList();
                outcome = got.equals(expected) ? 1 : -1;
                if (outcome < 0) failures.add(kind + ": predictions changed");
            } catch (Exception e) {
                String msg = String.valueOf(e.getMessage());
                outcome = msg.contains(work.toString()) && !msg.contains("\n") ? 0 : -1;
                if (outcome < 0) failures.add(kind + ": " + e.getClass().getName() + ": " + msg);
            }
            if (outcome >= 0) counts.computeIfAbsent(kind, k -> new int[2])[outcome]++;
            deleteTree(work);
        }
        StringBuilder table = new StringBuilder(String.format("PipelineModel fuzz, seed %d:%n%-36s %6s %12s %10s%n", seed, "mutation class", "cases", "clear error", "identical"));
        counts.forEach((k, c) -> table.append(String.format("%-36s %6d %12d %10d%n", k, c[0] + c[1], c[0], c[1])));
        table.append("failures: ").append(failures.size());
        System.out.println(table);
        assertEquals(List.of(), failures);
        assertTrue(counts.keySet().stream().anyMatch(k -> k.startsWith("flip")), counts.keySet().toString());
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(target);
                else Files.copy(p, target);
            }
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) return;
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : (Iterable<Path>) s.sorted(java.util.Comparator.reverseOrder())::iterator) Files.deleteIfExists(p);
        }
    }

    /** Writes bytes and drops Hadoop's .crc side file, as an editor or a faulty disk would leave it stale or absent. */
    static void overwrite(Path file, byte[] bytes) throws IOException {
        Files.write(file, bytes);
        Files.deleteIfExists(file.resolveSibling("." + file.getFileName() + ".crc"));
    }
}
