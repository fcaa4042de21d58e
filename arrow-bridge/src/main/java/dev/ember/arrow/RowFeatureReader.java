package dev.ember.arrow;

import org.apache.spark.sql.catalyst.InternalRow;

/**
 * Reads one Spark row's features into a float32 row-major buffer, with the same checks and messages as the
 * {@link FeatureReader} of the same layout, so a batch read from rows equals one read through Arrow.
 */
interface RowFeatureReader {

    /** As {@link FeatureReader#read}: writes {@code numFeatures} values at {@code dst[off]}; {@code null} for a good row. */
    InvalidValue read(InternalRow row, float[] dst, int off, int numFeatures);
}
