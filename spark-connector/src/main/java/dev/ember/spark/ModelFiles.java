package dev.ember.spark;

import dev.ember.engine.io.FileDigests;
import dev.ember.engine.nn.spec.ModelSpec;
import dev.ember.engine.io.SafeTensors;
import dev.ember.engine.io.SavedModel;
import dev.ember.engine.nn.Module;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWriter;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWriter;

/**
 * An {@link EmberModel} on disk: {@code metadata/} (Spark ML's params JSON) and {@code data/}, which
 * holds {@code model.safetensors} (the state dict, PyTorch names), either {@code model.json} (the
 * spec: {@code data/} is then an engine {@code SavedModel}) or {@code factory.json}, and
 * {@code digests.json}: the digests of those files and of the params JSON, checked before anything is
 * parsed. The whole directory is written aside and renamed into place, so a failed save leaves nothing
 * behind. Every load error names the file at fault (and so the stage, inside a saved PipelineModel).
 */
final class ModelFiles {
    static final String DATA = "data", METADATA = "metadata", FACTORY_FILE = "factory.json";
    /** The entry of data/digests.json that holds the digest of Spark ML's params JSON (metadata/), as text. */
    static final String SPARK_METADATA = "../metadata";

    private ModelFiles() {}

    static final class Writer extends MLWriter {
        private final EmberModel model;

        Writer(EmberModel model) { this.model = model; }

        @Override
        public void saveImpl(String path) {
            Configuration conf = sparkSession().sparkContext().hadoopConfiguration();
            try {
                HadoopDirs.writeAtomically(path, conf, (tmp, fs) -> {
                    DefaultParamsWriter.saveMetadata(model, tmp.toString(), sparkSession());
                    String metadataJson = DefaultParamsReader.loadMetadata(tmp.toString(), sparkSession(), EmberModel.class.getName()).metadataJson();
                    java.nio.file.Path local = Files.createTempDirectory("ember-model-");
                    try {
                        writeData(local);
                        FileDigests.read(local.resolve(FileDigests.FILE), FileDigests.FILE)
                                .add(SPARK_METADATA, metadataJson.getBytes(StandardCharsets.UTF_8)).write(local);
                        Path data = new Path(tmp, DATA);
                        fs.mkdirs(data);
                        try (var files = Files.list(local)) {
                            for (java.nio.file.Path f : (Iterable<java.nio.file.Path>) files::iterator) HadoopDirs.upload(f, fs, data, f.getFileName().toString());
                        }
                    } finally {
                        try (var files = Files.list(local)) {
                            for (java.nio.file.Path f : (Iterable<java.nio.file.Path>) files::iterator) Files.deleteIfExists(f);
                        }
                        Files.deleteIfExists(local);
                    }
                });
            } catch (IOException e) {
                throw new UncheckedIOException("Could not save EmberModel to " + path + ": " + e.getMessage(), e);
            }
        }

        private void writeData(java.nio.file.Path dir) throws IOException {
            Module module = model.module();
            Map<String, Object> shape = Map.of("numFeatures", model.numFeatures(), "numClasses", model.numClasses());
            ModelSource source = model.source();
            if (source.specJson != null) {
                SavedModel.save(ModelSpec.parse(source.specJson).withMetadata(shape), module, dir);
            } else {
                SafeTensors.saveModule(module, dir.resolve(SavedModel.WEIGHTS_FILE));
                Map<String, Object> factory = new LinkedHashMap<>(shape);
                factory.put("modelFactory", source.factoryClass);
                Files.writeString(dir.resolve(FACTORY_FILE), dev.ember.engine.io.Json.write(factory, true), StandardCharsets.UTF_8);
                FileDigests.create().add(FACTORY_FILE, dir.resolve(FACTORY_FILE)).add(SavedModel.WEIGHTS_FILE, dir.resolve(SavedModel.WEIGHTS_FILE)).write(dir);
            }
        }
    }

    static final class Reader extends MLReader<EmberModel> {
        @Override
        public EmberModel load(String path) {
            try {
                return loadChecked(path);
            } catch (IOException e) {
                throw new UncheckedIOException("Could not load EmberModel from " + path + ": " + oneLine(e), e);
            }
        }

        /** Every fault is an IOException whose one-line message names the file at fault. */
        private EmberModel loadChecked(String path) throws IOException {
            Path metadataDir = new Path(path, METADATA);
            DefaultParamsReader.Metadata metadata;
            try {
                metadata = DefaultParamsReader.loadMetadata(path, sparkSession(), EmberModel.class.getName());
            } catch (Exception e) { // Jackson's parse errors are IOExceptions whose messages span lines and name no file
                throw new IOException("invalid Spark ML metadata " + metadataDir + ": " + oneLine(e), e);
            }
            Configuration conf = sparkSession().sparkContext().hadoopConfiguration();
            Path data = new Path(path, DATA);
            FileSystem fs = data.getFileSystem(conf);
            if (!fs.isDirectory(data)) throw new IOException("saved EmberModel " + path + " has no " + DATA + "/ directory");
            FileDigests digests = HadoopDirs.readDigests(conf, fs, data, path);
            if (digests != null) digests.check(SPARK_METADATA, metadata.metadataJson().getBytes(StandardCharsets.UTF_8), metadataDir.toString());
            boolean factoryModel = fs.exists(new Path(data, FACTORY_FILE));
            String descriptor = factoryModel ? FACTORY_FILE : SavedModel.SPEC_FILE;
            Path descriptorPath = new Path(data, descriptor);
            if (!fs.exists(descriptorPath)) throw new IOException("saved EmberModel " + path + " has neither " + new Path(data, SavedModel.SPEC_FILE) + " nor " + FACTORY_FILE);
            String text = readText(conf, data, descriptor, digests);
            ModelSource source;
            Map<String, Object> shape;
            Module module;
            try {
                if (factoryModel) {
                    Map<String, Object> factory = dev.ember.engine.io.Json.parseObject(text);
                    if (!(factory.get("modelFactory") instanceof String cls)) throw new IllegalArgumentException("\"modelFactory\" must be a class name, got " + factory.get("modelFactory"));
                    source = ModelSource.of(null, cls);
                    shape = factory;
                } else {
                    ModelSpec spec = ModelSpec.parse(text);
                    source = ModelSource.of(spec.withMetadata(Map.of()).toJson(), null);
                    shape = spec.metadata();
                }
                for (String key : new String[]{"numFeatures", "numClasses"}) {
                    if (!(shape.get(key) instanceof Long)) throw new IllegalArgumentException("\"" + key + "\" must be an integer, got " + shape.get(key));
                }
                module = source.build(0);
            } catch (RuntimeException e) {
                throw new IOException("invalid " + descriptor + " " + descriptorPath + ": " + oneLine(e), e);
            }
            Path weightsPath = new Path(data, SavedModel.WEIGHTS_FILE);
            if (!fs.exists(weightsPath)) throw new IOException("saved EmberModel " + path + " has no " + weightsPath);
            java.nio.file.Path weights = HadoopDirs.download(conf, data, SavedModel.WEIGHTS_FILE);
            try {
                if (digests != null) digests.check(SavedModel.WEIGHTS_FILE, weights, weightsPath.toString());
                module.loadStateDict(SafeTensors.read(weights, weightsPath.toString()).tensors(), true);
            } catch (IllegalArgumentException e) {
                throw new IOException("weights in " + weightsPath + " do not fit the model of " + descriptor + ": " + oneLine(e), e);
            } finally {
                Files.deleteIfExists(weights);
            }
            EmberModel model = new EmberModel(metadata.uid(), source, Snapshot.of(module, null),
                    ((Long) shape.get("numFeatures")).intValue(), ((Long) shape.get("numClasses")).intValue());
            try {
                metadata.getAndSetParams(model, scala.Option.empty());
            } catch (Exception e) { // Jackson's parse errors are IOExceptions whose messages span lines and name no file
                throw new IOException("invalid Spark ML metadata " + metadataDir + ": " + oneLine(e), e);
            }
            return model;
        }

        /** dir/name as text, checked against its digest first. */
        private static String readText(Configuration conf, Path dir, String name, FileDigests digests) throws IOException {
            java.nio.file.Path local = HadoopDirs.download(conf, dir, name);
            try {
                if (digests != null) digests.check(name, local, new Path(dir, name).toString());
                return Files.readString(local, StandardCharsets.UTF_8);
            } catch (java.nio.charset.CharacterCodingException e) {
                throw new IOException("invalid " + new Path(dir, name) + ": not UTF-8 text", e);
            } finally {
                Files.deleteIfExists(local);
            }
        }
    }

    /** An exception's message on one line (Spark's and json4s's span several), or its class when it has none. */
    static String oneLine(Throwable e) {
        String m = e.getMessage() == null ? e.getClass().getName() : e.getMessage();
        return m.strip().replaceAll("\\s*\\R\\s*", " ");
    }
}
