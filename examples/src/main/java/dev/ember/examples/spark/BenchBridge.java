package dev.ember.examples.spark;

import dev.ember.arrow.ArrowToTensor;
import dev.ember.arrow.ColumnarToTensor;
import dev.ember.arrow.Features;
import dev.ember.arrow.PartitionTensors;
import dev.ember.arrow.RowsToArrow;
import dev.ember.arrow.RowsToTensor;
import dev.ember.arrow.TensorBatch;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.execution.FileSourceScanExec;
import org.apache.spark.sql.execution.SparkPlan;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.ArrowUtils;
import org.apache.spark.sql.vectorized.ColumnarBatch;
import org.apache.spark.storage.StorageLevel;

/**
 * {@code examples/run bench-bridge [--rows N] [--partitions P] [--reps R] [--master URL]}: how fast cached Spark rows
 * of 784 floats become tensors through the bridge, per partition: directly (rows -> RowsToTensor -> heap tensors, what
 * {@link PartitionTensors#load} runs for these columns) and through Arrow (rows -> RowsToArrow -> ArrowToTensor), next
 * to two plain-Java copies of the same values measured in the same run:
 * <ul>
 *   <li>"Row API": {@code df.javaRDD()} and, per row, {@code Vector.toArray()} (or the {@code float} list) copied
 *       into a float[] batch: what a user would write;</li>
 *   <li>"InternalRow": the values read straight out of Spark's {@code UnsafeRow}s ({@code ArrayData.toFloatArray}
 *       / {@code toDoubleArray}) into a float[] batch: the fastest copy Java can make without Arrow.</li>
 * </ul>
 * Both feature forms are measured: a dense ML {@code Vector} column (doubles) and an {@code array<float>} column.
 * The same frames are then written to Parquet and read back: {@link ColumnarToTensor} on the scan's columnar batches
 * (what {@code transform} runs on Parquet) next to the InternalRow copy of the rows Spark makes of those batches.
 * Each task times only its own loop over the cached partition; the numbers are medians over the repetitions
 * after warm-up runs. A ratio above 1 means the bridge is faster.
 */
public final class BenchBridge {
    static final String USAGE = "bench-bridge [--rows N (60000)] [--partitions P (2)] [--reps R (5)] [--batch-rows B (4096)] [--master URL (local[2])]";
    static final int F = 784;

    private BenchBridge() {}

    public static void main(String[] args) throws Exception {
        SparkJobs.main(USAGE, () -> {
            SparkJobs.Args a = SparkJobs.Args.parse(args, Set.of("rows", "partitions", "reps", "batch-rows", "master"), false);
            int n = a.getInt("rows", 60_000), partitions = a.getInt("partitions", 2), reps = a.getInt("reps", 5), batchRows = a.getInt("batch-rows", 4096);
            SparkJobs.withSession("bench-bridge", a.get("master", null), "local[2]", spark -> run(spark, n, partitions, reps, batchRows));
        });
    }

    static void run(SparkSession spark, int n, int partitions, int reps, int batchRows) {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        List<int[]> ranges = new ArrayList<>();
        for (int p = 0; p < partitions; p++) ranges.add(new int[]{(int) ((long) n * p / partitions), (int) ((long) n * (p + 1) / partitions)});
        JavaRDD<Row> rows = jsc.parallelize(ranges, partitions).flatMap(r -> {
            List<Row> out = new ArrayList<>(r[1] - r[0]);
            for (int i = r[0]; i < r[1]; i++) out.add(RowFactory.create(Vectors.dense(pixels(i))));
            return out.iterator();
        });
        StructType schema = new StructType().add("features", SQLDataTypes.VectorType(), false);
        Dataset<Row> vectors = spark.createDataFrame(rows, schema).persist(StorageLevel.MEMORY_ONLY());
        Dataset<Row> arrays = vectors.select(org.apache.spark.ml.functions.vector_to_array(vectors.col("features"), "float32").as("features"))
                .persist(StorageLevel.MEMORY_ONLY());
        long t0 = System.nanoTime();
        long count = vectors.count() + arrays.count();
        System.out.printf(Locale.ROOT, "bench-bridge: %d rows x %d floats, %d partitions, %s, batches of %d rows; cached both frames in %.1f s (%d rows)%n",
                n, F, partitions, spark.sparkContext().master(), batchRows, SparkJobs.seconds(t0), count);
        System.out.printf(Locale.ROOT, "per-partition rates: median of %d runs after 2 warm-up runs; MB/s counts the float32 values delivered (4 bytes each)%n%n", reps);

        System.out.printf("%-30s %14s %10s %12s%n", "path", "rows/s/part", "MB/s/part", "job wall s");
        // The paths take turns, one run each per round, so a slower spell of a shared machine hits them alike.
        List<String> names = List.of("direct: Vector column", "via Arrow: Vector column", "Row API: Vector.toArray", "InternalRow: toDoubleArray",
                "direct: array<float> column", "via Arrow: array<float> column", "Row API: List<Float>", "InternalRow: toFloatArray");
        List<Pass> passes = List.of(() -> direct(vectors, true, batchRows), () -> bridge(vectors, true, batchRows),
                () -> rowApi(vectors, true, batchRows), () -> internal(vectors, true, batchRows),
                () -> direct(arrays, false, batchRows), () -> bridge(arrays, false, batchRows),
                () -> rowApi(arrays, false, batchRows), () -> internal(arrays, false, batchRows));
        // The same frames as Parquet: the columnar reader on the scan's batches next to the InternalRow copy of the
        // rows Spark makes of those batches (both times include reading the file).
        java.nio.file.Path dir = tempDir();
        vectors.write().parquet(dir.resolve("vectors").toString());
        arrays.write().parquet(dir.resolve("arrays").toString());
        Dataset<Row> vectorFile = spark.read().parquet(dir.resolve("vectors").toString()), arrayFile = spark.read().parquet(dir.resolve("arrays").toString());
        names = new ArrayList<>(names);
        names.addAll(List.of("columnar: Parquet Vector", "InternalRow: Parquet Vector", "columnar: Parquet array<float>", "InternalRow: Parquet array<float>"));
        passes = new ArrayList<>(passes);
        passes.addAll(List.of(() -> columnar(vectorFile, true, batchRows), () -> internal(vectorFile, true, batchRows),
                () -> columnar(arrayFile, false, batchRows), () -> internal(arrayFile, false, batchRows)));
        Rate[] rates = measure(names, passes, reps);
        Rate directVec = rates[0], bridgeVec = rates[1], rowVec = rates[2], internalVec = rates[3];
        Rate directArr = rates[4], bridgeArr = rates[5], rowArr = rates[6], internalArr = rates[7];
        System.out.printf(Locale.ROOT, "%nratios (bridge rows/s / reference rows/s; > 1: the bridge is faster)%n");
        ratios("Vector column", directVec, bridgeVec, rowVec, internalVec);
        ratios("array<float> column", directArr, bridgeArr, rowArr, internalArr);
        System.out.printf(Locale.ROOT, "  Parquet, columnar reader / InternalRow copy of the scan's rows: Vector %.2fx, array<float> %.2fx%n",
                rates[8].rowsPerSecond / rates[9].rowsPerSecond, rates[10].rowsPerSecond / rates[11].rowsPerSecond);
        vectors.unpersist();
        arrays.unpersist();
    }

    private static java.nio.file.Path tempDir() {
        try {
            java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("bench-bridge");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> org.apache.commons.io.FileUtils.deleteQuietly(dir.toFile())));
            return dir;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The Parquet scan's columnar batches, as transform reads them (below Spark's conversion to rows). */
    private static JavaRDD<ColumnarBatch> batches(Dataset<Row> file) {
        SparkPlan scan = scan(((org.apache.spark.sql.classic.Dataset<Row>) file).queryExecution().executedPlan());
        if (scan == null || !scan.supportsColumnar()) throw new IllegalStateException("no columnar Parquet scan in " + file.queryExecution().executedPlan());
        return scan.executeColumnar().toJavaRDD();
    }

    private static SparkPlan scan(SparkPlan plan) {
        if (plan instanceof FileSourceScanExec) return plan;
        for (SparkPlan c : scala.jdk.javaapi.CollectionConverters.asJava(plan.children())) {
            SparkPlan s = scan(c);
            if (s != null) return s;
        }
        return null;
    }

    /** ColumnarBatches -> ColumnarToTensor -> a list of TensorBatch. */
    static List<long[]> columnar(Dataset<Row> file, boolean vector, int batchRows) {
        StructType schema = file.schema();
        return batches(file).mapPartitions((FlatMapFunction<Iterator<ColumnarBatch>, long[]>) it -> {
            long t0 = System.nanoTime();
            Features features = vector ? Features.mlVector("features") : Features.array("features");
            return drain(new ColumnarToTensor(it, schema, batchRows, ArrowToTensor.builder(features).numFeatures(F).build()), t0);
        }).collect();
    }

    private static void ratios(String column, Rate direct, Rate arrow, Rate rowApi, Rate internal) {
        System.out.printf(Locale.ROOT, "  %-20s direct %.2fx the Row API copy, %.2fx the InternalRow copy; via Arrow %.2fx and %.2fx; direct / via Arrow %.2fx%n",
                column + ":", direct.rowsPerSecond / rowApi.rowsPerSecond, direct.rowsPerSecond / internal.rowsPerSecond,
                arrow.rowsPerSecond / rowApi.rowsPerSecond, arrow.rowsPerSecond / internal.rowsPerSecond, direct.rowsPerSecond / arrow.rowsPerSecond);
    }

    /** Fashion-MNIST-like values: about half zeros, the rest k/255. */
    static double[] pixels(int row) {
        SplittableRandom rnd = new SplittableRandom(0x5EED + row);
        double[] v = new double[F];
        for (int j = 0; j < F; j++) v[j] = rnd.nextInt(2) == 0 ? 0 : rnd.nextInt(1, 256) / 255f;
        return v;
    }

    record Rate(double rowsPerSecond, double wallSeconds) {}

    /** One pass: per partition {partition, rows, nanos, checksum bits}. */
    interface Pass {
        List<long[]> run();
    }

    /** Runs every pass twice to warm up, then {@code reps} rounds of one run each; prints and returns each pass's medians. */
    static Rate[] measure(List<String> names, List<Pass> passes, int reps) {
        int k = passes.size();
        for (int w = 0; w < 2; w++) for (Pass pass : passes) pass.run();
        double[][] rates = new double[k][reps], walls = new double[k][reps], shares = new double[k][reps];
        for (int r = 0; r < reps; r++) {
            for (int i = 0; i < k; i++) {
                long t0 = System.nanoTime();
                List<long[]> parts = passes.get(i).run();
                walls[i][r] = SparkJobs.seconds(t0);
                double sum = 0, arrow = 0, all = 0;
                for (long[] p : parts) {
                    sum += p[1] / (p[2] / 1e9);
                    if (p.length > 4) { arrow += p[4]; all += p[2]; }
                }
                rates[i][r] = sum / parts.size();
                shares[i][r] = all > 0 ? arrow / all : Double.NaN;
            }
        }
        Rate[] out = new Rate[k];
        for (int i = 0; i < k; i++) {
            out[i] = new Rate(median(rates[i]), median(walls[i]));
            double share = median(shares[i]);
            System.out.printf(Locale.ROOT, "%-30s %14.0f %10.1f %12.3f%s%n", names.get(i), out[i].rowsPerSecond, out[i].rowsPerSecond * F * 4 / 1e6,
                    out[i].wallSeconds, Double.isNaN(share) ? "" : String.format(Locale.ROOT, "   (%.0f%% in RowsToArrow, %.0f%% in ArrowToTensor)",
                            100 * share, 100 * (1 - share)));
        }
        return out;
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private static JavaRDD<InternalRow> internalRows(Dataset<Row> df) {
        return ((org.apache.spark.sql.classic.Dataset<Row>) df).queryExecution().toRdd().toJavaRDD();
    }

    /**
     * Rows -> RowsToArrow -> ArrowToTensor -> a list of TensorBatch, as {@link PartitionTensors#load} (and so the estimator)
     * does it, written out here to time the two stages apart: per partition {partition, rows, nanos, check, nanos in RowsToArrow}.
     */
    static List<long[]> bridge(Dataset<Row> df, boolean vector, int batchRows) {
        StructType schema = df.schema();
        return internalRows(df).mapPartitions((FlatMapFunction<Iterator<InternalRow>, long[]>) it -> {
            long t0 = System.nanoTime();
            long rows = 0, check = 0, arrowNanos = 0;
            Features features = vector ? Features.mlVector("features") : Features.array("features");
            ArrowToTensor converter = ArrowToTensor.builder(features).numFeatures(F).build();
            List<TensorBatch> batches = new ArrayList<>();
            try (BufferAllocator allocator = ArrowUtils.rootAllocator().newChildAllocator("bench-bridge", 0, Long.MAX_VALUE);
                 RowsToArrow arrow = new RowsToArrow(it, schema, batchRows, allocator)) {
                while (arrow.hasNext()) {
                    long a0 = System.nanoTime();
                    VectorSchemaRoot root = arrow.next();
                    arrowNanos += System.nanoTime() - a0;
                    TensorBatch b = converter.convert(root);
                    batches.add(b);
                    rows += b.size();
                    check += lastValueBits(b);
                }
            }
            return List.of(new long[]{TaskContext.getPartitionId(), rows, System.nanoTime() - t0, check + batches.size(), arrowNanos}).iterator();
        }).collect();
    }

    /** Rows -> RowsToTensor -> a list of TensorBatch: what {@link PartitionTensors#load} (and so the estimator) runs for these columns. */
    static List<long[]> direct(Dataset<Row> df, boolean vector, int batchRows) {
        StructType schema = df.schema();
        return internalRows(df).mapPartitions((FlatMapFunction<Iterator<InternalRow>, long[]>) it -> {
            long t0 = System.nanoTime();
            Features features = vector ? Features.mlVector("features") : Features.array("features");
            return drain(new RowsToTensor(it, schema, batchRows, ArrowToTensor.builder(features).numFeatures(F).build()), t0);
        }).collect();
    }

    /** Reads every batch into a list (as the fit keeps them): {partition, rows, nanos since t0, check}. */
    private static Iterator<long[]> drain(Iterator<TensorBatch> reader, long t0) {
        long rows = 0, check = 0;
        List<TensorBatch> batches = new ArrayList<>();
        while (reader.hasNext()) {
            TensorBatch b = reader.next();
            batches.add(b);
            rows += b.size();
            check += lastValueBits(b);
        }
        return List.of(new long[]{TaskContext.getPartitionId(), rows, System.nanoTime() - t0, check + batches.size()}).iterator();
    }

    /** The batch's last value, read in place (a {@code toFloatArray} would copy the whole batch, which the references do not). */
    private static int lastValueBits(TensorBatch b) {
        return b.size() == 0 ? 0 : Float.floatToRawIntBits(b.features().storage().floats()[b.size() * F - 1]);
    }

    /** The user's way: external Rows, each Vector's (or float list's) values copied into a float[] batch. */
    static List<long[]> rowApi(Dataset<Row> df, boolean vector, int batchRows) {
        return df.javaRDD().mapPartitions((FlatMapFunction<Iterator<Row>, long[]>) it -> {
            long t0 = System.nanoTime();
            Batches out = new Batches(batchRows);
            while (it.hasNext()) {
                Row row = it.next();
                float[] dst = out.slot();
                int at = out.offset();
                if (vector) {
                    double[] v = ((Vector) row.get(0)).toArray();
                    for (int j = 0; j < F; j++) dst[at + j] = (float) v[j];
                } else {
                    List<Float> v = row.getList(0);
                    for (int j = 0; j < F; j++) dst[at + j] = v.get(j);
                }
                out.advance();
            }
            return List.of(out.result(System.nanoTime() - t0)).iterator();
        }).collect();
    }

    /** The fastest plain copy: values straight out of the UnsafeRows, bulk-copied per row. */
    static List<long[]> internal(Dataset<Row> df, boolean vector, int batchRows) {
        return internalRows(df).mapPartitions((FlatMapFunction<Iterator<InternalRow>, long[]>) it -> {
            long t0 = System.nanoTime();
            Batches out = new Batches(batchRows);
            while (it.hasNext()) {
                InternalRow row = it.next();
                float[] dst = out.slot();
                int at = out.offset();
                if (vector) {
                    ArrayData values = row.getStruct(0, 4).getArray(3); // VectorUDT: type, size, indices, values
                    double[] v = values.toDoubleArray();
                    for (int j = 0; j < F; j++) dst[at + j] = (float) v[j];
                } else {
                    System.arraycopy(row.getArray(0).toFloatArray(), 0, dst, at, F);
                }
                out.advance();
            }
            return List.of(out.result(System.nanoTime() - t0)).iterator();
        }).collect();
    }

    /** float[] batches of {@code batchRows} rows, like the bridge's tensors, so both sides allocate alike. */
    static final class Batches implements Serializable {
        private static final long serialVersionUID = 1L;
        private final int batchRows;
        private float[] current;
        private int inBatch;
        private long rows, check;

        Batches(int batchRows) { this.batchRows = batchRows; }

        float[] slot() {
            if (current == null || inBatch == batchRows) {
                if (current != null) check += Float.floatToRawIntBits(current[current.length - 1]);
                current = new float[batchRows * F];
                inBatch = 0;
            }
            return current;
        }

        int offset() { return inBatch * F; }

        void advance() {
            inBatch++;
            rows++;
        }

        long[] result(long nanos) { return new long[]{TaskContext.getPartitionId(), rows, nanos, check}; }
    }
}
