package dev.ember.spark;

import dev.ember.arrow.TensorBatch;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Builds one partition's {@link PartitionData} from its batches as they are read: the feature values go into
 * chunks of at most {@link #chunkValues} values, kept on the heap while their bytes stay within the budget; the
 * first chunk past it moves every chunk to local files ({@link FileChunks}) and the rest follow it there. So the
 * heap never holds more than the budget plus one chunk, whatever the partition's size. Labels (one value a row,
 * 1/F of the features) stay on the heap.
 */
final class RowChunks implements AutoCloseable {
    /** Values per chunk: 16 MiB of float32, small beside an executor, large enough that chunks are few. Tests shrink it. */
    static int chunkValues = 1 << 22;
    private static final int FIRST_CHUNK_ROWS = 1024;
    /** Most rows a read batch takes: its arrays are allocated whole, however few rows a partition has. */
    static final int MAX_BATCH_ROWS = 16_384;

    private final int numFeatures, chunkRows;
    private final long budget;
    private final Path fileDir;
    private final boolean classification;
    private final List<float[]> held = new ArrayList<>();
    private long heldBytes;
    private FileChunks.Writer files; // set once the chunks went to disk
    private float[] chunk;           // the chunk being filled: grows up to chunkRows rows
    private int filled, rows;
    private long[] classes = new long[0];
    private float[] targets = new float[0];

    /**
     * @param budget  heap bytes of feature values this partition may keep ({@code Long.MAX_VALUE}: all, 0: none)
     * @param fileDir where the chunk files go, if any
     */
    RowChunks(int numFeatures, boolean classification, long budget, Path fileDir) {
        this.numFeatures = numFeatures;
        this.classification = classification;
        this.chunkRows = chunkRows(numFeatures, chunkValues);
        this.budget = budget;
        this.fileDir = fileDir;
    }

    /** Rows per chunk: as many whole rows as {@code maxValues} holds, at least one (a wider row is a chunk of its own). */
    static int chunkRows(int numFeatures, int maxValues) { return Math.max(1, maxValues / numFeatures); }

    /**
     * Rows per batch for the reader to hand to {@link #add}: a whole chunk when that is at most {@value #MAX_BATCH_ROWS}
     * rows, so each full batch's values become a chunk as they are, without a second copy; else {@value #MAX_BATCH_ROWS}.
     */
    static int batchRows(int numFeatures) { return Math.min(MAX_BATCH_ROWS, chunkRows(numFeatures, chunkValues)); }

    void add(TensorBatch batch) {
        int n = batch.size(), f = numFeatures;
        float[] x = batch.features().toFloatArray(); // a fresh copy, ours to keep
        if (x.length != (long) n * f) throw new IllegalArgumentException("a batch of " + n + " rows has " + x.length + " feature values, expected " + n + " x " + f);
        int total = Math.addExact(rows, n); // rows are counted in int: a partition holds fewer than 2^31 rows
        if (classification) classes = append(classes, batch.labels().toLongArray(), rows, total);
        else targets = append(targets, batch.labels().toFloatArray(), rows, total);
        if (filled == 0 && n <= chunkRows) {
            chunk = x; // the batch's copy starts the chunk: a full batch becomes a chunk without a second copy
            filled = n;
            if (filled == chunkRows) flush();
            rows = total;
            return;
        }
        for (int i = 0; i < n; ) {
            int take = Math.min(n - i, chunkRows - filled);
            ensureCapacity(filled + take);
            System.arraycopy(x, i * f, chunk, filled * f, take * f);
            filled += take;
            i += take;
            if (filled == chunkRows) flush();
        }
        rows = total;
    }

    /** The partition's data; after this the files, if any, belong to it. */
    PartitionData finish(int partition, long skipped) {
        if (filled > 0) flush();
        FeatureChunks features = files != null ? files.finish() : new HeapChunks(held.toArray(new float[0][]), chunkRows, numFeatures);
        return new PartitionData(partition, features, classification ? Arrays.copyOf(classes, rows) : null,
                classification ? null : Arrays.copyOf(targets, rows), rows, skipped);
    }

    /** Deletes written files that {@link #finish} did not hand on (a load that failed half way). */
    @Override public void close() {
        if (files != null) files.close();
    }

    private void ensureCapacity(int rowsNeeded) {
        int capacity = chunk == null ? 0 : chunk.length / numFeatures;
        if (rowsNeeded <= capacity) return;
        // Grow by doubling up to a whole chunk, so a small partition does not take a whole chunk's memory.
        int grown = Math.min(chunkRows, Math.max(rowsNeeded, Math.max(FIRST_CHUNK_ROWS, 2 * capacity)));
        chunk = chunk == null ? new float[grown * numFeatures] : Arrays.copyOf(chunk, grown * numFeatures);
    }

    private void flush() {
        int values = filled * numFeatures;
        if (files == null && heldBytes + 4L * values <= budget) {
            held.add(chunk.length == values ? chunk : Arrays.copyOf(chunk, values));
            heldBytes += 4L * values;
            if (chunk.length == values) chunk = null;
        } else {
            if (files == null) spill();
            files.write(chunk, values);
        }
        filled = 0;
    }

    /** Moves the chunks held so far to files; from here on every chunk goes there. */
    private void spill() {
        files = new FileChunks.Writer(fileDir, chunkRows, numFeatures);
        for (float[] c : held) files.write(c, c.length);
        held.clear();
        heldBytes = 0;
    }

    private static long[] append(long[] to, long[] values, int at, int total) {
        long[] out = total <= to.length ? to : Arrays.copyOf(to, Math.max(total, (int) Math.min(Integer.MAX_VALUE - 8, 2L * to.length)));
        System.arraycopy(values, 0, out, at, values.length);
        return out;
    }

    private static float[] append(float[] to, float[] values, int at, int total) {
        float[] out = total <= to.length ? to : Arrays.copyOf(to, Math.max(total, (int) Math.min(Integer.MAX_VALUE - 8, 2L * to.length)));
        System.arraycopy(values, 0, out, at, values.length);
        return out;
    }
}
