package dev.ember.arrow;

import java.util.Iterator;
import java.util.NoSuchElementException;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.execution.arrow.ArrowWriter;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.ArrowUtils;

/**
 * Writes one partition's {@code InternalRow}s into Arrow record batches of at most
 * {@code batchRows} rows, with Spark's own writer ({@code ArrowUtils.toArrowSchema} +
 * {@code ArrowWriter}, Spark-internal but public in bytecode; no SparkSession needed).
 *
 * <p>{@link #next()} returns the same {@link VectorSchemaRoot} each time, refilled: consume it
 * (e.g. {@link ArrowToTensor#convert}) before the next call. Rows are copied into Arrow as they
 * are read, so Spark's reused {@code UnsafeRow}s are safe. All Arrow memory lives in a child
 * allocator that {@link #close()} releases; closing it throws if anything leaked.
 *
 * <p>Select only the columns you need before ({@code df.select(...)}): every column is written.
 */
public final class RowsToArrow implements Iterator<VectorSchemaRoot>, AutoCloseable {
    private final Iterator<InternalRow> rows;
    private final int batchRows;
    private final BufferAllocator allocator;
    private final VectorSchemaRoot root;
    private final ArrowWriter writer;

    /** Same as the full constructor with time zone "UTC" (only matters for timestamp columns). */
    public RowsToArrow(Iterator<InternalRow> rows, StructType schema, int batchRows, BufferAllocator parent) {
        this(rows, schema, batchRows, parent, "UTC");
    }

    /**
     * @param parent     allocator to hang this converter's child allocator on
     * @param timeZoneId the session time zone, for timestamp columns
     */
    public RowsToArrow(Iterator<InternalRow> rows, StructType schema, int batchRows, BufferAllocator parent, String timeZoneId) {
        if (batchRows < 1) throw new IllegalArgumentException("batchRows must be positive, got " + batchRows);
        this.rows = rows;
        this.batchRows = batchRows;
        this.allocator = parent.newChildAllocator("RowsToArrow", 0, Long.MAX_VALUE);
        VectorSchemaRoot r = null;
        try {
            // errorOnDuplicatedFieldNames = true: a name must find exactly one vector; largeVarTypes = false.
            r = VectorSchemaRoot.create(ArrowUtils.toArrowSchema(schema, timeZoneId, true, false), allocator);
            this.writer = ArrowWriter.create(r);
            this.root = r;
        } catch (RuntimeException | Error e) {
            if (r != null) r.close();
            allocator.close();
            throw e;
        }
    }

    @Override
    public boolean hasNext() { return rows.hasNext(); }

    /** Fills the root with the next batch (1 to batchRows rows) and returns it. */
    @Override
    public VectorSchemaRoot next() {
        if (!rows.hasNext()) throw new NoSuchElementException();
        writer.reset();
        int n = 0;
        while (n < batchRows && rows.hasNext()) {
            writer.write(rows.next());
            n++;
        }
        writer.finish(); // sets the value counts and the root's row count
        return root;
    }

    /** The Arrow schema of the batches. */
    public org.apache.arrow.vector.types.pojo.Schema arrowSchema() { return root.getSchema(); }

    @Override
    public void close() {
        try {
            root.close();
        } finally {
            allocator.close();
        }
    }
}
