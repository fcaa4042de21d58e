package dev.ember.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.arrow.InvalidRowException;
import java.util.concurrent.TimeUnit;
import java.util.List;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Test;

/** Bad input is refused by fit with a message naming what is wrong, before any training starts. */
@Timeout(value = 3, unit = TimeUnit.MINUTES) // each test on the shared local Spark
class FailFastTest {
    private static final Dataset<Row> DATA = TestSpark.blobs(64, 5, 2);

    private static EmberEstimator estimator() { return new EmberEstimator().setModelSpec(TestSpark.mlpSpec(4, 3)).setMaxEpochs(1); }

    private static String fitError(EmberEstimator e, Dataset<Row> data) {
        return assertThrows(IllegalArgumentException.class, () -> e.fit(data)).getMessage();
    }

    @Test
    void wrongColumnTypes() {
        assertEquals("featuresCol 'label' must be an ML Vector or an array of numbers, but it is double",
                fitError(estimator().setFeaturesCol("label"), DATA));
        assertTrue(fitError(estimator().setLabelCol("features"), DATA).startsWith("labelCol 'features' must be numeric, but it is"));
        assertEquals("featuresCol 'pixels' does not exist; the columns are [label, features]", fitError(estimator().setFeaturesCol("pixels"), DATA));
        assertEquals("predictionCol 'label' already exists in the input; choose another name", fitError(estimator().setPredictionCol("label"), DATA));
        Dataset<Row> strings = DATA.selectExpr("label", "array('a', 'b') as features");
        assertEquals("featuresCol 'features' must be an ML Vector or an array of numbers, but it is array<string>", fitError(estimator(), strings));
    }

    @Test
    void featureWidthThatDoesNotMatchTheModel() {
        String msg = fitError(new EmberEstimator().setModelSpec(TestSpark.mlpSpec(5, 3)), DATA);
        assertTrue(msg.startsWith("featuresCol 'features' has 4 values per row, but the model (modelSpec) cannot take a [batch, 4] input:"), msg);
    }

    @Test
    void modelProblems() {
        assertTrue(fitError(new EmberEstimator().setModelSpec("{\"layers\": [{\"type\": \"Lineer\"}]}"), DATA).startsWith("modelSpec does not parse:"));
        assertTrue(fitError(new EmberEstimator().setModelSpec("{not json"), DATA).startsWith("modelSpec does not parse:"));
        assertEquals("No model: set modelSpec (a JSON model spec) or modelFactory (a ModuleFactory class name)", fitError(new EmberEstimator(), DATA));
        assertTrue(fitError(new EmberEstimator().setModelFactory("com.example.Missing"), DATA).startsWith("modelFactory com.example.Missing cannot be instantiated"));
        assertEquals("loss crossEntropy needs a model output of shape [B, K] with K >= 2 classes, but the model gives [2, 1] for a batch of 2",
                fitError(new EmberEstimator().setModelSpec(TestSpark.mlpSpec(4, 1)), DATA));
        assertEquals("loss mse needs a model output of shape [B, 1], but the model gives [2, 3] for a batch of 2",
                fitError(estimator().setLoss("mse"), DATA));
    }

    @Test
    void cudaWithoutGpus() {
        assertTrue(fitError(estimator().setDevice("cuda"), DATA).startsWith("device = \"cuda\", but Spark assigns no GPUs to tasks"));
    }

    @Test
    void invalidParamValuesNameTheParamAndTheValue() {
        assertEquals("'hinge' is not one of [crossEntropy, nll, bceWithLogits, mse, l1, smoothL1, huber]", setError(() -> estimator().setLoss("hinge")));
        assertEquals("'keep' is not one of [error, skip]", setError(() -> estimator().setHandleInvalid("keep")));
        // Spark's own validators: "<uid> parameter <name> given invalid value <value>."
        assertTrue(setError(() -> estimator().setBatchSize(0)).endsWith(" parameter batchSize given invalid value 0."));
        assertTrue(setError(() -> estimator().setLearningRate(-1)).endsWith(" parameter learningRate given invalid value -1.0."));
        assertEquals("adamw", estimator().setOptimizer("AdamW").getOptimizer());
    }

    private static String setError(org.junit.jupiter.api.function.Executable set) {
        return assertThrows(IllegalArgumentException.class, set).getMessage();
    }

    @Test
    void badRowsNameColumnPartitionRowAndValue() {
        List<Row> rows = new java.util.ArrayList<>(TestSpark.blobRows(10, 1));
        rows.set(7, RowFactory.create(3.0, Vectors.dense(1, 2, 3, 4)));
        Exception e = assertThrows(InvalidRowException.class, () -> estimator().fit(TestSpark.frame(rows, 1)));
        assertEquals("Invalid value in column 'label' at row 7 of partition 0: class label 3.0 outside [0, 3) "
                + "(handleInvalid=error; use handleInvalid=skip to drop such rows)", e.getMessage());

        rows.set(7, RowFactory.create(1.0, Vectors.dense(1, 2, 3)));
        e = assertThrows(InvalidRowException.class, () -> estimator().fit(TestSpark.frame(rows, 1)));
        assertEquals("Invalid value in column 'features' at row 7 of partition 0: dense vector of size 3, expected 4 "
                + "(handleInvalid=error; use handleInvalid=skip to drop such rows)", e.getMessage());
    }
}
