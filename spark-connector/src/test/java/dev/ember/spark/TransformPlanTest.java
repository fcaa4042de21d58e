package dev.ember.spark;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.plans.logical.Filter;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.catalyst.plans.logical.Project;
import org.apache.spark.sql.execution.FileSourceScanExec;
import org.apache.spark.sql.execution.SparkPlan;
import org.apache.spark.sql.execution.adaptive.AdaptiveSparkPlanExec;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import scala.jdk.javaapi.CollectionConverters;

/** transform as a plan node: Spark reads only the columns the query needs, pushes filters below it, and the rows stay the same. */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class TransformPlanTest {
    @TempDir static Path dir;
    private static Dataset<Row> parquet;
    private static EmberModel model;

    @BeforeAll
    static void fitAndWrite() {
        Dataset<Row> data = TestSpark.blobs(240, 21, 2);
        model = new EmberEstimator().setModelSpec(TestSpark.mlpSpec(4, 3)).setLearningRate(0.01).setBatchSize(32).setMaxEpochs(1)
                .setSeed(3).fit(data);
        // Two columns no one reads below: a string and a long.
        data.withColumn("note", lit("unused")).withColumn("id", lit(7L)).write().parquet(dir.resolve("rows").toString());
        parquet = TestSpark.session().read().parquet(dir.resolve("rows").toString());
    }

    /** The columns the query's Parquet scan reads. */
    private static List<String> readSchema(Dataset<Row> query) {
        FileSourceScanExec scan = scan(query.queryExecution().executedPlan());
        assertNotNull(scan, "no Parquet scan in\n" + query.queryExecution().executedPlan());
        return List.of(scan.requiredSchema().fieldNames());
    }

    private static FileSourceScanExec scan(SparkPlan plan) {
        if (plan instanceof FileSourceScanExec s) return s;
        if (plan instanceof AdaptiveSparkPlanExec a) return scan(a.executedPlan());
        for (SparkPlan c : CollectionConverters.asJava(plan.children())) {
            FileSourceScanExec s = scan(c);
            if (s != null) return s;
        }
        return null;
    }

    private static InferencePlan inference(LogicalPlan plan) {
        if (plan instanceof InferencePlan p) return p;
        for (LogicalPlan c : CollectionConverters.asJava(plan.children())) {
            InferencePlan p = inference(c);
            if (p != null) return p;
        }
        return null;
    }

    @Test
    void selectingTwoColumnsReadsOnlyTheFeaturesAndThoseColumns() {
        Dataset<Row> all = model.transform(parquet);
        assertEquals(List.of("label", "features", "note", "id"), readSchema(all));
        Dataset<Row> two = model.transform(parquet).select("label", "prediction");
        assertEquals(List.of("label", "features"), readSchema(two));
        // Outputs no one reads are not computed either, and the features, read by the model only, are not passed on.
        InferencePlan node = inference(two.queryExecution().optimizedPlan());
        assertEquals(List.of("prediction"), CollectionConverters.asJava(node.outputs()).stream().map(a -> a.name()).toList());
        assertEquals(List.of("label", "prediction"), CollectionConverters.asJava(node.output()).stream().map(a -> a.name()).toList());
        assertEquals(List.of("label", "features"), CollectionConverters.asJava(node.child().output()).stream().map(a -> a.name()).toList());
    }

    @Test
    void aSelectOfTheNodesColumnsInOrderIsTheNodeItself() {
        Dataset<Row> two = model.transform(parquet).select("label", "prediction");
        assertTrue(two.queryExecution().optimizedPlan() instanceof InferencePlan, "no projection left in\n" + two.queryExecution().optimizedPlan());
        // Another order, or a renamed column, is a projection still, and gives the same values.
        Dataset<Row> swapped = model.transform(parquet).select("prediction", "label");
        Dataset<Row> renamed = model.transform(parquet).select(col("label").as("y"), col("prediction"));
        assertTrue(swapped.queryExecution().optimizedPlan() instanceof Project, swapped.queryExecution().optimizedPlan().toString());
        assertTrue(renamed.queryExecution().optimizedPlan() instanceof Project, renamed.queryExecution().optimizedPlan().toString());
        assertEquals(List.of("y", "prediction"), List.of(renamed.columns()));
        List<Row> a = two.collectAsList(), b = swapped.collectAsList(), c = renamed.collectAsList();
        assertEquals(240, a.size());
        for (int i = 0; i < a.size(); i++) {
            assertEquals(a.get(i), org.apache.spark.sql.RowFactory.create(b.get(i).get(1), b.get(i).get(0)), "row " + i);
            assertEquals(a.get(i), c.get(i), "row " + i);
        }
    }

    @Test
    void aFilterOnPassedThroughColumnsGoesBelowTheModelAndIntoTheScan() {
        Dataset<Row> query = model.transform(parquet).filter(col("label").gt(1.0).and(col("prediction").geq(0.0))).select("label", "prediction");
        LogicalPlan optimized = query.queryExecution().optimizedPlan();
        InferencePlan node = inference(optimized);
        assertNotNull(node, optimized.toString());
        assertTrue(node.child() instanceof Filter f && f.condition().references().toSeq().mkString(",").contains("label"),
                "label > 1 below the model in\n" + optimized);
        FileSourceScanExec scan = scan(query.queryExecution().executedPlan());
        assertTrue(scan.pushedDownFilters().mkString(",").contains("GreaterThan(label,1.0)"),
                "pushed into Parquet in\n" + query.queryExecution().executedPlan());
    }

    @Test
    void prunedAndFilteredQueriesGiveTheRowsOfTheWholeTransform() {
        List<Row> whole = model.transform(parquet).collectAsList();
        assertEquals(240, whole.size());
        for (Row r : whole) {
            double[] logits = ((org.apache.spark.ml.linalg.Vector) r.getAs("rawPrediction")).toArray();
            int best = 0;
            for (int k = 1; k < logits.length; k++) if (logits[k] > logits[best]) best = k;
            assertEquals(best, r.<Double>getAs("prediction"), 0.0, "prediction is the argmax of the logits");
        }
        List<Row> expected = whole.stream().filter(r -> r.<Double>getAs("label") > 1.0)
                .map(r -> org.apache.spark.sql.RowFactory.create(r.getAs("label"), r.getAs("prediction"))).toList();
        assertEquals(expected, model.transform(parquet).filter(col("label").gt(1.0)).select("label", "prediction").collectAsList());
        // The same through the row reader (Parquet's vectorized reader off): the kept columns are picked differently there.
        TestSpark.session().conf().set("spark.sql.parquet.enableVectorizedReader", "false");
        try {
            Dataset<Row> rows = TestSpark.session().read().parquet(dir.resolve("rows").toString());
            assertEquals(expected, model.transform(rows).filter(col("label").gt(1.0)).select("label", "prediction").collectAsList());
        } finally {
            TestSpark.session().conf().unset("spark.sql.parquet.enableVectorizedReader");
        }
        assertTrue(expected.size() > 40 && expected.size() < 200, "the filter keeps some rows: " + expected.size());
        // No output read at all: the rows are still counted through the node (handleInvalid may drop rows).
        assertEquals(240, model.transform(parquet).count());
    }

    @Test
    void parquetsColumnarBatchesGiveTheRowsOfTheRowPath() {
        Dataset<Row> columnar = model.transform(parquet);
        assertTrue(columnar.queryExecution().executedPlan().toString().contains("reads columnar batches"), columnar.queryExecution().executedPlan().toString());
        List<Row> fromBatches = columnar.collectAsList();
        var conf = TestSpark.session().conf();
        conf.set("spark.sql.parquet.enableVectorizedReader", "false");
        try {
            Dataset<Row> rows = model.transform(TestSpark.session().read().parquet(dir.resolve("rows").toString()));
            assertFalse(rows.queryExecution().executedPlan().toString().contains("reads columnar batches"), rows.queryExecution().executedPlan().toString());
            assertEquals(rows.collectAsList(), fromBatches);
        } finally {
            conf.unset("spark.sql.parquet.enableVectorizedReader");
        }
        assertEquals(240, fromBatches.size());
    }
}
