package dev.ember.examples.spark;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import dev.ember.spark.LocalClusterConf;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/**
 * What the Spark jobs share: the session (spark-submit's master when there is one, else an embedded local Spark),
 * {@code --key value} arguments, model specs by name, and the default paths.
 */
public final class SparkJobs {
    /** Debian's dataset-fashion-mnist puts the IDX files here. */
    public static final String DEFAULT_DATA = "/usr/share/datasets/fashion-mnist";
    /** Where prepare-fashion-mnist writes train/ and test/ (under /data/, which git ignores). */
    public static final String DEFAULT_PARQUET = "data/fashion-mnist-parquet";
    /** Where train-fashion-mnist saves models by default: {@code data/models/fashion-<model>}. */
    public static final String DEFAULT_MODELS = "data/models";

    private SparkJobs() {}

    /** A user error in the arguments: the launcher prints the message and the usage, without a stack trace. */
    public static final class UsageException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;
        public UsageException(String message) { super(message); }
    }

    /**
     * The running session, if any (a job called from another job shares it), else a new one. spark-submit's
     * {@code spark.master} wins over {@code fallbackMaster}; on a local master the driver binds to 127.0.0.1,
     * the UI is off and shuffles use few partitions; task results up to 64 MB come back directly, as in Ember's
     * spark-defaults.conf.
     */
    public static SparkSession session(String appName, String fallbackMaster) { return session(appName, null, fallbackMaster); }

    /** As {@link #session(String, String)}, but an {@code explicitMaster} (from {@code --master}) wins over everything. */
    public static SparkSession session(String appName, String explicitMaster, String fallbackMaster) {
        if (SparkSession.getActiveSession().isDefined()) return SparkSession.getActiveSession().get();
        SparkConf conf = new SparkConf(); // spark.* system properties: what spark-submit set
        String master = explicitMaster != null ? explicitMaster
                : conf.contains("spark.master") ? conf.get("spark.master") : fallbackMaster != null ? fallbackMaster : "local[*]";
        SparkSession.Builder b = SparkSession.builder().appName(appName);
        if (explicitMaster != null || !conf.contains("spark.master")) b.master(master);
        if (master.startsWith("local-cluster")) LocalClusterConf.executorConf().forEach((k, v) -> defaultConf(b, conf, k, v));
        if (master.startsWith("local")) {
            defaultConf(b, conf, "spark.driver.host", "127.0.0.1");
            defaultConf(b, conf, "spark.driver.bindAddress", "127.0.0.1");
            defaultConf(b, conf, "spark.ui.enabled", "false");
            defaultConf(b, conf, "spark.sql.shuffle.partitions", "4");
        }
        // As conf/templates/spark-defaults.conf: a round's results (several MB) come back with the task's status, not
        // through the block manager. Executors read it when they start, so it must be set before the session exists.
        defaultConf(b, conf, "spark.task.maxDirectResultSize", "64m");
        showEmberInfo();
        return b.getOrCreate();
    }

    /** Whether a session is running already (then a job must not stop it: its caller owns it). */
    private static boolean hasActiveSession() { return SparkSession.getActiveSession().isDefined(); }

    /** Work done on a job's session. */
    @FunctionalInterface
    interface SessionBody {
        void run(SparkSession spark) throws Exception;
    }

    /**
     * Runs {@code body} on the job's session (see {@link #session(String, String, String)}) and stops it
     * afterwards, unless it was already running (spark-submit's shell, a notebook): a job never stops a
     * session it did not create.
     */
    static void withSession(String appName, String explicitMaster, String fallbackMaster, SessionBody body) throws Exception {
        boolean shared = hasActiveSession();
        SparkSession spark = session(appName, explicitMaster, fallbackMaster);
        try {
            body.run(spark);
        } finally {
            if (!shared) spark.stop();
        }
    }

    private static void defaultConf(SparkSession.Builder b, SparkConf conf, String key, String value) {
        if (!conf.contains(key)) b.config(key, value);
    }

    /**
     * Ember's per-round lines are INFO: show them even when the log4j2 configuration in force (e.g. a cluster's)
     * is quieter. Best effort: without log4j-core on the classpath the configuration decides.
     */
    static void showEmberInfo() {
        try {
            Class<?> level = Class.forName("org.apache.logging.log4j.Level");
            Class.forName("org.apache.logging.log4j.core.config.Configurator")
                    .getMethod("setLevel", String.class, level).invoke(null, "dev.ember", level.getField("INFO").get(null));
        } catch (Throwable ignored) {
            // no log4j-core: the slf4j binding's own configuration decides
        }
    }

    /**
     * A model spec: "mlp" and "cnn" name conf/models/fashion-mlp.json and fashion-cnn.json (from the working
     * directory, else the copies packaged in the jar); anything else is a path to a spec file.
     */
    public static String modelSpec(String model) throws IOException {
        if (model.equals("mlp") || model.equals("cnn")) {
            Path file = Path.of("conf/models/fashion-" + model + ".json");
            if (Files.isRegularFile(file)) return Files.readString(file);
            try (InputStream in = SparkJobs.class.getResourceAsStream("/ember/models/fashion-" + model + ".json")) {
                if (in == null) throw new IOException("model spec fashion-" + model + ".json is neither in conf/models/ nor on the classpath");
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        }
        Path file = Path.of(model);
        if (!Files.isRegularFile(file)) throw new UsageException("--model must be mlp, cnn or a model spec JSON file; no file " + file.toAbsolutePath());
        return Files.readString(file);
    }

    /** The short name of a model argument: "mlp", "cnn" or the spec file's name without ".json". */
    public static String modelName(String model) {
        String name = Path.of(model).getFileName().toString();
        return name.endsWith(".json") ? name.substring(0, name.length() - 5) : name;
    }

    /** Whether a Spark output directory is complete (it has the _SUCCESS marker). Local paths only. */
    public static boolean complete(String dir) { return Files.isRegularFile(Path.of(dir, "_SUCCESS")); }

    static double seconds(long startNanos) { return (System.nanoTime() - startNanos) / 1e9; }

    /** {@code --key value} (or {@code --key=value}) arguments, checked against the names a job accepts. */
    public static final class Args {
        private final Map<String, String> values = new LinkedHashMap<>();
        private final List<String> positional = new ArrayList<>();

        private Args() {}

        /** Parses {@code args}; an unknown {@code --key} or one without a value throws a {@link UsageException}. */
        public static Args parse(String[] args, Set<String> accepted, boolean allowPositional) {
            Args a = new Args();
            for (int i = 0; i < args.length; i++) {
                String arg = args[i];
                if (!arg.startsWith("--")) {
                    if (!allowPositional) throw new UsageException("unexpected argument '" + arg + "'");
                    a.positional.add(arg);
                    continue;
                }
                String key = arg.substring(2), value;
                int eq = key.indexOf('=');
                if (eq >= 0) {
                    value = key.substring(eq + 1);
                    key = key.substring(0, eq);
                } else {
                    if (i + 1 >= args.length) throw new UsageException("--" + key + " needs a value");
                    value = args[++i];
                }
                if (!accepted.contains(key)) throw new UsageException("unknown option --" + key + "; accepted: --" + String.join(", --", accepted));
                a.values.put(key, value);
            }
            return a;
        }

        public List<String> positional() { return positional; }

        public boolean has(String key) { return values.containsKey(key); }

        public String get(String key, String dflt) { return values.getOrDefault(key, dflt); }

        public String require(String key) {
            String v = values.get(key);
            if (v == null) throw new UsageException("--" + key + " is required");
            return v;
        }

        public int getInt(String key, int dflt) { return parse(key, dflt, Integer::parseInt, "an integer"); }

        public double getDouble(String key, double dflt) { return parse(key, dflt, Double::parseDouble, "a number"); }

        private <T> T parse(String key, T dflt, java.util.function.Function<String, T> parser, String what) {
            String v = values.get(key);
            try {
                return v == null ? dflt : parser.apply(v);
            } catch (NumberFormatException e) {
                throw new UsageException("--" + key + " must be " + what + ", got '" + v + "'");
            }
        }
    }

    /** A job's main body. */
    @FunctionalInterface
    interface Body {
        void run() throws Exception;
    }

    /** A job's work on its session with its parsed arguments. */
    @FunctionalInterface
    interface JobBody {
        void run(SparkSession spark, Args a) throws Exception;
    }

    /**
     * The main of a job that takes {@code --key value} options only: {@code args} checked against {@code options},
     * then {@code body} on spark-submit's session or an embedded one ({@code --master}, else local).
     */
    static void job(String appName, String usage, Set<String> options, String[] args, JobBody body) throws Exception {
        main(usage, () -> {
            Args a = Args.parse(args, options, false);
            withSession(appName, a.get("master", null), null, spark -> body.run(spark, a));
        });
    }

    /** Runs a job's main: a {@link UsageException} prints its message and the usage and exits with status 2. */
    static void main(String usage, Body body) throws Exception {
        try {
            body.run();
        } catch (UsageException e) {
            System.err.println(e.getMessage() + "\n\nusage: " + usage);
            System.exit(2);
        }
    }
}
