package dev.ember.arrow;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.types.StructType;

/** The whole row-to-tensor path for one partition: rows to heap tensor batches, directly or through Arrow batches. */
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
        if (!RowsToTensor.supports(schema, converter)) return loadThroughArrow(rows, schema, batchRows, converter, allocator);
        List<TensorBatch> batches = new ArrayList<>();
        RowsToTensor direct = new RowsToTensor(rows, schema, batchRows, converter);
        while (direct.hasNext()) {
            TensorBatch batch = direct.next();
            if (batch.size() > 0) batches.add(batch);
        }
        return batches;
    }

    /** As {@link #load}, always through Arrow ({@link RowsToArrow}, Spark's {@code ArrowWriter}): the reference path. */
    public static List<TensorBatch> loadThroughArrow(Iterator<InternalRow> rows, StructType schema, int batchRows,
                                                     ArrowToTensor converter, BufferAllocator allocator) {
        List<TensorBatch> batches = new ArrayList<>();
        try (RowsToArrow arrow = new RowsToArrow(rows, schema, batchRows, allocator)) {
            while (arrow.hasNext()) {
                TensorBatch batch = converter.convert(arrow.next());
                if (batch.size() > 0) batches.add(batch);
            }
        }
        return batches;
    }
}
