package dev.ember.arrow;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.execution.RowToColumnConverter;
import org.apache.spark.sql.execution.vectorized.OffHeapColumnVector;
import org.apache.spark.sql.execution.vectorized.OnHeapColumnVector;
import org.apache.spark.sql.execution.vectorized.WritableColumnVector;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.types.UserDefinedType;
import org.apache.spark.sql.vectorized.ColumnarBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The columnar reader against the row reader on the same rows, put into Spark's on-heap column vectors (what Parquet's
 * vectorized reader fills): every layout of {@link RowsToTensorTest}, with good and bad rows in both handleInvalid
 * modes, empty partitions, and columnar batches that end inside and outside tensor batches. The features, labels,
 * counters and first error must match bit for bit; no tensor batch may span two columnar batches.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ColumnarToTensorTest {

    /** The rows in columnar batches of {@code size} rows (the last one shorter), each with its own vectors. */
    static List<ColumnarBatch> columnar(List<InternalRow> rows, StructType schema, int size) { return columnar(rows, schema, size, false); }

    /** As {@link #columnar(List, StructType, int)}, in off-heap vectors when {@code offHeap}. */
    static List<ColumnarBatch> columnar(List<InternalRow> rows, StructType schema, int size, boolean offHeap) {
        // The vectors hold a Vector column as its struct, as Parquet's reader does (Spark's converter refuses UDTs).
        StructType stored = new StructType();
        for (var f : schema.fields()) stored = stored.add(f.name(), f.dataType() instanceof UserDefinedType<?> u ? u.sqlType() : f.dataType(), f.nullable());
        RowToColumnConverter converter = new RowToColumnConverter(stored);
        List<ColumnarBatch> out = new ArrayList<>();
        for (int from = 0; from < rows.size(); from += size) {
            int n = Math.min(size, rows.size() - from);
            WritableColumnVector[] vectors = offHeap ? OffHeapColumnVector.allocateColumns(n, stored) : OnHeapColumnVector.allocateColumns(n, stored);
            for (int i = 0; i < n; i++) converter.convert(rows.get(from + i), vectors);
            out.add(new ColumnarBatch(vectors, n));
        }
        return out;
    }

    /**
     * All batches' features (as bits) and labels concatenated, then the counters or the first error: the two readers
     * split the rows into batches differently. With handleInvalid=error, the error alone. {@code afterEach} runs after every batch.
     */
    private static String read(Iterator<TensorBatch> batches, ArrowToTensor conv, Runnable afterEach) {
        StringBuilder x = new StringBuilder(), y = new StringBuilder();
        String end;
        try {
            while (batches.hasNext()) {
                TensorBatch b = batches.next();
                for (float v : b.features().toFloatArray()) x.append(Float.floatToRawIntBits(v)).append(',');
                String labels = b.labels().dtype() == dev.ember.engine.DType.INT64 ? Arrays.toString(b.labels().toLongArray())
                        : Arrays.toString(b.labels().toFloatArray());
                if (b.size() > 0) y.append(labels, 1, labels.length() - 1).append(", ");
                afterEach.run();
            }
            end = "seen " + conv.rowsSeen() + ", skipped " + conv.skippedRows();
        } catch (InvalidRowException e) {
            return "error: " + e.getMessage(); // the batches read before it differ with the split
        }
        return "features " + x + "\nlabels " + y + "\n" + end;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.ember.arrow.RowsToTensorTest#layouts")
    void columnarReaderMatchesRowReaderBitForBit(RowsToTensorTest.Layout layout) {
        int cases = 0;
        for (DataType labelType : List.of(DataTypes.DoubleType, DataTypes.IntegerType)) {
            for (HandleInvalid mode : HandleInvalid.values()) {
                for (int n : new int[]{0, 7, 60}) {
                    for (int batchRows : new int[]{1, 16, 100}) {
                        for (int columnarRows : new int[]{5, 64}) {
                            boolean offHeap = columnarRows == 64; // both kinds of Spark's vectors, without doubling the cases
                            double badShare = mode == HandleInvalid.ERROR ? 0.05 : 0.3;
                            List<InternalRow> data = RowsToTensorTest.rows(layout, labelType, n, badShare, 17L * n + batchRows, false);
                            StructType schema = RowsToTensorTest.schema(layout, labelType);
                            String where = layout + ", label " + labelType.simpleString() + ", " + mode + ", n=" + n + ", batchRows=" + batchRows
                                    + ", columnar batches of " + columnarRows + (offHeap ? " off-heap" : "");
                            ArrowToTensor rowConv = RowsToTensorTest.converter(layout, labelType, mode);
                            String rows = read(new RowsToTensor(data.iterator(), schema, batchRows, rowConv), rowConv, () -> {});
                            ArrowToTensor colConv = RowsToTensorTest.converter(layout, labelType, mode);
                            List<ColumnarBatch> batches = columnar(data, schema, columnarRows, offHeap);
                            ColumnarToTensor reader = new ColumnarToTensor(batches.iterator(), schema, batchRows, colConv);
                            int[] done = {0};
                            String cols = read(reader, colConv, () -> {
                                int first = done[0], last = done[0] + reader.rowsRead() - 1;
                                assertTrue(reader.rowsRead() >= 1 && reader.rowsRead() <= batchRows, where);
                                assertEquals(first / columnarRows, last / columnarRows, "rows " + first + ".." + last + " in one columnar batch: " + where);
                                done[0] += reader.rowsRead();
                            });
                            assertEquals(rows, cols, where);
                            batches.forEach(ColumnarBatch::close);
                            cases++;
                        }
                    }
                }
            }
        }
        assertEquals(2 * 2 * 3 * 3 * 2, cases);
    }

    @Test
    void rowsOfTheLastBatchAreTheInputRows() {
        RowsToTensorTest.Layout layout = RowsToTensorTest.layouts().filter(l -> l.name().startsWith("array<float> of 4")).findFirst().orElseThrow();
        StructType schema = RowsToTensorTest.schema(layout, DataTypes.DoubleType);
        List<InternalRow> data = RowsToTensorTest.rows(layout, DataTypes.DoubleType, 10, 0, 5, false);
        ArrowToTensor conv = RowsToTensorTest.converter(layout, DataTypes.DoubleType, HandleInvalid.ERROR);
        ColumnarToTensor reader = new ColumnarToTensor(columnar(data, schema, 6).iterator(), schema, 4, conv);
        List<Integer> sizes = new ArrayList<>();
        int seen = 0;
        while (reader.hasNext()) {
            TensorBatch b = reader.next();
            sizes.add(b.size());
            float[] x = b.features().toFloatArray();
            for (int i = 0; i < reader.rowsRead(); i++, seen++) {
                InternalRow want = data.get(seen), got = reader.row(i);
                assertEquals(want.getString(1), got.getString(1), "row " + seen);
                assertArrayEquals(want.getArray(2).toFloatArray(), Arrays.copyOfRange(x, 4 * i, 4 * i + 4), "row " + seen);
            }
        }
        assertEquals(List.of(4, 2, 4), sizes, "batches of 4 rows within columnar batches of 6 and 4");
        assertThrows(IndexOutOfBoundsException.class, () -> reader.row(4));
    }
}
