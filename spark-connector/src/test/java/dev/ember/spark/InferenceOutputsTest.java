package dev.ember.spark;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.catalyst.expressions.BoundReference;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeArrayData;
import org.apache.spark.sql.catalyst.expressions.UnsafeProjection;
import org.apache.spark.sql.catalyst.expressions.UnsafeRow;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The output columns written straight into an UnsafeRow must be the bytes Spark's own projection writes from a
 * {@code VectorUDT}-serialized dense {@code Vector}, a double and a float array (how transform wrote them before),
 * and read back as the values they came from.
 */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class InferenceOutputsTest {
    private static final VectorUDT VECTOR = (VectorUDT) SQLDataTypes.VectorType();

    private static Inference.Setup setup(boolean raw, boolean prob, boolean pred, boolean out) {
        return new Inference.Setup("key", null, null, null, 4, true, null, "features", "error", 16, raw, prob, pred, out, "cpu", null);
    }

    /** Spark's projection of the values the outputs hold, in the setup's order: the reference bytes. */
    private static UnsafeRow spark(Inference.Setup setup, double[] raw, double[] prob, double prediction, float[] output) {
        List<Object> values = new ArrayList<>();
        if (setup.rawPrediction()) values.add(VECTOR.serialize(Vectors.dense(raw)));
        if (setup.probability()) values.add(VECTOR.serialize(Vectors.dense(prob)));
        if (setup.prediction()) values.add(prediction);
        if (setup.output()) values.add(UnsafeArrayData.fromPrimitiveArray(output));
        DataType[] types = setup.outputTypes();
        List<Expression> fields = new ArrayList<>();
        for (int j = 0; j < types.length; j++) fields.add(new BoundReference(j, types[j], false));
        return UnsafeProjection.create(PlanSeqs.of(fields)).apply(new GenericInternalRow(values.toArray())).copy();
    }

    @Test
    void classificationOutputsAreTheBytesSparkWritesFromVectors() {
        Inference.Setup setup = setup(true, true, true, true);
        // Two rows of 3 classes; row 1 has a tie between classes 0 and 2 at the top: the lowest index wins.
        float[] raw = {0.5f, -1.25f, 2f, 3f, 1f, 3f};
        float[] prob = {0.2f, 0.1f, 0.7f, 0.45f, 0.1f, 0.45f};
        InferenceOutputs outputs = new InferenceOutputs(setup);
        outputs.batch(raw, prob, raw, 3, 3);
        UnsafeRow row0 = outputs.write(0).copy();
        UnsafeRow row1 = outputs.write(1).copy();

        assertEquals(spark(setup, new double[]{0.5, -1.25, 2}, new double[]{0.2f, 0.1f, 0.7f}, 2.0, new float[]{0.5f, -1.25f, 2f}), row0);
        assertEquals(spark(setup, new double[]{3, 1, 3}, new double[]{0.45f, 0.1f, 0.45f}, 0.0, new float[]{3f, 1f, 3f}), row1);
        Vector probability = VECTOR.deserialize(row1.getStruct(1, 4));
        assertArrayEquals(new double[]{0.45f, 0.1f, 0.45f}, probability.toArray());
        assertEquals(0.0, row1.getDouble(2));
        assertArrayEquals(new float[]{3f, 1f, 3f}, row1.getArray(3).toFloatArray());
    }

    @Test
    void aSubsetOfOutputsAndARegressionOutputOfOddWidthAreTheBytesSparkWrites() {
        Inference.Setup predictionOnly = setup(false, false, true, false);
        float[] logits = {1f, 4f, -2f, 0f, -1f, 0.5f};
        InferenceOutputs predictions = new InferenceOutputs(predictionOnly);
        predictions.batch(logits, null, null, 3, 0);
        UnsafeRow prediction = predictions.write(1);
        assertEquals(spark(predictionOnly, null, null, 2.0, null), prediction);

        // Regression: the prediction is the first output; a 3-wide float array leaves padding in its last word.
        Inference.Setup regression = setup(false, false, true, true);
        float[] flat = {1.5f, 2f, 3f, -7.25f, 8f, 9f};
        InferenceOutputs regressionOutputs = new InferenceOutputs(regression);
        regressionOutputs.batch(null, null, flat, 0, 3);
        UnsafeRow row = regressionOutputs.write(1);
        assertEquals(spark(regression, null, null, -7.25, new float[]{-7.25f, 8f, 9f}), row);
        assertEquals(DataTypes.createArrayType(DataTypes.FloatType, false), regression.outputTypes()[1]);
    }

    @Test
    void theWriterIsReusedRowAfterRowWithoutLeftoverBytes() {
        Inference.Setup setup = setup(true, false, true, false);
        float[] raw = new float[100 * 10];
        for (int i = 0; i < raw.length; i++) raw[i] = (i * 37 % 101) / 7f;
        InferenceOutputs outputs = new InferenceOutputs(setup);
        outputs.batch(raw, null, null, 10, 0);
        for (int i = 0; i < 100; i++) {
            double[] expected = new double[10];
            int best = 0;
            for (int j = 0; j < 10; j++) {
                expected[j] = raw[i * 10 + j];
                if (expected[j] > expected[best]) best = j;
            }
            assertEquals(spark(setup, expected, null, best, null), outputs.write(i), "row " + i);
        }
    }

    @Test
    void vectorsOfAnyLengthAreTheBytesSparkWritesAcrossBatchesOfOtherLengths() {
        // Lengths around the array's null-bit words (64 elements a word), one batch after another through one writer.
        Inference.Setup setup = setup(true, true, true, false);
        InferenceOutputs outputs = new InferenceOutputs(setup);
        for (int k : new int[]{2, 64, 65, 1, 130, 63, 2}) {
            float[] raw = new float[2 * k], prob = new float[2 * k];
            for (int i = 0; i < raw.length; i++) {
                raw[i] = (i * 29 % 17) - 8.5f;
                prob[i] = i / (float) raw.length;
            }
            outputs.batch(raw, prob, null, k, 0);
            for (int r = 0; r < 2; r++) {
                double[] logits = new double[k], probabilities = new double[k];
                int best = 0;
                for (int j = 0; j < k; j++) {
                    logits[j] = raw[r * k + j];
                    probabilities[j] = prob[r * k + j];
                    if (logits[j] > logits[best]) best = j;
                }
                assertEquals(spark(setup, logits, probabilities, best, null), outputs.write(r), k + " classes, row " + r);
            }
        }
    }
}
