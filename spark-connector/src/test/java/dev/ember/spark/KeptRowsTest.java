package dev.ember.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.BoundReference;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.UnsafeProjection;
import org.apache.spark.sql.catalyst.expressions.UnsafeRow;
import org.apache.spark.sql.catalyst.expressions.codegen.GenerateUnsafeRowJoiner;
import org.apache.spark.sql.catalyst.expressions.codegen.UnsafeRowJoiner;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Decimal;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.Platform;
import org.apache.spark.unsafe.types.UTF8String;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class KeptRowsTest {
    @Test
    void rowsComeBackAsAddedPastTheFirstBufferAndAcrossBatches() {
        StructType schema = new StructType().add("id", DataTypes.LongType).add("note", DataTypes.StringType);
        UnsafeProjection project = UnsafeProjection.create(schema);
        KeptRows kept = new KeptRows(2);
        for (int batch = 0; batch < 2; batch++) {
            kept.clear();
            // 3000 rows of 16 to ~200 bytes: past the first 64 KiB and 1024 rows. The projection reuses its row, as Spark's operators do.
            for (int i = 0; i < 3000; i++) kept.add(project.apply(row(batch, i)));
            assertEquals(3000, kept.size());
            for (int i = 0; i < 3000; i++) {
                UnsafeRow r = kept.get(i);
                assertEquals(1000L * batch + i, r.getLong(0), "batch " + batch + " row " + i);
                assertEquals(note(i), r.getUTF8String(1).toString(), "batch " + batch + " row " + i);
            }
        }
    }

    /** Every fixed-width type, each null on some rows; a long and a string between them that are not kept. */
    private static final StructType WIDE = new StructType().add("b", DataTypes.BooleanType).add("y", DataTypes.ByteType)
            .add("s", DataTypes.ShortType).add("i", DataTypes.IntegerType).add("skipped", DataTypes.LongType).add("f", DataTypes.FloatType)
            .add("d", DataTypes.DoubleType).add("note", DataTypes.StringType).add("day", DataTypes.DateType)
            .add("t", DataTypes.TimestampType).add("m", DataTypes.createDecimalType(10, 2)).add("l", DataTypes.LongType);
    private static final int[] FIXED = {0, 1, 2, 3, 5, 6, 8, 9, 10, 11};

    private static InternalRow wide(int i) {
        Object[] v = {i % 2 == 0, (byte) (-i), (short) (i * 300), -i * 70_001, 9L, i * 1.5f - 7f,
                i == 3 ? Double.longBitsToDouble(0x7ff8_0000_dead_beefL) : i == 8 ? -0.0 : i / 3.0 - 11.0, UTF8String.fromString("x".repeat(i)),
                i * 1000, -(long) i * 86_400_000_000L, Decimal.apply(i * 1234L, 10, 2), Long.MIN_VALUE + i};
        for (int c = 0; c < v.length; c++) if ((i + c) % 5 == 0) v[c] = null;
        return InternalRow.apply(scala.jdk.javaapi.CollectionConverters.asScala(java.util.Arrays.asList(v)).toSeq());
    }

    /** What Inference did before word copies: an UnsafeProjection of the kept columns of a WIDE row. */
    private static UnsafeProjection projection(int[] columns) {
        return UnsafeProjection.create(PlanSeqs.of(java.util.Arrays.stream(columns).mapToObj(c ->
                (Expression) new BoundReference(c, WIDE.fields()[c].dataType(), true)).toList()));
    }

    @Test
    void fixedWidthColumnsCopiedAsWordsAreTheBytesOfTheirProjection() {
        UnsafeProjection toUnsafe = UnsafeProjection.create(WIDE);
        UnsafeProjection project = projection(FIXED);
        long[] masks = KeptRows.valueMasks(WIDE, FIXED);
        KeptRows kept = new KeptRows(FIXED.length);
        long offHeap = Platform.allocateMemory(1024);
        try {
            for (int i = 0; i < 40; i++) {
                UnsafeRow in = toUnsafe.apply(wide(i));
                // A setter leaves the rest of a narrow value's word as it was: here all ones, which the copy must not keep.
                if (i % 7 == 1 && !in.isNullAt(3)) {
                    int value = in.getInt(3);
                    in.setLong(3, -1L);
                    in.setInt(3, value);
                }
                if (i % 2 == 1) { // every other row read from off-heap memory
                    Platform.copyMemory(in.getBaseObject(), in.getBaseOffset(), null, offHeap, in.getSizeInBytes());
                    UnsafeRow off = new UnsafeRow(WIDE.size());
                    off.pointTo(null, offHeap, in.getSizeInBytes());
                    in = off;
                }
                kept.addWords(in, FIXED, masks);
                assertArrayEquals(project.apply(in).getBytes(), kept.get(0).getBytes(), "row " + i);
                UnsafeRow r = kept.get(0);
                assertEquals((i + 3) % 5 == 0, r.isNullAt(3), "row " + i);
                if (!r.isNullAt(3)) assertEquals(-i * 70_001, r.getInt(3), "row " + i);
                if (!r.isNullAt(9)) assertEquals(Long.MIN_VALUE + i, r.getLong(9), "row " + i);
                kept.clear();
            }
        } finally {
            Platform.freeMemory(offHeap);
        }
        // NaN payloads and negative zero pass unchanged.
        kept.addWords(toUnsafe.apply(wide(3)), FIXED, masks);
        kept.addWords(toUnsafe.apply(wide(8)), FIXED, masks);
        assertEquals(0x7ff8_0000_dead_beefL, Double.doubleToRawLongBits(kept.get(0).getDouble(5)));
        assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits(kept.get(1).getDouble(5)));
    }

    @Test
    void onlyFixedWidthColumnsAreCopiedAsWords() {
        assertNull(KeptRows.valueMasks(WIDE, new int[]{0, 7}), "a string");
        assertNull(KeptRows.valueMasks(new StructType().add("m", DataTypes.createDecimalType(30, 2)), new int[]{0}), "a wide decimal");
        long[] masks = KeptRows.valueMasks(WIDE, new int[]{0, 2, 3, 6});
        boolean little = java.nio.ByteOrder.nativeOrder() == java.nio.ByteOrder.LITTLE_ENDIAN;
        assertArrayEquals(little ? new long[]{0xFFL, 0xFFFFL, 0xFFFF_FFFFL, -1L} : new long[]{0xFFL << 56, 0xFFFFL << 48, 0xFFFF_FFFFL << 32, -1L}, masks);
    }

    @Test
    void outputsWrittenIntoTheRoomLeftAreTheJoinersRow() {
        int[] columns = {6, 3};
        StructType keptSchema = new StructType().add(WIDE.fields()[6]).add(WIDE.fields()[3]);
        StructType outputs = new StructType().add("prediction", DataTypes.DoubleType, false).add("n", DataTypes.LongType);
        UnsafeRowJoiner joiner = GenerateUnsafeRowJoiner.create(keptSchema, outputs);
        UnsafeProjection toUnsafe = UnsafeProjection.create(WIDE);
        UnsafeProjection project = projection(columns);
        UnsafeProjection output = UnsafeProjection.create(outputs);
        KeptRows kept = new KeptRows(4);
        for (int i = 0; i < 30; i++) kept.addWords(toUnsafe.apply(wide(i)), columns, KeptRows.valueMasks(WIDE, columns));
        for (int i = 0; i < 30; i++) {
            InternalRow out = InternalRow.apply(scala.jdk.javaapi.CollectionConverters.asScala(
                    java.util.Arrays.<Object>asList((double) (i % 10), i % 4 == 0 ? null : (long) -i)).toSeq());
            UnsafeRow o = output.apply(out);
            byte[] expected = joiner.join(project.apply(toUnsafe.apply(wide(i))), o).getBytes();
            UnsafeRow got = kept.get(i, o);
            assertArrayEquals(expected, got.getBytes(), "row " + i);
            assertEquals(i % 10, got.getDouble(2), 0.0, "row " + i);
            assertTrue(got.isNullAt(3) == (i % 4 == 0), "row " + i);
        }
    }

    private static InternalRow row(int batch, int i) {
        return InternalRow.apply(scala.jdk.javaapi.CollectionConverters.asScala(
                java.util.List.<Object>of(1000L * batch + i, UTF8String.fromString(note(i)))).toSeq());
    }

    private static String note(int i) { return "n".repeat(i % 180); }
}
