// examples/spark-shell's start-up: Spark and Ember imported, and `spark`, a SparkSession with the Spark defaults that
// the Ember jar carries (ember/spark-defaults.conf: the JVM flags for executors, the serializer, ...).
import java.nio.file.*;
import org.apache.spark.sql.*;
import org.apache.spark.ml.*;
import org.apache.spark.ml.evaluation.*;
import org.apache.spark.ml.feature.*;
import dev.ember.spark.*;

SparkSession spark;
{
    SparkSession.Builder b = SparkSession.builder().appName("ember-shell").master(System.getProperty("ember.master", "local[*]"));
    try (var in = EmberEstimator.class.getResourceAsStream("/ember/spark-defaults.conf")) {
        new String(in.readAllBytes()).lines().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#"))
                .map(l -> l.split("\\s+", 2)).forEach(kv -> b.config(kv[0], kv[1]));
    }
    spark = b.getOrCreate();
    System.out.println("Spark " + spark.version() + " (" + spark.sparkContext().master() + ") as `spark`; Ember's EmberEstimator and EmberModel imported");
}
