package dev.ember.spark;

import dev.ember.arrow.ArrowToTensor;
import dev.ember.arrow.ColumnarToTensor;
import dev.ember.arrow.PartitionTensors;
import dev.ember.arrow.RowsToTensor;
import dev.ember.arrow.TensorBatch;
import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.execution.SparkPlan;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.ArrowUtils;
import org.apache.spark.sql.vectorized.ColumnarBatch;

/**
 * Where a fit reads its training rows from. When the rows are a columnar scan's batches turned into rows (Parquet's
 * vectorized reader, nothing in between) and {@link ColumnarToTensor} reads their layout, the fit reads the batches
 * themselves: no row is made. Otherwise Spark's rows, read by {@link RowsToTensor} or, for layouts only Arrow reads,
 * through Arrow. All three give the same tensors, so the same fit.
 */
final class FitRows {
    enum Path {
        COLUMNAR("straight from the scan's columnar batches (ColumnarToTensor)"),
        ROWS("straight from Spark's rows (RowsToTensor)"),
        ARROW("through Arrow (RowsToArrow, ArrowToTensor)");

        final String description;

        Path(String description) { this.description = description; }
    }

    /**
     * The columns {@code names} of {@code ds}, repartitioned to {@code workers} when that is not already its number of
     * partitions (0: keep them). One worker takes the partitions one after another (a coalesce): all rows, in the
     * input's order, without a shuffle. Without a repartition the columns keep the dataset's own order: a select that
     * only reorders would leave a projection between the scan and the fit, and the fit would read rows instead of the
     * scan's batches. With one they are in the order given: the round-robin repartition sorts rows by their bytes
     * first, so the order decides which rows each worker gets, and fits stay what they were.
     */
    static Dataset<Row> columns(Dataset<?> ds, int workers, String... names) {
        Dataset<Row> given = ds.select(Arrays.stream(names).map(ds::col).toArray(Column[]::new));
        int partitions = partitions(given);
        if (workers == 1 && partitions > 1) return given.coalesce(1);
        if (workers > 0 && partitions != workers) return given.repartition(workers);
        List<String> wanted = List.of(names);
        Column[] inOrder = Arrays.stream(ds.columns()).filter(wanted::contains).map(ds::col).toArray(Column[]::new);
        return inOrder.length == names.length ? ds.select(inOrder) : given;
    }

    /**
     * The partitions of {@code ds}'s plan, from the RDD the fit then reads ({@code toRdd}, planned once per Dataset). Not
     * {@code ds.rdd()}: that plans the query again with a conversion to {@code Row}s, and runs a repartition's shuffle
     * a second time.
     */
    private static int partitions(Dataset<Row> ds) {
        return ((org.apache.spark.sql.classic.Dataset<Row>) ds).queryExecution().toRdd().getNumPartitions();
    }

    /** Each partition's converter; it goes to the executors. */
    interface Converters extends Serializable {
        ArrowToTensor of(int partition);
    }

    private final Dataset<Row> df;
    /** The columnar scan the rows come from, when the fit reads its batches; else null. */
    private final SparkPlan scan;
    final Path path;
    final Converters converters;

    /** @param converters the partitions' converters: their columns decide which layouts the readers take */
    FitRows(Dataset<Row> df, Converters converters) {
        this.df = df;
        this.converters = converters;
        ArrowToTensor converter = converters.of(0);
        SparkPlan source = InferenceExec.columnarSource(((org.apache.spark.sql.classic.Dataset<Row>) df).queryExecution().executedPlan());
        this.scan = source != null && ColumnarToTensor.supports(InferencePlan.schemaOf(source.output()), converter) ? source : null;
        this.path = scan != null ? Path.COLUMNAR : RowsToTensor.supports(df.schema(), converter) ? Path.ROWS : Path.ARROW;
    }

    /** The number of partitions, so of workers. */
    int partitions() { return scan != null ? scan.executeColumnar().getNumPartitions() : partitions(df); }

    /** One partition's rows, read once into tensor batches by the partition's converter. */
    interface Reader {
        void read(ArrowToTensor converter, Consumer<TensorBatch> sink);
    }

    /** Makes a partition's one result (on the executor) from its rows. */
    interface BuildPartition<T> extends Serializable {
        T build(int partition, Reader rows) throws Exception;
    }

    /** One result per partition, built from its rows by {@code build}. */
    <T> JavaRDD<T> mapPartitions(int batchRows, BuildPartition<T> build) {
        if (scan != null) {
            StructType schema = InferencePlan.schemaOf(scan.output());
            return scan.executeColumnar().toJavaRDD().mapPartitionsWithIndex((partition, batches) -> List.of(build.build(partition,
                    (converter, sink) -> PartitionTensors.forEachColumnar(batches, schema, batchRows, converter, sink))).iterator(), true);
        }
        StructType schema = df.schema();
        JavaRDD<InternalRow> rows = ((org.apache.spark.sql.classic.Dataset<Row>) df).queryExecution().toRdd().toJavaRDD();
        return rows.mapPartitionsWithIndex((partition, it) -> List.of(build.build(partition, (converter, sink) -> {
            try (BufferAllocator allocator = ArrowUtils.rootAllocator().newChildAllocator("ember-fit-" + partition, 0, Long.MAX_VALUE)) {
                PartitionTensors.forEach(it, schema, batchRows, converter, allocator, sink);
            }
        })).iterator(), true);
    }
}
