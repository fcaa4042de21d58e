package dev.ember.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.engine.Tensor;
import dev.ember.engine.autograd.GradMode;
import dev.ember.engine.io.SavedModel;
import dev.ember.engine.nn.Module;
import java.util.concurrent.TimeUnit;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.tuning.CrossValidator;
import org.apache.spark.ml.tuning.CrossValidatorModel;
import org.apache.spark.ml.tuning.ParamGridBuilder;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 3, unit = TimeUnit.MINUTES) // each test on the shared local Spark
class PersistenceTest {
    private static final Dataset<Row> DATA = TestSpark.blobs(300, 17, 2);

    private static EmberEstimator estimator() {
        return new EmberEstimator().setModelSpec(TestSpark.mlpSpec(4, 3)).setLearningRate(0.01).setBatchSize(32).setMaxEpochs(3).setSeed(2);
    }

    private static List<Double> predictions(Dataset<Row> predicted) {
        return predicted.select("prediction").as(org.apache.spark.sql.Encoders.DOUBLE()).collectAsList();
    }

    @Test
    void modelRoundTripsWithParamsWeightsAndPredictions(@TempDir Path dir) throws IOException {
        EmberModel model = estimator().fit(DATA).setProbabilityCol("p");
        String path = dir.resolve("model").toString();
        model.write().save(path);
        EmberModel loaded = EmberModel.load(path);

        assertEquals(model.uid(), loaded.uid());
        assertEquals("p", loaded.getProbabilityCol());
        assertEquals(0.01, loaded.getLearningRate());
        assertEquals(4, loaded.numFeatures());
        assertEquals(3, loaded.numClasses());
        assertFalse(loaded.hasSummary());
        assertEquals(predictions(model.transform(DATA)), predictions(loaded.transform(DATA)));
        model.module().stateDict().forEach((k, v) -> assertArrayEquals(v.toFloatArray(), loaded.module().stateDict().get(k).toFloatArray(), 0f, k));

        // data/ is an engine SavedModel: it runs without Spark and gives the same logits.
        Module engineOnly = SavedModel.load(dir.resolve("model").resolve("data"));
        Tensor x = Tensor.randn(5, 4);
        try (var scope = GradMode.noGrad()) {
            assertArrayEquals(model.module().eval().forward(x).toFloatArray(), engineOnly.eval().forward(x).toFloatArray(), 0f);
        }

        assertThrows(IOException.class, () -> model.write().save(path), "saving over an existing model needs overwrite()");
        model.write().overwrite().save(path);
        assertTrue(Files.exists(dir.resolve("model/data/model.safetensors")));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of("model"), files.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".") || n.contains("tmp")).toList());
        }
    }

    @Test
    void estimatorRoundTrips(@TempDir Path dir) throws IOException {
        EmberEstimator e = estimator().setOptimizer("sgd").setMomentum(0.9).setLocalSteps(5);
        e.write().save(dir.resolve("est").toString());
        EmberEstimator loaded = EmberEstimator.load(dir.resolve("est").toString());
        assertEquals(e.uid(), loaded.uid());
        assertEquals("sgd", loaded.getOptimizer());
        assertEquals(0.9, loaded.getMomentum());
        assertEquals(5, loaded.getLocalSteps());
        assertEquals(TestSpark.mlpSpec(4, 3), loaded.getModelSpec());
    }

    @Test
    void failedWriteLeavesNothingBehind(@TempDir Path dir) {
        String dest = dir.resolve("model").toString();
        IOException e = assertThrows(IOException.class, () -> HadoopDirs.writeAtomically(dest, new Configuration(), (tmp, fs) -> {
            fs.create(new org.apache.hadoop.fs.Path(tmp, "half-written")).close();
            throw new IOException("disk full");
        }));
        assertEquals("disk full", e.getMessage());
        assertEquals(0, dir.toFile().list().length, "no model and no temporary directory left");
    }

    @Test
    void worksInsideAPipelineThatIsSavedAndLoaded(@TempDir Path dir) throws IOException {
        // Raw numeric columns -> VectorAssembler -> Ember.
        Dataset<Row> raw = DATA.select(DATA.col("label"), org.apache.spark.ml.functions.vector_to_array(DATA.col("features"), "float64").as("f"))
                .selectExpr("label", "f[0] as a", "f[1] as b", "f[2] as c", "f[3] as d");
        Pipeline pipeline = new Pipeline().setStages(new PipelineStage[]{
                new VectorAssembler().setInputCols(new String[]{"a", "b", "c", "d"}).setOutputCol("features"), estimator()});
        PipelineModel fitted = pipeline.fit(raw);
        pipeline.write().save(dir.resolve("pipeline").toString());
        fitted.write().save(dir.resolve("fitted").toString());
        PipelineModel loaded = PipelineModel.load(dir.resolve("fitted").toString());
        assertEquals(predictions(fitted.transform(raw)), predictions(loaded.transform(raw)));
        assertEquals(2, Pipeline.load(dir.resolve("pipeline").toString()).getStages().length);
        double accuracy = new MulticlassClassificationEvaluator().setMetricName("accuracy").evaluate(loaded.transform(raw));
        assertTrue(accuracy > 0.9, "accuracy " + accuracy);
    }

    @Test
    void crossValidatorSearchesOverEmberParams(@TempDir Path dir) throws IOException {
        EmberEstimator e = estimator().setMaxEpochs(2);
        ParamMap[] grid = new ParamGridBuilder().addGrid(e.learningRate(), new double[]{1e-6, 0.02}).build();
        CrossValidator cv = new CrossValidator().setEstimator(e).setEstimatorParamMaps(grid)
                .setEvaluator(new MulticlassClassificationEvaluator().setMetricName("accuracy")).setNumFolds(2).setSeed(1);
        CrossValidatorModel cvModel = cv.fit(DATA);
        double[] metrics = cvModel.avgMetrics();
        // A learning rate of 1e-6 leaves the random initial model; 0.02 learns the blobs.
        assertTrue(metrics[1] > 0.9 && metrics[1] > metrics[0] + 0.2, java.util.Arrays.toString(metrics));
        assertEquals(0.02, ((EmberModel) cvModel.bestModel()).getLearningRate());
        cvModel.write().save(dir.resolve("cv").toString());
        CrossValidatorModel loaded = CrossValidatorModel.load(dir.resolve("cv").toString());
        assertEquals(predictions(cvModel.transform(DATA)), predictions(loaded.transform(DATA)));
    }
}
