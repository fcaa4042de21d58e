package dev.ember.spark;

import java.io.Serializable;

/**
 * A partition's feature rows ({@code numFeatures} float32 values each), cut into chunks of {@code chunkRows}
 * rows so that no chunk needs more than one Java array or one mapped file: a partition may hold more than
 * 2^31 values. Row {@code r} is row {@code r % chunkRows} of chunk {@code r / chunkRows}.
 */
sealed interface FeatureChunks extends Serializable permits HeapChunks, FileChunks {
    int numFeatures();

    /** Copies row {@code row}'s values to {@code dst[off, off + numFeatures)}. */
    void copyRow(int row, float[] dst, int off);

    /** Bytes of feature values held (in the heap or in local files). */
    long bytes();

    /** Where the values are: {@code "memory"} or {@code "disk"}, as {@link CacheStorage} names them. */
    String storage();
}
