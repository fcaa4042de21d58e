package dev.ember.arrow;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.util.GenericArrayData;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.vectorized.ColumnarBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The columnar reader's block reads ({@link RowFeatureReader#readBlock}): taken for batches of good dense Vectors and
 * float/double arrays, on- and off-heap, with hand-worked values; refused for every row the block cannot read, so the
 * row reader names the bad row; and rows of good features with bad labels skipped out of a block read.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ColumnBlocksTest {
    private static final int F = 3, ROWS = 5;

    /** Row r, feature j: r + j / 8 (exact in float32), so every value can be checked by hand. */
    private static double value(int r, int j) { return r + j / 8.0; }

    private static InternalRow dense(double... v) { return new GenericInternalRow(new Object[]{(byte) 1, null, null, new GenericArrayData(v)}); }

    private static Object[] denseValues(int r) {
        Object[] v = new Object[F];
        for (int j = 0; j < F; j++) v[j] = value(r, j);
        return v;
    }

    private static StructType schema(DataType features) { return new StructType().add("label", DataTypes.DoubleType).add("x", features); }

    /** Rows of label r % 3 and the features {@code feature.apply(r)}. */
    private static List<InternalRow> rows(java.util.function.IntFunction<Object> feature) {
        List<InternalRow> rows = new ArrayList<>();
        for (int r = 0; r < ROWS; r++) rows.add(new GenericInternalRow(new Object[]{(double) (r % 3), feature.apply(r)}));
        return rows;
    }

    private static List<InternalRow> goodVectors() {
        return rows(r -> { double[] v = new double[F]; for (int j = 0; j < F; j++) v[j] = value(r, j); return dense(v); });
    }

    private static float[] expected(int... rows) {
        float[] x = new float[rows.length * F];
        for (int i = 0; i < rows.length; i++) for (int j = 0; j < F; j++) x[i * F + j] = rows[i] + j / 8f;
        return x;
    }

    /** Whether the reader of {@code features} reads all rows of the first batch as one block, and what it wrote. */
    private static float[] block(Features features, StructType schema, List<InternalRow> rows, boolean offHeap) {
        ColumnarBatch batch = ColumnarToTensorTest.columnar(rows, schema, rows.size(), offHeap).get(0);
        try {
            float[] x = new float[rows.size() * F];
            return features.bindRows(schema).readBlock(batch, 0, rows.size(), x, F) ? x : null;
        } finally {
            batch.close();
        }
    }

    @Test
    void goodDenseVectorsAndFloatArraysAreReadAsOneBlock() {
        for (boolean offHeap : new boolean[]{false, true}) {
            String where = offHeap ? "off-heap" : "on-heap";
            assertArrayEquals(expected(0, 1, 2, 3, 4), block(Features.mlVector("x"), schema(new VectorUDT()), goodVectors(), offHeap), "Vector, " + where);
            for (DataType element : List.of(DataTypes.FloatType, DataTypes.DoubleType)) {
                List<InternalRow> arrays = rows(r -> {
                    Object[] v = denseValues(r);
                    if (element == DataTypes.FloatType) for (int j = 0; j < F; j++) v[j] = (float) (double) (Double) v[j];
                    return new GenericArrayData(v);
                });
                assertArrayEquals(expected(0, 1, 2, 3, 4), block(Features.array("x"), schema(new ArrayType(element, false)), arrays, offHeap),
                        element.simpleString() + " array, " + where);
            }
        }
    }

    @Test
    void anyRowTheBlockCannotReadSendsTheBatchToTheRowReader() {
        StructType vectors = schema(new VectorUDT()), floats = schema(new ArrayType(DataTypes.FloatType, true));
        InternalRow sparse = new GenericInternalRow(new Object[]{(byte) 0, F, new GenericArrayData(new int[]{1}), new GenericArrayData(new double[]{2})});
        List<Object> badVectors = List.of(sparse, dense(1, 2), dense(1, Double.NaN, 3), dense(1, 1e300, 3));
        for (Object bad : badVectors) {
            List<InternalRow> rows = goodVectors();
            rows.set(2, new GenericInternalRow(new Object[]{0.0, bad}));
            assertNull(block(Features.mlVector("x"), vectors, rows, false), "Vector " + bad);
        }
        List<InternalRow> nullVector = goodVectors();
        nullVector.set(4, new GenericInternalRow(new Object[]{0.0, null}));
        assertNull(block(Features.mlVector("x"), vectors, nullVector, false), "null Vector");
        List<Object[]> badArrays = List.of(new Object[]{1f, 2f}, new Object[]{1f, null, 3f}, new Object[]{1f, Float.POSITIVE_INFINITY, 3f});
        for (Object[] bad : badArrays) {
            List<InternalRow> rows = rows(r -> new GenericArrayData(r == 3 ? bad : new Object[]{1f, 2f, 3f}));
            assertNull(block(Features.array("x"), floats, rows, false), "array " + java.util.Arrays.toString(bad));
        }
        // Integer arrays are read row by row: their conversion is a loop per type either way.
        assertNull(block(Features.array("x"), schema(new ArrayType(DataTypes.IntegerType, false)),
                rows(r -> new GenericArrayData(new int[]{r, r, r})), false), "array<int>");
    }

    @Test
    void rowsWithBadLabelsAreSkippedOutOfABlockAndErrorsNameThem() {
        StructType schema = schema(new VectorUDT());
        List<InternalRow> rows = goodVectors();
        for (int r : new int[]{1, 3}) rows.set(r, new GenericInternalRow(new Object[]{7.0, rows.get(r).getStruct(1, 4)}));
        ArrowToTensor skip = ArrowToTensor.builder(Features.mlVector("x")).labels(Labels.classes("label", 3)).numFeatures(F)
                .handleInvalid(HandleInvalid.SKIP).build();
        ColumnarToTensor reader = new ColumnarToTensor(ColumnarToTensorTest.columnar(rows, schema, ROWS).iterator(), schema, 8, skip);
        TensorBatch b = reader.next();
        assertFalse(reader.hasNext());
        assertEquals(3, b.size());
        assertArrayEquals(expected(0, 2, 4), b.features().toFloatArray());
        assertArrayEquals(new long[]{0, 2, 1}, b.labels().toLongArray());
        assertEquals(2, skip.skippedRows());
        assertArrayEquals(new int[]{1, 3}, skip.skippedInLastBatch());

        ArrowToTensor error = ArrowToTensor.builder(Features.mlVector("x")).labels(Labels.classes("label", 3)).numFeatures(F).partitionId(4).build();
        ColumnarToTensor failing = new ColumnarToTensor(ColumnarToTensorTest.columnar(rows, schema, ROWS).iterator(), schema, 8, error);
        InvalidRowException e = assertThrows(InvalidRowException.class, failing::next);
        assertEquals("Invalid value in column 'label' at row 1 of partition 4: class label 7.0 outside [0, 3)"
                + " (handleInvalid=error; use handleInvalid=skip to drop such rows)", e.getMessage());
    }
}
