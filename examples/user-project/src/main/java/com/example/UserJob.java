package com.example;

import dev.ember.spark.EmberEstimator;
import dev.ember.spark.EmberModel;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * A user's own Spark job, built against the Ember jar alone (see ../pom.xml), never against this repository's
 * modules: it fits a small MLP on points labelled by which side of the line x + 2y = 0 they lie, and prints the
 * held-out accuracy. Run it with {@code spark-submit --jars ember-spark-connector-VERSION-all.jar}.
 */
public final class UserJob {
    private UserJob() {}

    public static void main(String[] args) {
        SparkSession spark = SparkSession.builder().appName("ember-user-job").getOrCreate();
        Dataset<Row> train = points(spark, 4000, 1), test = points(spark, 1000, 2);
        String spec = "{\"layers\": [{\"type\": \"Linear\", \"in_features\": 2, \"out_features\": 16}, {\"type\": \"ReLU\"},"
                + " {\"type\": \"Linear\", \"in_features\": 16, \"out_features\": 2}]}";
        EmberModel model = new EmberEstimator().setFeaturesCol("features").setLabelCol("label")
                .setModelSpec(spec).setLearningRate(1e-2).setBatchSize(64).setMaxEpochs(5).setNumWorkers(2).setSeed(7)
                .fit(train);
        double accuracy = new MulticlassClassificationEvaluator().setMetricName("accuracy").evaluate(model.transform(test));
        System.out.printf(Locale.ROOT, "user job accuracy %.4f%n", accuracy);
        spark.stop();
    }

    /** n points from a standard normal in 2D; label 1 when x + 2y > 0. */
    static Dataset<Row> points(SparkSession spark, int n, long seed) {
        Random rnd = new Random(seed);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            double x = rnd.nextGaussian(), y = rnd.nextGaussian();
            rows.add(RowFactory.create(x + 2 * y > 0 ? 1.0 : 0.0, Vectors.dense(x, y)));
        }
        StructType schema = new StructType().add("label", DataTypes.DoubleType).add("features", SQLDataTypes.VectorType());
        return spark.createDataFrame(rows, schema);
    }
}
