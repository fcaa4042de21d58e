package dev.ember.spark;

/** Feature chunks as float arrays on the executor's heap: the fast path, for partitions that fit in memory. */
record HeapChunks(float[][] chunks, int chunkRows, int numFeatures) implements FeatureChunks {
    @Override public void copyRow(int row, float[] dst, int off) {
        System.arraycopy(chunks[row / chunkRows], (row % chunkRows) * numFeatures, dst, off, numFeatures);
    }

    @Override public long bytes() {
        long n = 0;
        for (float[] c : chunks) n += 4L * c.length;
        return n;
    }

    @Override public String storage() { return CacheStorage.MEMORY; }
}
