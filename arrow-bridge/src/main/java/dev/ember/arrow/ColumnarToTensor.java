package dev.ember.arrow;

import java.util.Iterator;
import java.util.NoSuchElementException;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.vectorized.ColumnarBatch;

/**
 * Reads a partition's {@code ColumnarBatch}es (Parquet's vectorized reader, the in-memory columnar cache, Arrow-backed
 * sources) straight into tensor batches, without making rows. When a tensor batch's rows are all good dense Vectors or
 * float/double arrays lying back to back in Spark's column vectors, their values are one slice of the values' child
 * vector, copied in bulk ({@code getFloats}/{@code getDoubles}); otherwise (sparse vectors, nulls, bad rows, other
 * layouts) each row is read through a view of the batch ({@code ColumnarBatch.getRow}) by {@link RowsToTensor}'s
 * readers. Either way the features, labels, skips and messages are those of {@link RowsToTensor} on the same rows,
 * so {@link #supports} is the same too.
 *
 * <p>A tensor batch never spans two columnar batches (a source may reuse a batch's memory for the next): it holds at
 * most {@code batchRows} rows, fewer at a columnar batch's end. Until the next {@link #next()}, {@link #row(int)}
 * gives the rows it was read from, skipped ones included, for callers that pass columns through.
 */
public final class ColumnarToTensor implements Iterator<TensorBatch> {
    private final Iterator<ColumnarBatch> batches;
    private final int batchRows;
    private final RowsToTensor reader;
    private final RowFeatureReader features;
    private ColumnarBatch current;
    /** The rows of {@link #current} read so far, and the first row of the last tensor batch. */
    private int read, start;
    /** Where the tensor batch being read stops. */
    private int end;

    /** @throws IllegalArgumentException when {@link #supports} is false for this schema and converter */
    public ColumnarToTensor(Iterator<ColumnarBatch> batches, StructType schema, int batchRows, ArrowToTensor converter) {
        this.batches = batches;
        this.batchRows = batchRows;
        this.reader = new RowsToTensor(new Rows(), schema, batchRows, converter);
        this.features = converter.features().bindRows(schema);
    }

    /** As {@link RowsToTensor#supports}: the same layouts. */
    public static boolean supports(StructType schema, ArrowToTensor converter) { return RowsToTensor.supports(schema, converter); }

    @Override
    public boolean hasNext() {
        while (current == null || read == current.numRows()) {
            if (!batches.hasNext()) return false;
            current = batches.next();
            read = 0;
        }
        return true;
    }

    /** Reads the next rows of the current columnar batch; the tensor batch holds fewer when rows were skipped (possibly none). */
    @Override
    public TensorBatch next() {
        if (!hasNext()) throw new NoSuchElementException();
        start = read;
        end = Math.min(current.numRows(), read + batchRows);
        return reader.next((x, f) -> features.readBlock(current, start, end - start, x, f));
    }

    /** The rows the last tensor batch was read from. */
    public int rowsRead() { return read - start; }

    /** Row {@code i} of the last tensor batch's rows: a view valid until the next {@link #next()}. */
    public InternalRow row(int i) {
        if (i < 0 || i >= rowsRead()) throw new IndexOutOfBoundsException("row " + i + " of " + rowsRead());
        return current.getRow(start + i);
    }

    /** The rows from {@code start} to {@code end} of the current batch, for the row reader. */
    private final class Rows implements Iterator<InternalRow> {
        @Override public boolean hasNext() { return current != null && read < end; }
        @Override public InternalRow next() { return current.getRow(read++); }
    }
}
