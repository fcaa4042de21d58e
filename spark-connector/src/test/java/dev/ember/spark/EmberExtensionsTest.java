package dev.ember.spark;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import scala.jdk.javaapi.CollectionConverters;

/** A session built with {@code spark.sql.extensions=dev.ember.spark.EmberExtensions} plans and optimizes transform without experimental(). */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class EmberExtensionsTest {

    private static boolean prunedToPrediction(LogicalPlan plan) {
        if (plan instanceof InferencePlan p) return CollectionConverters.asJava(p.outputs()).stream().map(a -> a.name()).toList().equals(List.of("prediction"));
        return CollectionConverters.asJava(plan.children()).stream().anyMatch(EmberExtensionsTest::prunedToPrediction);
    }

    @Test
    void aSessionWithTheExtensionPlansTransformFromItsStart() {
        List<Row> rows = TestSpark.blobRows(150, 31);
        EmberModel model = new EmberEstimator().setModelSpec(TestSpark.mlpSpec(4, 3)).setLearningRate(0.01).setBatchSize(32).setMaxEpochs(1)
                .setSeed(5).fit(TestSpark.frame(rows, 2));
        List<Row> expected = model.transform(TestSpark.frame(rows, 2)).select("label", "prediction").collectAsList();

        // One SparkContext a JVM: the shared session stops here, and TestSpark.session() makes a new one for later tests.
        for (var other : List.of(SparkSession.getActiveSession(), SparkSession.getDefaultSession())) {
            if (other.isDefined()) other.get().stop();
        }
        SparkSession spark = SparkSession.builder().master("local[2]").appName("ember-extensions")
                .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1").config("spark.ui.enabled", "false")
                .config("spark.sql.extensions", EmberExtensions.NAME).getOrCreate();
        try {
            assertTrue(EmberExtensions.configured(spark));
            Dataset<Row> query = model.transform(TestSpark.frame(spark, rows, 2)).select("label", "prediction");
            assertEquals(expected, query.collectAsList());
            assertTrue(prunedToPrediction(query.queryExecution().optimizedPlan()), "the extension's rule pruned the outputs:\n" + query.queryExecution().optimizedPlan());
            assertTrue(query.queryExecution().executedPlan().toString().contains("EmberInferenceExec"), query.queryExecution().executedPlan().toString());
            assertTrue(spark.experimental().extraStrategies().isEmpty() && spark.experimental().extraOptimizations().isEmpty(),
                    "nothing registered on experimental()");
        } finally {
            spark.stop();
        }
    }
}
