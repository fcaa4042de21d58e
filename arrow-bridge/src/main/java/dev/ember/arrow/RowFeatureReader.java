package dev.ember.arrow;

import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.vectorized.ColumnarBatch;

/**
 * Reads one Spark row's features into a float32 row-major buffer, with the same checks and messages as the
 * {@link FeatureReader} of the same layout, so a batch read from rows equals one read through Arrow.
 */
interface RowFeatureReader {

    /** As {@link FeatureReader#read}: writes {@code numFeatures} values at {@code dst[off]}; {@code null} for a good row. */
    InvalidValue read(InternalRow row, float[] dst, int off, int numFeatures);

    /**
     * Reads rows {@code [from, from + n)} of a columnar batch at once, row i at {@code dst[(i - from) * numFeatures]},
     * when every one of them is a good row this reader can read as a block; false otherwise ({@code dst} may then
     * hold garbage, and each row is read through {@link #read}, which finds the first bad one and its message).
     */
    default boolean readBlock(ColumnarBatch batch, int from, int n, float[] dst, int numFeatures) { return false; }
}
