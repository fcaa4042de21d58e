package dev.ember.arrow;

import dev.ember.engine.Storage;
import dev.ember.engine.Tensor;
import java.util.Arrays;
import java.util.Objects;
import org.apache.arrow.vector.VectorSchemaRoot;

/**
 * Turns Arrow record batches into heap tensors: features float32 {@code [B, F]} (optionally
 * {@code [B, C, H, W]}) and labels int64 or float32 {@code [B]}. The result shares no memory with
 * Arrow, so the batch may be reset or closed right after {@link #convert}.
 *
 * <p>One converter serves one partition: it counts rows across batches so errors name a row's
 * position within the partition, and counts skipped rows. Not thread-safe.
 *
 * <pre>{@code
 * ArrowToTensor conv = ArrowToTensor.builder(Features.array("pixels"))
 *     .labels(Labels.classes("label", 10)).reshape(1, 28, 28)
 *     .handleInvalid(HandleInvalid.SKIP).partitionId(TaskContext.getPartitionId()).build();
 * TensorBatch batch = conv.convert(root);
 * }</pre>
 */
public final class ArrowToTensor {
    private final Features features;
    private final Labels labels;
    private final int[] itemShape;
    private final HandleInvalid handleInvalid;
    private final int partitionId;
    private int numFeatures;
    private long rowsSeen;
    private long skippedRows;
    private int[] skippedInBatch = new int[0];

    private ArrowToTensor(Builder b) {
        this.features = b.features;
        this.labels = b.labels;
        this.itemShape = b.itemShape;
        this.handleInvalid = b.handleInvalid;
        this.partitionId = b.partitionId;
        int fixed = features.fixedLength();
        if (fixed > 0 && b.numFeatures > 0 && fixed != b.numFeatures) {
            throw new IllegalArgumentException(features + " gives " + fixed + " features, but numFeatures is " + b.numFeatures);
        }
        this.numFeatures = fixed > 0 ? fixed : b.numFeatures;
        if (itemShape != null) checkReshape(numFeatures);
    }

    public static Builder builder(Features features) { return new Builder(features); }

    /** Rows dropped so far by {@link HandleInvalid#SKIP}. */
    public long skippedRows() { return skippedRows; }

    /** Positions (within the batch) of the rows the last {@link #convert} skipped, ascending; empty when none were. */
    public int[] skippedInLastBatch() { return skippedInBatch.clone(); }

    /** Rows read so far, kept or skipped. */
    public long rowsSeen() { return rowsSeen; }

    /** F: given, fixed by the columns, or inferred from the first row with a length (0 until then). */
    public int numFeatures() { return numFeatures; }

    /**
     * Converts the root's current batch. In {@link HandleInvalid#ERROR} mode the first bad row
     * throws an {@link InvalidRowException}; in SKIP mode bad rows are left out of the result.
     */
    public TensorBatch convert(VectorSchemaRoot root) {
        int rows = root.getRowCount();
        FeatureReader reader = features.bind(root);
        NumericColumn label = labels == null ? null : NumericColumn.of(labels.column(), Features.vector(root, labels.column()));
        if (numFeatures == 0) inferNumFeatures(reader, rows);
        return fill(rows, new BatchRows() {
            private int r = -1;
            @Override public boolean advance() { return ++r < rows; }
            @Override public InvalidValue readFeatures(float[] dst, int off, int f) { return reader.read(r, dst, off, f); }
            @Override public InvalidValue readLabel(Labels.Sink sink, int slot) {
                return label.isNull(r) ? new InvalidValue(label.name(), "null") : sink.put(slot, label.get(r), label.integral());
            }
        });
    }

    Features features() { return features; }
    Labels labels() { return labels; }

    /** One batch's rows in order, from an Arrow batch or straight from Spark's rows ({@link RowsToTensor}). */
    interface BatchRows {
        /** Moves to the batch's next row; false when the batch is done. */
        boolean advance();
        InvalidValue readFeatures(float[] dst, int off, int f);
        InvalidValue readLabel(Labels.Sink sink, int slot);
        /**
         * Writes the features of all the batch's rows at once, row i at {@code x[i * f]}, when every row's are good;
         * false when each row's must be read alone ({@code x} may then hold garbage).
         */
        default boolean readAllFeatures(float[] x, int f) { return false; }
    }

    /** Reads the rows of one batch of at most {@code capacity} rows into tensors, skipping or failing on bad rows. */
    TensorBatch fill(int capacity, BatchRows batch) {
        int f = numFeatures;
        float[] x = new float[Math.multiplyExact(capacity, f)];
        Labels.Sink y = labels == null ? null : labels.sink(capacity);
        int r = 0, kept = 0, skipped = 0;
        int[] skippedRowsOfBatch = new int[0];
        boolean featuresRead = batch.readAllFeatures(x, f);
        for (; batch.advance(); r++) {
            // Read into the next free slot; a bad row leaves its slot to the next row (moved there when read already).
            InvalidValue invalid = null;
            if (!featuresRead) invalid = batch.readFeatures(x, kept * f, f);
            else if (kept != r) System.arraycopy(x, r * f, x, kept * f, f);
            if (invalid == null && y != null) invalid = batch.readLabel(y, kept);
            if (invalid == null) {
                kept++;
            } else if (handleInvalid == HandleInvalid.ERROR) {
                throw new InvalidRowException(invalid.column(), partitionId, rowsSeen + r, invalid.description());
            } else {
                if (skipped == skippedRowsOfBatch.length) skippedRowsOfBatch = Arrays.copyOf(skippedRowsOfBatch, Math.max(8, 2 * skipped));
                skippedRowsOfBatch[skipped++] = r;
                skippedRows++;
            }
        }
        skippedInBatch = Arrays.copyOf(skippedRowsOfBatch, skipped);
        rowsSeen += r;
        if (x.length != kept * f) x = Arrays.copyOf(x, kept * f);
        Tensor featureTensor = Tensor.fromStorage(Storage.of(x), featureShape(kept, f));
        return new TensorBatch(featureTensor, y == null ? null : y.finish(kept), kept);
    }

    /** F comes from the first row that has a length; later rows of another length are bad rows. */
    private void inferNumFeatures(FeatureReader reader, int rows) {
        for (int r = 0; r < rows; r++) {
            int len = reader.length(r);
            if (len > 0) {
                if (itemShape != null) checkReshape(len);
                numFeatures = len;
                return;
            }
        }
    }

    private int[] featureShape(int rows, int f) {
        if (itemShape == null) return new int[]{rows, f};
        int[] shape = new int[itemShape.length + 1];
        shape[0] = rows;
        System.arraycopy(itemShape, 0, shape, 1, itemShape.length);
        return shape;
    }

    private void checkReshape(int f) {
        if (f == 0) return;
        long n = 1;
        for (int d : itemShape) n *= d;
        if (n != f) throw new IllegalArgumentException("Cannot reshape " + f + " features to " + Arrays.toString(itemShape));
    }

    /** Configures an {@link ArrowToTensor}; only the feature source is required. */
    public static final class Builder {
        private final Features features;
        private Labels labels;
        private int numFeatures;
        private int[] itemShape;
        private HandleInvalid handleInvalid = HandleInvalid.ERROR;
        private int partitionId;

        private Builder(Features features) { this.features = Objects.requireNonNull(features, "features"); }

        /** The label column; leave unset for inference batches. */
        public Builder labels(Labels labels) { this.labels = labels; return this; }

        /** F, the expected vector/array length; rows of another length are bad rows. Inferred when unset. */
        public Builder numFeatures(int numFeatures) {
            if (numFeatures < 1) throw new IllegalArgumentException("numFeatures must be positive, got " + numFeatures);
            this.numFeatures = numFeatures;
            return this;
        }

        /** Reshapes each row's F features to {@code itemShape} (e.g. C, H, W), giving {@code [B, C, H, W]}. */
        public Builder reshape(int... itemShape) {
            for (int d : itemShape) if (d < 1) throw new IllegalArgumentException("Bad reshape " + Arrays.toString(itemShape));
            this.itemShape = itemShape.clone();
            return this;
        }

        public Builder handleInvalid(HandleInvalid handleInvalid) { this.handleInvalid = Objects.requireNonNull(handleInvalid); return this; }

        /** Spark ML's spelling: "error" or "skip". */
        public Builder handleInvalid(String handleInvalid) { return handleInvalid(HandleInvalid.parse(handleInvalid)); }

        /** The partition these batches come from, for error messages. */
        public Builder partitionId(int partitionId) { this.partitionId = partitionId; return this; }

        public ArrowToTensor build() { return new ArrowToTensor(this); }
    }
}
