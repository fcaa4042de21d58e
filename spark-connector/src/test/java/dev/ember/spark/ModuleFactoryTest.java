package dev.ember.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.engine.Tensor;
import dev.ember.engine.nn.Linear;
import dev.ember.engine.nn.Module;
import java.util.concurrent.TimeUnit;
import java.io.IOException;
import java.nio.file.Path;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 3, unit = TimeUnit.MINUTES) // each test on the shared local Spark
class ModuleFactoryTest {
    /** A model in code: a residual-free two-layer net with a tanh, written as a Module subclass. */
    public static final class TwoLayers extends Module {
        final Linear fc1 = new Linear(4, 8), fc2 = new Linear(8, 3);

        @Override public Tensor forward(Tensor x) { return fc2.forward(fc1.forward(x).tanh()); }
    }

    public static final class Factory implements ModuleFactory {
        @Override public Module create() { return new TwoLayers(); }
    }

    @Test
    void trainsSavesAndLoadsAModelBuiltInCode(@TempDir Path dir) throws IOException {
        Dataset<Row> data = TestSpark.blobs(300, 9, 2);
        EmberModel model = new EmberEstimator().setModelFactory(Factory.class.getName()).setLearningRate(0.02)
                .setBatchSize(32).setMaxEpochs(4).setSeed(4).fit(data);
        double accuracy = new MulticlassClassificationEvaluator().setMetricName("accuracy").evaluate(model.transform(data));
        assertTrue(accuracy > 0.9, "accuracy " + accuracy);
        assertTrue(model.module().stateDict().containsKey("fc1.weight"));

        model.write().save(dir.resolve("m").toString());
        EmberModel loaded = EmberModel.load(dir.resolve("m").toString());
        assertEquals(Factory.class.getName(), loaded.getModelFactory());
        assertEquals(model.transform(data).select("prediction").collectAsList(), loaded.transform(data).select("prediction").collectAsList());
    }
}
