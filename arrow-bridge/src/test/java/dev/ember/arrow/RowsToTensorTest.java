package dev.ember.arrow;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Stream;
import org.apache.arrow.memory.RootAllocator;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeProjection;
import org.apache.spark.sql.catalyst.util.GenericArrayData;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.types.UTF8String;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The direct reader ({@link RowsToTensor}) against the Arrow path (Spark's {@code ArrowWriter} + {@link ArrowToTensor})
 * on the same rows: every accepted layout, with seeded mixes of good and bad rows, in both handleInvalid modes, with
 * batches that end mid-partition and empty partitions. The batches must match bit for bit, and so must the skip counts
 * and the first error's message.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RowsToTensorTest {
    private static final VectorUDT VECTOR = new VectorUDT();

    private RootAllocator allocator;

    @BeforeEach void open() { allocator = new RootAllocator(); }
    @AfterEach void close() { allocator.close(); }

    /** A feature layout: its column type, features source, and a generator of good (bad = false) or bad feature values. */
    record Layout(String name, DataType type, Features features, int width, Function<SplittableRandom, Object> good, Function<SplittableRandom, Object> bad) {
        @Override public String toString() { return name; }
    }

    private static Object floats(double[] v, DataType element) {
        Object[] out = new Object[v.length];
        for (int i = 0; i < v.length; i++) {
            double d = v[i];
            out[i] = element == DataTypes.FloatType ? (Object) (float) d : element == DataTypes.DoubleType ? (Object) d
                    : element == DataTypes.IntegerType ? (Object) (int) d : element == DataTypes.LongType ? (Object) (long) d
                    : element == DataTypes.ShortType ? (Object) (short) d : (Object) (byte) d;
        }
        return new GenericArrayData(out);
    }

    private static double[] values(SplittableRandom rnd, int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = rnd.nextInt(3) == 0 ? 0 : rnd.nextInt(-100, 100) / 7.0;
        return v;
    }

    private static Layout array(DataType element, boolean containsNull, int w) {
        boolean integral = element != DataTypes.FloatType && element != DataTypes.DoubleType;
        return new Layout("array<" + element.simpleString() + (containsNull ? ", nulls" : "") + "> of " + w, new ArrayType(element, containsNull),
                Features.array("x"), w, rnd -> floats(values(rnd, w), element), rnd -> switch (rnd.nextInt(integral ? 3 : 5)) {
                    case 0 -> null;
                    case 1 -> floats(values(rnd, rnd.nextBoolean() ? w - 1 : w + 1), element);
                    case 2 -> {
                        if (!containsNull) yield floats(values(rnd, w + 2), element);
                        GenericArrayData a = (GenericArrayData) floats(values(rnd, w), element);
                        a.array()[rnd.nextInt(w)] = null;
                        yield a;
                    }
                    default -> floats(nonFinite(rnd, w), element);
                });
    }

    /** Values with one NaN, infinity or double overflowing float32 at a random place (vectorized part or tail). */
    private static double[] nonFinite(SplittableRandom rnd, int w) {
        double[] v = values(rnd, w);
        v[rnd.nextInt(w)] = new double[]{Double.NaN, Double.POSITIVE_INFINITY, -1e300}[rnd.nextInt(3)];
        return v;
    }

    /** The VectorUDT struct (type, size, indices, values) built by hand, so it can also be malformed. */
    private static InternalRow vector(int type, Integer size, int[] indices, double[] values) {
        return new GenericInternalRow(new Object[]{(byte) type, size, indices == null ? null : new GenericArrayData(indices),
                values == null ? null : new GenericArrayData(values)});
    }

    private static InternalRow sparse(SplittableRandom rnd, int size, int w) {
        int nnz = rnd.nextInt(0, w + 1);
        int[] idx = rnd.ints(0, w).distinct().limit(nnz).sorted().toArray();
        return vector(0, size, idx, values(rnd, idx.length));
    }

    private static Layout vectors(int w) {
        return new Layout("ML Vector of " + w, VECTOR, Features.mlVector("x"), w,
                rnd -> rnd.nextBoolean() ? vector(1, null, null, values(rnd, w)) : sparse(rnd, w, w),
                rnd -> switch (rnd.nextInt(9)) {
                    case 0 -> null;
                    case 1 -> vector(1, null, null, values(rnd, w + 1));
                    case 2 -> sparse(rnd, w - 1, w - 1);
                    case 3 -> vector(0, w, new int[]{1, w}, new double[]{1, 2});
                    case 4 -> vector(0, w, new int[]{0, 2}, new double[]{1, Double.NaN});
                    case 5 -> vector(1, null, null, nonFinite(rnd, w));
                    case 6 -> vector(0, w, new int[]{0, 1}, new double[]{1});
                    case 7 -> vector(1, null, null, null);
                    default -> vector(0, null, null, new double[]{1});
                });
    }

    private static final Layout COLUMNS = new Layout("numeric columns", null, Features.columns("a", "b"), 2, null, null);

    /** Widths 4 (shorter than a vector register) and 37 (whole registers and a tail). */
    static Stream<Layout> layouts() {
        List<Layout> all = new ArrayList<>(List.of(COLUMNS));
        for (int w : new int[]{4, 37}) {
            all.add(vectors(w));
            for (DataType t : List.of(DataTypes.FloatType, DataTypes.DoubleType, DataTypes.ByteType, DataTypes.ShortType, DataTypes.IntegerType, DataTypes.LongType)) {
                all.add(array(t, false, w));
            }
            all.add(array(DataTypes.FloatType, true, w));
        }
        return all.stream();
    }

    static StructType schema(Layout layout, DataType labelType) {
        StructType s = new StructType().add("label", labelType, true).add("note", DataTypes.StringType);
        return layout == COLUMNS ? s.add("a", DataTypes.DoubleType).add("b", DataTypes.IntegerType) : s.add("x", layout.type());
    }

    /**
     * n seeded rows: each bad with probability {@code badShare}, in its features or its label (null, NaN, 1.5, out of
     * range, as the label type allows). Rows go through an UnsafeProjection (as from a scan) unless {@code generic}.
     */
    static List<InternalRow> rows(Layout layout, DataType labelType, int n, double badShare, long seed, boolean generic) {
        SplittableRandom rnd = new SplittableRandom(seed);
        StructType schema = schema(layout, labelType);
        UnsafeProjection toUnsafe = UnsafeProjection.create(schema);
        List<InternalRow> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            boolean bad = rnd.nextDouble() < badShare, badLabel = bad && rnd.nextBoolean();
            Object label = labelValue(labelType, badLabel ? new Object[]{null, Double.NaN, 1.5, 3.0, -1.0}[rnd.nextInt(5)] : (double) rnd.nextInt(3));
            List<Object> values = new ArrayList<>(List.of(UTF8String.fromString("row " + i)));
            values.add(0, label);
            if (layout == COLUMNS) {
                boolean badFeature = bad && !badLabel;
                values.add(badFeature && rnd.nextBoolean() ? (rnd.nextBoolean() ? null : (Object) Double.NaN) : (Object) (rnd.nextInt(-50, 50) / 3.0));
                values.add(badFeature && rnd.nextBoolean() ? null : (Object) rnd.nextInt(-50, 50));
            } else {
                values.add(bad && !badLabel ? layout.bad().apply(rnd) : layout.good().apply(rnd));
            }
            InternalRow row = new GenericInternalRow(values.toArray());
            out.add(generic ? row : toUnsafe.apply(row).copy());
        }
        return out;
    }

    private static Object labelValue(DataType type, Object v) {
        if (v == null || type == DataTypes.DoubleType) return v;
        double d = (Double) v;
        if (type == DataTypes.FloatType) return (float) d;
        return Double.isNaN(d) || d != Math.rint(d) ? null : (Object) (int) d;
    }

    static ArrowToTensor converter(Layout layout, DataType labelType, HandleInvalid mode) {
        Labels labels = labelType == DataTypes.FloatType ? Labels.targets("label") : Labels.classes("label", 3);
        return ArrowToTensor.builder(layout.features()).labels(labels).numFeatures(layout.width())
                .handleInvalid(mode).partitionId(3).build();
    }

    /** Both paths' batches (or error message) and counters, as one comparable string per batch. */
    private List<String> run(List<InternalRow> data, StructType schema, int batchRows, ArrowToTensor conv, boolean direct) {
        List<String> out = new ArrayList<>();
        try {
            Iterator<InternalRow> it = reusing(data, schema);
            List<TensorBatch> batches = direct ? PartitionTensors.load(it, schema, batchRows, conv, allocator)
                    : PartitionTensors.loadThroughArrow(it, schema, batchRows, conv, allocator);
            for (TensorBatch b : batches) out.add(describe(b));
        } catch (InvalidRowException e) {
            out.add("error: " + e.getMessage());
        }
        out.add("seen " + conv.rowsSeen() + ", skipped " + conv.skippedRows());
        return out;
    }

    /** The rows through one reused row object, as Spark's iterators hand them out. */
    private static Iterator<InternalRow> reusing(List<InternalRow> data, StructType schema) {
        boolean unsafe = !data.isEmpty() && !(data.get(0) instanceof GenericInternalRow);
        UnsafeProjection copy = UnsafeProjection.create(schema);
        Iterator<InternalRow> it = data.iterator();
        return new Iterator<>() {
            @Override public boolean hasNext() { return it.hasNext(); }
            @Override public InternalRow next() { return unsafe ? copy.apply(it.next()) : it.next(); }
        };
    }

    static String describe(TensorBatch b) {
        int[] bits = new int[b.size() * (b.features().shape()[1])];
        float[] x = b.features().toFloatArray();
        for (int i = 0; i < x.length; i++) bits[i] = Float.floatToRawIntBits(x[i]);
        String y = b.labels().dtype() == dev.ember.engine.DType.INT64 ? Arrays.toString(b.labels().toLongArray())
                : Arrays.toString(b.labels().toFloatArray());
        return b.size() + " rows " + Arrays.toString(b.features().shape()) + " " + Arrays.toString(bits) + " labels " + y;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("layouts")
    void directReaderMatchesArrowWriterBitForBit(Layout layout) {
        int cases = 0;
        for (DataType labelType : List.of(DataTypes.DoubleType, DataTypes.IntegerType, DataTypes.FloatType)) {
            for (HandleInvalid mode : HandleInvalid.values()) {
                for (int n : new int[]{0, 7, 60}) {
                    for (int batchRows : new int[]{1, 3, 16, 100}) {
                        for (boolean generic : new boolean[]{false, true}) {
                            double badShare = mode == HandleInvalid.ERROR ? 0.05 : 0.3;
                            long seed = 31L * n + batchRows + labelType.hashCode();
                            List<InternalRow> data = rows(layout, labelType, n, badShare, seed, generic);
                            StructType schema = schema(layout, labelType);
                            String where = layout + ", label " + labelType.simpleString() + ", " + mode + ", n=" + n + ", batchRows=" + batchRows
                                    + (generic ? ", generic rows" : "");
                            assertTrue(RowsToTensor.supports(schema, converter(layout, labelType, mode)), where);
                            List<String> arrow = run(data, schema, batchRows, converter(layout, labelType, mode), false);
                            List<String> direct = run(data, schema, batchRows, converter(layout, labelType, mode), true);
                            assertEquals(arrow, direct, where);
                            assertEquals(0, allocator.getAllocatedMemory(), where);
                            cases++;
                        }
                    }
                }
            }
        }
        assertEquals(3 * 2 * 3 * 4 * 2, cases);
    }

    @Test
    void handWorkedRowsGiveTheirValues() {
        // Row 0: dense (1.5, -2, 0, 4), label 1; row 1: sparse {3: 0.25}, label 2; row 2: sparse of size 3 (bad), label 0.
        StructType schema = schema(vectors(4), DataTypes.DoubleType);
        List<InternalRow> data = List.of(
                new GenericInternalRow(new Object[]{1.0, null, vector(1, null, null, new double[]{1.5, -2, 0, 4})}),
                new GenericInternalRow(new Object[]{2.0, null, vector(0, 4, new int[]{3}, new double[]{0.25})}),
                new GenericInternalRow(new Object[]{0.0, null, vector(0, 3, new int[]{0}, new double[]{1})}));
        UnsafeProjection toUnsafe = UnsafeProjection.create(schema);
        List<InternalRow> unsafe = data.stream().map(r -> (InternalRow) toUnsafe.apply(r).copy()).toList();
        ArrowToTensor conv = converter(vectors(4), DataTypes.DoubleType, HandleInvalid.SKIP);
        RowsToTensor direct = new RowsToTensor(unsafe.iterator(), schema, 8, conv);
        TensorBatch b = direct.next();
        assertFalse(direct.hasNext());
        assertArrayEquals(new float[]{1.5f, -2, 0, 4, 0, 0, 0, 0.25f}, b.features().toFloatArray());
        assertArrayEquals(new long[]{1, 2}, b.labels().toLongArray());
        assertArrayEquals(new int[]{2}, conv.skippedInLastBatch());

        ArrowToTensor strict = converter(vectors(4), DataTypes.DoubleType, HandleInvalid.ERROR);
        InvalidRowException e = assertThrows(InvalidRowException.class, () -> new RowsToTensor(unsafe.iterator(), schema, 2, strict).forEachRemaining(x -> {}));
        assertEquals("Invalid value in column 'x' at row 2 of partition 3: sparse vector of size 3, expected 4"
                + " (handleInvalid=error; use handleInvalid=skip to drop such rows)", e.getMessage());
    }

    @Test
    void otherLayoutsAndUnknownWidthStayOnTheArrowPath() {
        StructType strings = new StructType().add("x", new ArrayType(DataTypes.StringType, false));
        assertFalse(RowsToTensor.supports(strings, ArrowToTensor.builder(Features.array("x")).numFeatures(2).build()));
        StructType floats = new StructType().add("x", new ArrayType(DataTypes.FloatType, false)).add("y", DataTypes.createDecimalType(10, 2));
        assertFalse(RowsToTensor.supports(floats, ArrowToTensor.builder(Features.array("x")).build()), "F unknown");
        assertFalse(RowsToTensor.supports(floats, ArrowToTensor.builder(Features.array("x")).numFeatures(2).labels(Labels.targets("y")).build()));
        assertFalse(RowsToTensor.supports(floats, ArrowToTensor.builder(Features.array("missing")).numFeatures(2).build()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new RowsToTensor(List.<InternalRow>of().iterator(), strings, 4, ArrowToTensor.builder(Features.array("x")).numFeatures(2).build()));
        assertEquals("RowsToTensor cannot read array(x) from struct<x:array<string>>: use RowsToArrow", e.getMessage());
    }
}
