package dev.ember.spark;

import dev.ember.engine.io.ModelSpec;
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
import org.apache.hadoop.fs.Path;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWriter;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWriter;

/**
 * An {@link EmberModel} on disk: {@code metadata/} (Spark ML's params JSON) and {@code data/}, which
 * holds {@code model.safetensors} (the state dict, PyTorch names) and either {@code model.json} (the
 * spec: {@code data/} is then an engine {@code SavedModel}) or {@code factory.json}. The whole
 * directory is written aside and renamed into place, so a failed save leaves nothing behind.
 */
final class ModelFiles {
    static final String DATA = "data", FACTORY_FILE = "factory.json";

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
                    java.nio.file.Path local = Files.createTempDirectory("ember-model-");
                    try {
                        writeData(local);
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
            }
        }
    }

    static final class Reader extends MLReader<EmberModel> {
        @Override
        public EmberModel load(String path) {
            DefaultParamsReader.Metadata metadata = DefaultParamsReader.loadMetadata(path, sparkSession(), EmberModel.class.getName());
            Configuration conf = sparkSession().sparkContext().hadoopConfiguration();
            Path data = new Path(path, DATA);
            try {
                ModelSource source;
                Map<String, Object> shape;
                if (data.getFileSystem(conf).exists(new Path(data, FACTORY_FILE))) {
                    Map<String, Object> factory = dev.ember.engine.io.Json.parseObject(read(conf, data, FACTORY_FILE));
                    source = ModelSource.of(null, (String) factory.get("modelFactory"));
                    shape = factory;
                } else {
                    ModelSpec spec = ModelSpec.parse(read(conf, data, SavedModel.SPEC_FILE));
                    source = ModelSource.of(spec.withMetadata(Map.of()).toJson(), null);
                    shape = spec.metadata();
                }
                Module module = source.build(0);
                java.nio.file.Path weights = HadoopDirs.download(conf, data, SavedModel.WEIGHTS_FILE);
                try {
                    SafeTensors.loadModule(module, weights, true);
                } finally {
                    Files.deleteIfExists(weights);
                }
                EmberModel model = new EmberModel(metadata.uid(), source, Snapshot.of(module, null),
                        ((Number) shape.get("numFeatures")).intValue(), ((Number) shape.get("numClasses")).intValue());
                metadata.getAndSetParams(model, scala.Option.empty());
                return model;
            } catch (IOException e) {
                throw new UncheckedIOException("Could not load EmberModel from " + path + ": " + e.getMessage(), e);
            }
        }

        private static String read(Configuration conf, Path dir, String name) throws IOException {
            java.nio.file.Path local = HadoopDirs.download(conf, dir, name);
            try {
                return Files.readString(local, StandardCharsets.UTF_8);
            } finally {
                Files.deleteIfExists(local);
            }
        }
    }
}
