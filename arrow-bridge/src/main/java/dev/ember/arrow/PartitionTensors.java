package dev.ember.arrow;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.types.StructType;

/** The whole row-to-tensor path for one partition: rows, Arrow batches, heap tensor batches. */
public final class PartitionTensors {
    private PartitionTensors() {}

    /**
     * Reads every row of the partition into tensor batches of at most {@code batchRows} rows
     * (fewer when rows were skipped; batches left empty by skipping are dropped). All Arrow
     * memory is released before this returns, also on error.
     */
    public static List<TensorBatch> load(Iterator<InternalRow> rows, StructType schema, int batchRows,
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
