package dev.ember.arrow;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.Consumer;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.vectorized.ColumnarBatch;

/** The whole row-to-tensor path for one partition: rows or columnar batches to heap tensor batches, directly or through Arrow batches. */
public final class PartitionTensors {
    private PartitionTensors() {}

    /**
     * Reads every row of the partition into tensor batches of at most {@code batchRows} rows
     * (fewer when rows were skipped; batches left empty by skipping are dropped): straight from
     * the rows where {@link RowsToTensor#supports} says so, else through Arrow. All Arrow
     * memory is released before this returns, also on error.
     */
    public static List<TensorBatch> load(Iterator<InternalRow> rows, StructType schema, int batchRows,
                                         ArrowToTensor converter, BufferAllocator allocator) {
        List<TensorBatch> batches = new ArrayList<>();
        forEach(rows, schema, batchRows, converter, allocator, batches::add);
        return batches;
    }

    /**
     * As {@link #load}, handing each batch to {@code sink} as soon as it is read instead of keeping them all:
     * a partition larger than memory passes through one batch at a time.
     */
    public static void forEach(Iterator<InternalRow> rows, StructType schema, int batchRows, ArrowToTensor converter,
                               BufferAllocator allocator, Consumer<TensorBatch> sink) {
        if (!RowsToTensor.supports(schema, converter)) {
            forEachThroughArrow(rows, schema, batchRows, converter, allocator, sink);
            return;
        }
        RowsToTensor direct = new RowsToTensor(rows, schema, batchRows, converter);
        while (direct.hasNext()) {
            TensorBatch batch = direct.next();
            if (batch.size() > 0) sink.accept(batch);
        }
    }

    /**
     * As {@link #forEach}, over a partition's columnar batches (Parquet's vectorized reader) read by {@link ColumnarToTensor}
     * without making rows: the same rows and values, in batches that never span two columnar batches.
     *
     * @throws IllegalArgumentException when {@link ColumnarToTensor#supports} is false for this schema and converter
     */
    public static void forEachColumnar(Iterator<ColumnarBatch> columnar, StructType schema, int batchRows, ArrowToTensor converter,
                                       Consumer<TensorBatch> sink) {
        ColumnarToTensor reader = new ColumnarToTensor(columnar, schema, batchRows, converter);
        while (reader.hasNext()) {
            TensorBatch batch = reader.next();
            if (batch.size() > 0) sink.accept(batch);
        }
    }

    /** As {@link #load}, always through Arrow ({@link RowsToArrow}, Spark's {@code ArrowWriter}): the reference path. */
    public static List<TensorBatch> loadThroughArrow(Iterator<InternalRow> rows, StructType schema, int batchRows,
                                                     ArrowToTensor converter, BufferAllocator allocator) {
        List<TensorBatch> batches = new ArrayList<>();
        forEachThroughArrow(rows, schema, batchRows, converter, allocator, batches::add);
        return batches;
    }

    private static void forEachThroughArrow(Iterator<InternalRow> rows, StructType schema, int batchRows, ArrowToTensor converter,
                                            BufferAllocator allocator, Consumer<TensorBatch> sink) {
        try (RowsToArrow arrow = new RowsToArrow(rows, schema, batchRows, allocator)) {
            while (arrow.hasNext()) {
                TensorBatch batch = converter.convert(arrow.next());
                if (batch.size() > 0) sink.accept(batch);
            }
        }
    }
}
