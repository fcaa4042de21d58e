package dev.ember.examples.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ember.examples.Jvm;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarOutputStream;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A user's project outside this build (examples/user-project) compiled with plain javac against the one Ember jar
 * and Spark's jars, then submitted with spark-submit, the Ember jar passed by --jars only: what a cluster user does,
 * on local[2] and (slow) on examples/cluster-test's standalone cluster.
 * The shaded jar comes from `mvn package` of the connector, so `mvn -B -ntp verify` (CI) runs this; `mvn test` alone
 * skips it.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class UserProjectTest {
    static final Path USER_PROJECT = Jvm.ROOT.resolve("examples/user-project");

    /** spark-connector/target/ember-spark-connector-VERSION-all.jar, or null before `mvn package`. */
    static Path shadedJar() throws IOException {
        Path target = Jvm.ROOT.resolve("spark-connector/target");
        if (!Files.isDirectory(target)) return null;
        try (Stream<Path> s = Files.list(target)) {
            return s.filter(p -> p.getFileName().toString().matches("ember-spark-connector-.*-all\\.jar")).findFirst().orElse(null);
        }
    }

    @Test
    void shadedJarHoldsEmberAndJcudaButNotSparkArrowScalaOrJackson() throws IOException {
        Path jar = shadedJar();
        assumeTrue(jar != null, "no shaded connector jar: it is built by `mvn package` (run `mvn -B -ntp verify`)");
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            List<String> names = zip.stream().map(ZipEntry::getName).toList();
            for (String c : List.of("dev/ember/spark/EmberEstimator.class", "dev/ember/arrow/ArrowToTensor.class",
                    "dev/ember/engine/Tensor.class", "jcuda/driver/JCudaDriver.class", "ember/spark-defaults.conf")) {
                assertTrue(names.contains(c), jar + " lacks " + c);
            }
            for (String prefix : List.of("org/apache/spark/", "org/apache/arrow/", "scala/", "com/fasterxml/", "io/netty/")) {
                assertTrue(names.stream().noneMatch(n -> n.startsWith(prefix)), jar + " must leave " + prefix + " to the cluster");
            }
        }
    }

    @Test
    void userJobRunsWithOnlyTheShadedJar(@TempDir Path tmp) throws Exception {
        Path jar = shadedJar();
        assumeTrue(jar != null, "no shaded connector jar: it is built by `mvn package` (run `mvn -B -ntp verify`)");
        Path userJar = buildUserJar(jar, tmp);

        List<String> args = new ArrayList<>(List.of("org.apache.spark.deploy.SparkSubmit", "--master", "local[2]",
                "--properties-file", Jvm.SPARK_DEFAULTS.toString(), "--conf", "spark.ui.enabled=false",
                "--jars", jar.toString(), "--class", "com.example.UserJob", userJar.toString()));
        Jvm.Finished run = Jvm.java(Jvm.sparkJars(), args, null, Duration.ofMinutes(3));
        assertEquals(0, run.exitCode(), run.output());
        // The points are split by a line, so a 2-16-2 MLP separates them almost perfectly; chance is 0.5.
        double accuracy = accuracy(run.output());
        System.out.println("user job (spark-submit --jars " + jar.getFileName() + ", local[2]): accuracy " + accuracy);
        assertTrue(accuracy >= 0.95, run.output());
    }

    @Test
    @Tag("slow") // a standalone master, two workers and their executors as separate JVMs: ~1 min on 2 shared cores
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void userJobRunsOnAStandaloneClusterWithOnlyTheShadedJar(@TempDir Path tmp) throws Exception {
        Path jar = shadedJar();
        assumeTrue(jar != null, "no shaded connector jar: it is built by `mvn package` (run `mvn -B -ntp verify`)");
        Path userJar = buildUserJar(jar, tmp);
        // cluster-test gives the workers Spark's jars only and passes the Ember jar with --jars.
        Jvm.Finished run = Jvm.run(List.of("examples/cluster-test", "--timeout", "240", "--app-jar", userJar.toString(), "com.example.UserJob"),
                null, Duration.ofMinutes(4).plusSeconds(30));
        assertEquals(0, run.exitCode(), run.output());
        double accuracy = accuracy(run.output());
        System.out.println("user job (standalone cluster, 2 workers): accuracy " + accuracy);
        assertTrue(accuracy >= 0.95, run.output());
    }

    /** javac over the user's sources against Spark's jars and the Ember jar, packed into user-job.jar. */
    static Path buildUserJar(Path emberJar, Path tmp) throws IOException {
        Path classes = Files.createDirectories(tmp.resolve("classes"));
        List<String> sources;
        try (Stream<Path> s = Files.walk(USER_PROJECT.resolve("src/main/java"))) {
            sources = s.filter(p -> p.toString().endsWith(".java")).map(Path::toString).toList();
        }
        List<String> cp = new ArrayList<>(Jvm.sparkJars());
        cp.add(emberJar.toString());
        List<String> javac = new ArrayList<>(List.of("--release", "17", "-d", classes.toString(), "-cp", String.join(File.pathSeparator, cp)));
        javac.addAll(sources);
        assertEquals(0, ToolProvider.getSystemJavaCompiler().run(null, null, null, javac.toArray(String[]::new)), "javac of " + USER_PROJECT);
        Path jar = tmp.resolve("user-job.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar)); Stream<Path> files = Files.walk(classes)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                out.putNextEntry(new ZipEntry(classes.relativize(f).toString().replace(File.separatorChar, '/')));
                Files.copy(f, (OutputStream) out);
                out.closeEntry();
            }
        }
        return jar;
    }

    static double accuracy(String output) {
        Matcher m = Pattern.compile("user job accuracy ([0-9.]+)").matcher(output);
        assertTrue(m.find(), "no accuracy line in:\n" + output);
        return Double.parseDouble(m.group(1));
    }
}
