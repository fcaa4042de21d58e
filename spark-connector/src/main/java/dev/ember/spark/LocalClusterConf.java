package dev.ember.spark;

import java.io.File;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What Spark's {@code local-cluster[N,C,MB]} master needs to start its executor JVMs without a Spark distribution,
 * as a session's settings: the tests' clusters and {@code bench-scaling --master local-cluster[...]} use it.
 *
 * <p>The worker launches executors through Spark's launcher, which needs the Scala version (normally guessed from a
 * Spark build tree) and a {@code $SPARK_HOME/jars} folder; without a distribution the classes come from this JVM's
 * own classpath instead. {@code SPARK_SQL_TESTING=1} is read only by the launcher (checked in every Spark 4.1.0 jar):
 * it accepts a missing {@code jars/} folder without turning on Spark's test mode ({@code SPARK_TESTING} would).
 */
public final class LocalClusterConf {
    private LocalClusterConf() {}

    /** The executors' environment, classpath (absolute: an executor runs in its worker's own directory) and module flags. */
    public static Map<String, String> executorConf() {
        Map<String, String> conf = new LinkedHashMap<>();
        conf.put("spark.executorEnv.SPARK_SCALA_VERSION", "2.13");
        conf.put("spark.executorEnv.SPARK_SQL_TESTING", "1");
        conf.put("spark.executor.extraClassPath", Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .map(entry -> Path.of(entry).toAbsolutePath().toString()).collect(Collectors.joining(File.pathSeparator)));
        conf.put("spark.executor.extraJavaOptions", moduleFlags());
        return conf;
    }

    /** This JVM's module and reflection flags (the {@code --add-opens} Spark and Arrow need, the Vector API's module). */
    private static String moduleFlags() {
        return ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("--add-") || a.startsWith("-Djdk.reflect") || a.startsWith("-Xss"))
                .collect(Collectors.joining(" "));
    }
}
