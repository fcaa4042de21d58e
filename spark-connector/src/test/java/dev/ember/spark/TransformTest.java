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
    void passedThroughColumnsWithNullsComeBackIntactBesideTheOutputs() {
        Dataset<Row> data = TestSpark.blobs(120, 14, 3);
        EmberModel model = fitted(data);
        // Nullable string and int columns, null on every third and every fifth row, around the features.
        Dataset<Row> wide = data.selectExpr("label", "IF(label = 0, NULL, concat('row ', CAST(label AS STRING))) AS note",
                "features", "CAST(NULL AS INT) AS missing", "monotonically_increasing_id() AS id").cache();
        List<Row> in = wide.orderBy("id").collectAsList();
        List<Row> out = model.transform(wide).orderBy("id").collectAsList();
        assertEquals(in.size(), out.size());
        for (int i = 0; i < in.size(); i++) {
            Row a = in.get(i), b = out.get(i);
            for (String c : new String[]{"label", "note", "features", "missing", "id"}) assertEquals((Object) a.getAs(c), (Object) b.getAs(c), "row " + i + ", column " + c);
            double[] p = ((Vector) b.getAs("probability")).toArray();
            assertEquals(1.0, java.util.Arrays.stream(p).sum(), 1e-5, "row " + i + " probabilities");
            double[] raw = ((Vector) b.getAs("rawPrediction")).toArray();
            int best = 0;
            for (int k = 1; k < raw.length; k++) if (raw[k] > raw[best]) best = k;
            assertEquals((double) best, b.<Double>getAs("prediction"), "row " + i);
        }
        assertTrue(in.stream().anyMatch(r -> r.isNullAt(1)) && in.stream().anyMatch(r -> !r.isNullAt(1)));
        // Equal rows must be equal bytes: grouping on the result's columns finds each note once.
        assertEquals(wide.select("note").distinct().count(), model.transform(wide).select("note", "missing").distinct().count());
        wide.unpersist();
    }

    @Test
    void fixedWidthColumnsBesideThePredictionAloneAreThoseOfTheWholeTransform() {
        Dataset<Row> data = TestSpark.blobs(150, 15, 3);
        EmberModel model = fitted(data);
        // Cached rows (UnsafeRows, as bench-transform's): fixed-width columns of several widths, with nulls, and a string.
        Dataset<Row> wide = data.selectExpr("monotonically_increasing_id() AS id", "IF(label = 0, NULL, CAST(label * 7 AS INT)) AS code",
                "features", "CAST(label AS FLOAT) * 0.5 AS half", "IF(label = 1, NULL, DATE'2020-01-01') AS day", "label",
                "concat('n', CAST(label AS STRING)) AS note").cache();
        String[] kept = {"id", "code", "half", "day", "label"};
        List<Row> whole = model.transform(wide).collectAsList();
        Dataset<Row> query = model.transform(wide).select("id", "code", "half", "day", "label", "prediction");
        assertTrue(query.queryExecution().optimizedPlan() instanceof InferencePlan, query.queryExecution().optimizedPlan().toString());
        List<Row> selected = query.collectAsList();
        assertEquals(150, selected.size());
        for (int i = 0; i < whole.size(); i++) {
            Row w = whole.get(i), s = selected.get(i);
            for (int c = 0; c < kept.length; c++) assertEquals((Object) w.getAs(kept[c]), s.get(c), "row " + i + ", column " + kept[c]);
            double[] raw = ((Vector) w.getAs("rawPrediction")).toArray();
            int best = 0;
            for (int k = 1; k < raw.length; k++) if (raw[k] > raw[best]) best = k;
            assertEquals((double) best, s.getDouble(5), "row " + i + ": the argmax of the whole transform's logits");
        }
        assertTrue(selected.stream().anyMatch(r -> r.isNullAt(1)) && selected.stream().anyMatch(r -> r.isNullAt(3)));
        wide.unpersist();
    }

    @Test
    void executorsBuildEachModelOnceAndKeepItAcrossPartitionsAndCalls() {
        Dataset<Row> data = TestSpark.blobs(200, 12, 4);
        EmberModel model = fitted(data);
        long before = ModelCache.built();
        // Four partitions on two task slots, three times, the last a copy with the same weights: at most one module
        // per slot (whether the first call's tasks ran side by side, needing a second, is up to the scheduler).
        model.transform(data).count();
        model.transform(data).count();
        model.copy(new org.apache.spark.ml.param.ParamMap()).setInferenceBatchSize(16).transform(data).count();
        long built = ModelCache.built() - before;
        assertTrue(built >= 1 && built <= 2, built + " modules built for 12 partitions on 2 slots");
        assertTrue(ModelCache.idle(ModelCache.onDevice(model.modelKey(), dev.ember.engine.Device.CPU)) >= 1);

        EmberModel other = fitted(TestSpark.blobs(200, 13, 4));
        assertNotEquals(model.modelKey(), ModelCache.key(model.uid(), model.source(), other.weights()), "other weights, another key");
        assertEquals(model.modelKey(), ModelCache.key(model.uid(), model.source(), model.weights()));
    }
}
