package dev.ember.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.evaluation.RegressionEvaluator;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** validationIndicatorCol: held-out rows, evaluated after every round, checked against the fitted models computed apart. */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ValidationTest {
    private static EmberEstimator estimator(int epochs) {
        // Constant rate, one pass per round: a fit of E epochs is, round for round, the first E rounds of a longer one.
        return new EmberEstimator().setModelSpec(TestSpark.mlpSpec(4, 3)).setLearningRate(0.01).setBatchSize(64)
                .setLocalSteps(-1).setMaxEpochs(epochs).setSeed(7).setValidationIndicatorCol("held");
    }

    @Test
    void eachRoundsFiguresAreThoseOfTheModelAfterThatRoundOnTheHeldOutRows() {
        Dataset<Row> train = TestSpark.blobs(600, 1, 2).withColumn("held", functions.lit(false));
        Dataset<Row> held = TestSpark.blobs(200, 2, 2).withColumn("held", functions.lit(true));
        Dataset<Row> data = train.union(held);

        EmberModel three = estimator(3).fit(data);
        TrainingSummary s = three.summary();
        assertEquals(600, s.trainingRows(), "held-out rows are not trained on");
        assertEquals(List.of(1, 2, 3), s.validation().stream().map(TrainingSummary.Evaluation::afterRound).toList());
        assertEquals(200, s.validation().get(0).rows());

        // After the last round: the fitted model itself.
        assertMatches(three, held, s.validation().get(2));
        // After round 1: the model a one-epoch fit returns.
        assertMatches(estimator(1).fit(data), held, s.validation().get(0));
        assertTrue(s.validationLossHistory()[2] < s.validationLossHistory()[0], "validation loss should fall: " + s);
    }

    /** The figure's loss is the cross-entropy of the model's logits, worked out here; its accuracy Spark ML's evaluator's. */
    private static void assertMatches(EmberModel model, Dataset<Row> rows, TrainingSummary.Evaluation figure) {
        Dataset<Row> predicted = model.transform(rows.drop("held"));
        double lossSum = 0;
        List<Row> out = predicted.select("label", "rawPrediction").collectAsList();
        for (Row r : out) {
            double[] z = ((Vector) r.get(1)).toArray();
            double max = Math.max(z[0], Math.max(z[1], z[2])), sum = 0;
            for (double v : z) sum += Math.exp(v - max);
            lossSum += max + Math.log(sum) - z[(int) r.getDouble(0)];
        }
        assertEquals(lossSum / out.size(), figure.loss(), 1e-5, "validation loss after round " + figure.afterRound());
        double accuracy = new MulticlassClassificationEvaluator().setMetricName("accuracy").evaluate(predicted);
        assertEquals(accuracy, figure.accuracy(), 1e-12, "validation accuracy after round " + figure.afterRound());
    }

    @Test
    void regressionGivesTheMeanSquaredErrorAndNoAccuracy() {
        // y = 1 + 2 a - 3 b; every fifth row held out (a deterministic mark, so both filters see the same rows).
        Dataset<Row> data = TestSpark.session().range(0, 1000).selectExpr("id",
                "array(rand(11) * 2 - 1, rand(12) * 2 - 1) as features").selectExpr(
                "features", "1 + 2 * features[0] - 3 * features[1] as label", "id % 5 = 0 as held").repartition(2).cache();
        String linear = "{\"layers\": [{\"type\": \"Linear\", \"in_features\": 2, \"out_features\": 1}]}";
        EmberModel model = new EmberEstimator().setModelSpec(linear).setLoss("mse").setLearningRate(0.05).setBatchSize(50).setLocalSteps(-1)
                .setMaxEpochs(2).setSeed(5).setValidationIndicatorCol("held").fit(data);
        List<TrainingSummary.Evaluation> figures = model.summary().validation();
        assertEquals(model.summary().totalRounds(), figures.size(), "one figure per round");
        TrainingSummary.Evaluation last = figures.get(figures.size() - 1);
        assertEquals(800, model.summary().trainingRows());
        assertEquals(200, last.rows());
        assertTrue(Double.isNaN(last.accuracy()));
        double mse = new RegressionEvaluator().setMetricName("mse").evaluate(model.transform(data.where("held").drop("held")));
        assertEquals(mse, last.loss(), 1e-6 + 1e-5 * mse);
        data.unpersist();
    }

    @Test
    void aBadIndicatorColumnIsRefusedNamingIt() {
        Dataset<Row> blobs = TestSpark.blobs(100, 3, 1);
        IllegalArgumentException notBoolean = assertThrows(IllegalArgumentException.class,
                () -> estimator(1).fit(blobs.withColumn("held", functions.lit(1))));
        assertEquals("validationIndicatorCol 'held' must be boolean (true: held out for validation), but it is int", notBoolean.getMessage());
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> estimator(1).fit(blobs));
        assertTrue(missing.getMessage().startsWith("validationIndicatorCol 'held' does not exist"), missing.getMessage());
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
                () -> estimator(1).fit(blobs.withColumn("held", functions.lit(false))));
        assertEquals("validationIndicatorCol 'held' marks no valid row true: nothing to validate on", none.getMessage());
    }

    @Test
    void withoutTheParamThereIsNoValidation() {
        EmberModel model = estimator(1).setValidationIndicatorCol("").fit(TestSpark.blobs(100, 4, 1));
        assertTrue(model.summary().validation().isEmpty());
        assertEquals(100, model.summary().trainingRows());
    }
}
