package dev.ember.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.engine.Tensor;
import java.util.concurrent.TimeUnit;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.ml.evaluation.BinaryClassificationEvaluator;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.evaluation.RegressionEvaluator;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Test;

@Timeout(value = 3, unit = TimeUnit.MINUTES) // each test on the shared local Spark
class EmberEstimatorTest {
    private static EmberEstimator blobsEstimator() {
        return new EmberEstimator().setModelSpec(TestSpark.mlpSpec(4, 3)).setLearningRate(0.01)
                .setBatchSize(64).setLocalSteps(-1).setMaxEpochs(5).setSeed(7);
    }

    @Test
    void learnsThreeClassesAndGivesSparkMlClassifierColumns() {
        Dataset<Row> train = TestSpark.blobs(600, 1, 2), test = TestSpark.blobs(300, 2, 2);
        EmberModel model = blobsEstimator().fit(train);
        Dataset<Row> predicted = model.transform(test);

        assertEquals(List.of("label", "features", "rawPrediction", "probability", "prediction"), List.of(predicted.columns()));
        double accuracy = new MulticlassClassificationEvaluator().setMetricName("accuracy").evaluate(predicted);
        assertTrue(accuracy > 0.95, "accuracy " + accuracy);
        assertEquals(300, predicted.count());

        for (Row r : predicted.limit(20).collectAsList()) {
            double[] raw = ((Vector) r.getAs("rawPrediction")).toArray(), p = ((Vector) r.getAs("probability")).toArray();
            // probability is the softmax of rawPrediction, computed here independently; prediction its argmax.
            double max = Math.max(raw[0], Math.max(raw[1], raw[2])), z = 0;
            for (double v : raw) z += Math.exp(v - max);
            for (int k = 0; k < 3; k++) assertEquals(Math.exp(raw[k] - max) / z, p[k], 1e-5);
            int best = raw[0] >= raw[1] && raw[0] >= raw[2] ? 0 : raw[1] >= raw[2] ? 1 : 2;
            assertEquals(best, r.<Double>getAs("prediction"), 0.0);
        }

        TrainingSummary summary = model.summary();
        assertEquals(5, summary.totalRounds());
        assertEquals(600, summary.trainingRows());
        double[] loss = summary.objectiveHistory();
        assertTrue(loss[4] < loss[0] / 2, "loss should fall: " + java.util.Arrays.toString(loss));
        assertTrue(summary.accuracyHistory()[4] > 0.9);
        assertEquals(Set.of("cpu"), summary.rounds().get(0).devices());
        assertEquals(4, model.numFeatures());
        assertEquals(3, model.numClasses());
    }

    @Test
    void binaryLogitModelWorksWithBinaryClassificationEvaluator() {
        // Classes 0 and 1 of the blobs only: one logit, bceWithLogits.
        Dataset<Row> data = TestSpark.blobs(600, 3, 2).where("label < 2");
        EmberModel model = new EmberEstimator().setModelSpec(TestSpark.mlpSpec(4, 1)).setLoss("bceWithLogits")
                .setLearningRate(0.01).setBatchSize(32).setMaxEpochs(4).setSeed(3).fit(data);
        Dataset<Row> predicted = model.transform(data);
        double auc = new BinaryClassificationEvaluator().evaluate(predicted);
        assertTrue(auc > 0.98, "AUC " + auc);
        Row r = predicted.first();
        double[] raw = ((Vector) r.getAs("rawPrediction")).toArray(), p = ((Vector) r.getAs("probability")).toArray();
        // LogisticRegression's layout: rawPrediction = [-z, z], probability = [1 - sigmoid(z), sigmoid(z)].
        assertEquals(-raw[0], raw[1], 0.0);
        assertEquals(1 / (1 + Math.exp(-raw[1])), p[1], 1e-6);
        assertEquals(1 - p[1], p[0], 1e-6);
        assertEquals(raw[1] > 0 ? 1.0 : 0.0, r.<Double>getAs("prediction"), 0.0);
    }

    @Test
    void regressionRecoversALinearFunctionFromArrayFeatures() {
        // y = 1 + 2 a - 3 b, features as array<double>: a linear model should find the coefficients.
        Dataset<Row> data = TestSpark.session().range(0, 2000).selectExpr(
                "array(rand(11) * 2 - 1, rand(12) * 2 - 1) as features").selectExpr(
                "features", "1 + 2 * features[0] - 3 * features[1] as label").repartition(2);
        String linear = "{\"layers\": [{\"type\": \"Linear\", \"in_features\": 2, \"out_features\": 1}]}";
        EmberModel model = new EmberEstimator().setModelSpec(linear).setLoss("mse").setLearningRate(0.05)
                .setBatchSize(50).setMaxEpochs(10).setSeed(5).fit(data);
        Dataset<Row> predicted = model.transform(data);
        assertEquals(List.of("features", "label", "prediction"), List.of(predicted.columns()));
        double rmse = new RegressionEvaluator().evaluate(predicted);
        assertTrue(rmse < 0.01, "rmse " + rmse);
        Map<String, Tensor> w = model.module().stateDict();
        assertArrayEquals(new float[]{2, -3}, w.get("0.weight").toFloatArray(), 0.01f);
        assertEquals(1.0, w.get("0.bias").item(), 0.01);
    }

    @Test
    void outputColGivesTheRawOutputAsFloatArray() {
        Dataset<Row> data = TestSpark.blobs(64, 4, 1);
        EmberModel model = blobsEstimator().setMaxEpochs(1).fit(data).setOutputCol("scores").setProbabilityCol("");
        Row r = model.transform(data).select("rawPrediction", "scores").first();
        double[] raw = ((Vector) r.get(0)).toArray();
        List<Float> scores = r.getList(1);
        for (int k = 0; k < 3; k++) assertEquals(raw[k], scores.get(k), 1e-6);
        assertEquals(List.of("label", "features", "rawPrediction", "prediction", "scores"),
                List.of(model.transform(data).columns()));
    }

    @Test
    void skipsInvalidRowsInFitAndTransformWhenAsked() {
        Dataset<Row> good = TestSpark.blobs(200, 6, 2);
        // Three bad rows: a NaN feature, a label outside [0, 3), a null vector.
        Dataset<Row> bad = TestSpark.session().createDataFrame(List.of(
                org.apache.spark.sql.RowFactory.create(0.0, org.apache.spark.ml.linalg.Vectors.dense(Double.NaN, 0, 0, 0)),
                org.apache.spark.sql.RowFactory.create(5.0, org.apache.spark.ml.linalg.Vectors.dense(1, 0, 0, 0)),
                org.apache.spark.sql.RowFactory.create(1.0, null)), TestSpark.VECTOR_SCHEMA);
        Dataset<Row> data = good.union(bad);
        EmberModel model = blobsEstimator().setMaxEpochs(1).setHandleInvalid("skip").fit(data);
        assertEquals(200, model.summary().trainingRows());
        assertEquals(3, model.summary().skippedRows());
        // In transform the label is not read, so only the NaN and null rows are invalid: 203 - 2 rows, and 202 - 2 without label 5.
        assertEquals(201, model.transform(data).count());
        assertEquals(200, model.transform(data.where(functions.col("label").leq(2))).count());
    }
}
