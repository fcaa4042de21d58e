package dev.ember.spark;

import org.apache.spark.sql.catalyst.expressions.UnsafeRow;
import org.apache.spark.sql.catalyst.expressions.codegen.UnsafeArrayWriter;
import org.apache.spark.sql.catalyst.expressions.codegen.UnsafeRowWriter;
import org.apache.spark.unsafe.Platform;

/**
 * Writes one row's model outputs straight into an {@code UnsafeRow}, in {@link Inference.Setup#outputNames()} order:
 * a Vector column as the bytes of the struct {@code VectorUDT} serializes a dense vector to ({@code type} 1,
 * {@code size} and {@code indices} null, {@code values} the doubles), the prediction as a double, the raw output
 * as an {@code array<float>}. The same bytes Spark's projection writes from a serialized {@code Vector}, without a
 * {@code Vector}, a {@code double[]} and a generic row per row and column. The row is reused: callers copy rows they keep.
 *
 * <p>A dense Vector of k values is the same bytes in every row up to its values (the struct's null bits and
 * slots, the array's header: offsets are relative to the struct), so Spark's writers lay those out once, and each
 * row copies them and puts its doubles after them.
 */
final class InferenceOutputs {
    /** VectorUDT's struct: type (tinyint), size (int), indices (array<int>), values (array<double>); type 1 is dense. */
    private static final int VECTOR_FIELDS = 4, TYPE = 0, SIZE = 1, INDICES = 2, VALUES = 3;
    private static final byte DENSE = 1;

    private final boolean rawPrediction, probability, prediction, output;
    private final UnsafeRowWriter row;
    private final UnsafeArrayWriter floats;
    /** The batch being written: {@code raw} and {@code prob} hold {@code k} values a row, {@code flat} {@code width}; null when not computed. */
    private float[] raw, prob, flat;
    private int k, width;
    /** Each row's predicted class (classification), taken for the whole batch at once; reused. */
    private float[] predicted = new float[0];
    /** The bytes of a dense Vector of {@code headerK} values before its values, as the longs they are written in. */
    private long[] vectorHeader = new long[0];
    private int headerK = -1;

    InferenceOutputs(Inference.Setup setup) {
        this.rawPrediction = setup.rawPrediction();
        this.probability = setup.probability();
        this.prediction = setup.prediction();
        this.output = setup.output();
        this.row = new UnsafeRowWriter(setup.outputNames().size(), 256);
        this.floats = new UnsafeArrayWriter(row, Float.BYTES);
    }

    /**
     * Takes the model outputs of a batch for {@link #write}: {@code raw} and {@code prob} hold {@code k} values a row
     * (classification), {@code flat} the model's output, {@code width} a row; the arrays not computed are null.
     */
    void batch(float[] raw, float[] prob, float[] flat, int k, int width) {
        this.raw = raw;
        this.prob = prob;
        this.flat = flat;
        this.k = k;
        this.width = width;
        if (raw == null) return;
        if ((rawPrediction || probability) && headerK != k) {
            vectorHeader = denseVectorHeader(k);
            headerK = k;
        }
        if (!prediction) return;
        int rows = raw.length / k;
        if (predicted.length < rows) predicted = new float[rows];
        Argmax.rows(raw, rows, k, predicted);
    }

    /** The outputs of row {@code i} of the batch. */
    UnsafeRow write(int i) {
        row.reset();
        row.zeroOutNullBytes();
        int o = 0;
        if (rawPrediction) writeDense(o++, raw, i * k, k);
        if (probability) writeDense(o++, prob, i * k, k);
        if (prediction) row.write(o++, raw != null ? (double) predicted[i] : (double) flat[i * width]);
        if (output) {
            int start = row.cursor();
            floats.initialize(width);
            for (int j = 0; j < width; j++) floats.write(j, flat[i * width + j]);
            row.setOffsetAndSizeFromPreviousCursor(o, start);
        }
        return row.getRow();
    }

    private void writeDense(int ordinal, float[] v, int from, int n) {
        int start = row.cursor(), header = vectorHeader.length * Long.BYTES, size = header + n * Double.BYTES;
        row.grow(size);
        byte[] buffer = row.getBuffer();
        // Long by long: Platform.copyMemory's native copy costs more than these few words.
        for (int w = 0; w < vectorHeader.length; w++) Platform.putLong(buffer, start + (long) w * Long.BYTES, vectorHeader[w]);
        for (int j = 0; j < n; j++) Platform.putDouble(buffer, start + header + (long) j * Double.BYTES, v[from + j]);
        row.increaseCursor(size);
        row.setOffsetAndSizeFromPreviousCursor(ordinal, start);
    }

    /** The struct's null bits and 4 slots, then the array's element count and null bits. */
    private static int headerBytes(int k) {
        return 8 + VECTOR_FIELDS * 8 + 8 + (k + 63) / 64 * 8;
    }

    /** What Spark's writers lay out for a dense Vector of k values, up to the values. */
    private static long[] denseVectorHeader(int k) {
        UnsafeRowWriter top = new UnsafeRowWriter(1, headerBytes(k) + k * Double.BYTES);
        UnsafeRowWriter vector = new UnsafeRowWriter(top, VECTOR_FIELDS);
        UnsafeArrayWriter doubles = new UnsafeArrayWriter(vector, Double.BYTES);
        top.reset();
        top.zeroOutNullBytes();
        int start = top.cursor();
        vector.resetRowWriter();
        vector.write(TYPE, DENSE);
        vector.setNullAt(SIZE);
        vector.setNullAt(INDICES);
        int values = vector.cursor();
        doubles.initialize(k);
        vector.setOffsetAndSizeFromPreviousCursor(VALUES, values);
        int header = top.cursor() - start - k * Double.BYTES;
        if (header != headerBytes(k)) throw new IllegalStateException("a dense Vector of " + k + " values has a " + header + "-byte header, not " + headerBytes(k));
        long[] words = new long[header / Long.BYTES];
        for (int w = 0; w < words.length; w++) words[w] = Platform.getLong(top.getBuffer(), (long) start + (long) w * Long.BYTES);
        return words;
    }
}
