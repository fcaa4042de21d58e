package dev.ember.spark;

import static org.junit.jupiter.api.Assertions.*;

import dev.ember.engine.Storage;
import dev.ember.engine.Tensor;
import dev.ember.engine.autograd.GradMode;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What transform's speed-ups must not change: its outputs, whatever the batch; and that executors reuse their models. */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class TransformTest {

    private static EmberModel fitted(Dataset<Row> data) {
        return new EmberEstimator().setModelSpec(TestSpark.mlpSpec(4, 3)).setLearningRate(0.01).setBatchSize(32).setMaxEpochs(2)
                .setSeed(7).fit(data);
    }

    /** The logits of every row, in row order. */
    private static double[][] logits(Dataset<Row> scored) {
        return scored.select("rawPrediction").collectAsList().stream().map(r -> ((Vector) r.get(0)).toArray()).toArray(double[][]::new);
    }

    @Test
    void outputsAreTheModulesOwnForwardBitForBitAtAnyInferenceBatchSize() {
        Dataset<Row> data = TestSpark.blobs(301, 11, 2);
        EmberModel model = fitted(data);
        List<Row> rows = data.collectAsList();
        float[] x = new float[rows.size() * 4];
        for (int i = 0; i < rows.size(); i++) {
            double[] v = ((Vector) rows.get(i).get(1)).toArray();
            for (int j = 0; j < 4; j++) x[4 * i + j] = (float) v[j];
        }
        float[] expected;
        try (var scope = GradMode.noGrad()) {
            expected = model.module().forward(Tensor.fromStorage(Storage.of(x), new int[]{rows.size(), 4})).toFloatArray();
        }
        for (int batch : new int[]{1, 7, 4096}) {
            double[][] got = logits(model.setInferenceBatchSize(batch).transform(data));
            assertEquals(rows.size(), got.length);
            for (int i = 0; i < got.length; i++) {
                for (int k = 0; k < 3; k++) assertEquals(expected[3 * i + k], (float) got[i][k], "row " + i + ", class " + k + ", batch " + batch);
            }
        }
        assertEquals(4096, new EmberEstimator().getInferenceBatchSize());
    }

    @Test
    void executorsBuildEachModelOnceAndKeepItAcrossPartitionsAndCalls() {
        Dataset<Row> data = TestSpark.blobs(200, 12, 4);
        EmberModel model = fitted(data);
        model.transform(data).count();
        long built = ModelCache.built();
        // Four partitions on two task slots, twice, and a copy with the same weights: no new module.
        model.transform(data).count();
        model.copy(new org.apache.spark.ml.param.ParamMap()).setInferenceBatchSize(16).transform(data).count();
        assertEquals(built, ModelCache.built());
        assertTrue(ModelCache.idle(model.modelKey() + "@cpu") >= 1); // cached per device the tasks ran on

        EmberModel other = fitted(TestSpark.blobs(200, 13, 4));
        assertNotEquals(model.modelKey(), ModelCache.key(model.uid(), model.source(), other.weights()), "other weights, another key");
        assertEquals(model.modelKey(), ModelCache.key(model.uid(), model.source(), model.weights()));
    }
}
