package dev.ember.arrow;

import java.util.Iterator;
import java.util.NoSuchElementException;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.types.StructType;

/**
 * Reads one partition's {@code InternalRow}s straight into tensor batches of at most {@code batchRows} rows,
 * without Arrow: the values are copied out of Spark's {@code UnsafeRow}s ({@code UnsafeArrayData}: one bulk copy
 * per float row). The batches, skipped rows and errors are those of {@link RowsToArrow} + {@link ArrowToTensor}
 * on the same rows, which stays the path for layouts this one does not read ({@link #supports}).
 *
 * <p>Each {@link #next()} reads the next {@code batchRows} rows (fewer at the end) through the converter, which
 * counts rows and skips across batches as it does for Arrow batches.
 */
public final class RowsToTensor implements Iterator<TensorBatch> {
    private final Iterator<InternalRow> rows;
    private final int batchRows;
    private final ArrowToTensor converter;
    private final RowFeatureReader features;
    private final int labelOrdinal;
    private final NumericColumn.Kind labelKind;

    /** @throws IllegalArgumentException when {@link #supports} is false for this schema and converter */
    public RowsToTensor(Iterator<InternalRow> rows, StructType schema, int batchRows, ArrowToTensor converter) {
        if (batchRows < 1) throw new IllegalArgumentException("batchRows must be positive, got " + batchRows);
        if (!supports(schema, converter)) {
            throw new IllegalArgumentException("RowsToTensor cannot read " + converter.features() + " from " + schema.simpleString()
                    + (converter.numFeatures() == 0 ? " without numFeatures" : "") + ": use RowsToArrow");
        }
        this.rows = rows;
        this.batchRows = batchRows;
        this.converter = converter;
        this.features = converter.features().bindRows(schema);
        Labels labels = converter.labels();
        this.labelOrdinal = labels == null ? -1 : Features.ordinal(schema, labels.column());
        this.labelKind = labels == null ? null : RowValues.kindOf(schema.fields()[labelOrdinal].dataType());
    }

    /**
     * Whether the rows can be read directly: an ML Vector, a numeric array or numeric columns for features, a numeric
     * label column, and F known before the first row (given, or fixed by the columns).
     */
    public static boolean supports(StructType schema, ArrowToTensor converter) {
        if (converter.numFeatures() == 0 || converter.features().bindRows(schema) == null) return false;
        Labels labels = converter.labels();
        if (labels == null) return true;
        int i = Features.ordinal(schema, labels.column());
        return i >= 0 && RowValues.kindOf(schema.fields()[i].dataType()) != null;
    }

    @Override
    public boolean hasNext() { return rows.hasNext(); }

    /** Reads the next 1 to batchRows rows; the batch holds fewer when rows were skipped (possibly none). */
    @Override
    public TensorBatch next() { return next(null); }

    /** As {@link #next()}, with {@code block} reading the features of all the batch's rows at once where it can. */
    TensorBatch next(FeatureBlock block) {
        if (!rows.hasNext()) throw new NoSuchElementException();
        return converter.fill(batchRows, new ArrowToTensor.BatchRows() {
            private int n;
            private InternalRow row;
            @Override public boolean advance() {
                if (n == batchRows || !rows.hasNext()) return false;
                row = rows.next();
                n++;
                return true;
            }
            @Override public InvalidValue readFeatures(float[] dst, int off, int f) { return features.read(row, dst, off, f); }
            @Override public boolean readAllFeatures(float[] x, int f) { return block != null && block.read(x, f); }
            @Override public InvalidValue readLabel(Labels.Sink sink, int slot) {
                if (row.isNullAt(labelOrdinal)) return new InvalidValue(converter.labels().column(), "null");
                return sink.put(slot, RowValues.get(row, labelOrdinal, labelKind), RowValues.integral(labelKind));
            }
        });
    }

    /** The features of the next batch's rows read as one block: {@link ArrowToTensor.BatchRows#readAllFeatures}. */
    interface FeatureBlock {
        boolean read(float[] x, int f);
    }
}
