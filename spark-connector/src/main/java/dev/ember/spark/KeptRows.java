package dev.ember.spark;

import java.nio.ByteOrder;
import java.util.Arrays;
import org.apache.spark.sql.catalyst.expressions.UnsafeRow;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.Platform;
import org.apache.spark.unsafe.bitset.BitSetMethods;

/**
 * A batch's kept input rows, their bytes one after another in one buffer that every batch reuses: Spark reuses its
 * row objects, so each row is copied while the batch is read, but into this buffer rather than a new {@code UnsafeRow}
 * and byte array per row. {@link #get} hands out one reused view: read it before the next call.
 *
 * <p>Rows of fixed-width columns ({@link #addWords}) may leave room for fixed-width outputs after them, which
 * {@link #get(int, UnsafeRow)} fills in place: the joined row without a second copy of the kept columns.
 */
final class KeptRows {
    private final UnsafeRow view;
    private byte[] bytes = new byte[1 << 16];
    /** Row i's bytes are bytes[start[i], start[i + 1]). */
    private int[] start = new int[1025];
    private int count;

    /** Rows of {@code numFields} fields: the kept columns, and for {@link #addWords} any room for outputs after them. */
    KeptRows(int numFields) {
        this.view = new UnsafeRow(numFields);
    }

    void add(UnsafeRow row) {
        int size = row.getSizeInBytes(), from = reserve(size);
        row.writeToMemory(bytes, Platform.BYTE_ARRAY_OFFSET + from);
        start[++count] = from + size;
    }

    /**
     * Adds the fixed-width columns {@code columns} of {@code row} as the {@code UnsafeRow} an {@code UnsafeProjection} of
     * them writes, word by word: their null bits, then each value's 8-byte word ({@link #valueMasks}), zero where null;
     * the row's fields past {@code columns} are left zero, for {@link #get(int, UnsafeRow)}.
     */
    void addWords(UnsafeRow row, int[] columns, long[] masks) {
        int fields = view.numFields(), bitSet = UnsafeRow.calculateBitSetWidthInBytes(fields), size = bitSet + 8 * fields, from = reserve(size);
        Object src = row.getBaseObject();
        long srcWords = row.getBaseOffset() + UnsafeRow.calculateBitSetWidthInBytes(row.numFields());
        long at = Platform.BYTE_ARRAY_OFFSET + from;
        for (int b = 0; b < bitSet; b += 8) Platform.putLong(bytes, at + b, 0L);
        for (int i = columns.length; i < fields; i++) Platform.putLong(bytes, at + bitSet + 8L * i, 0L);
        for (int i = 0; i < columns.length; i++) {
            int c = columns[i];
            boolean isNull = row.isNullAt(c);
            if (isNull) BitSetMethods.set(bytes, at, i);
            Platform.putLong(bytes, at + bitSet + 8L * i, isNull ? 0L : Platform.getLong(src, srcWords + 8L * c) & masks[i]);
        }
        start[++count] = from + size;
    }

    /**
     * For {@link #addWords}: the bits of each column's 8-byte word that hold its value (Spark's row writer zeroes the
     * rest, which a setter such as {@code UnsafeRow.setInt} leaves as they were); null when some column is not of
     * fixed width (strings, arrays, structs, wide decimals), which an {@code UnsafeProjection} then copies.
     */
    static long[] valueMasks(StructType schema, int[] columns) {
        long[] masks = new long[columns.length];
        for (int i = 0; i < columns.length; i++) {
            DataType type = schema.fields()[columns[i]].dataType();
            if (!UnsafeRow.isFixedLength(type)) return null;
            int bits = 8 * Math.min(8, type.defaultSize());
            boolean littleEndian = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;
            masks[i] = bits == 64 ? -1L : littleEndian ? (1L << bits) - 1 : -1L << (64 - bits);
        }
        return masks;
    }

    /** Room for one more row of {@code size} bytes; where it starts. */
    private int reserve(int size) {
        int from = start[count];
        if (from + size > bytes.length) bytes = Arrays.copyOf(bytes, Math.max(2 * bytes.length, from + size));
        if (count + 2 > start.length) start = Arrays.copyOf(start, 2 * start.length);
        return from;
    }

    /** Row i of the batch, in the reused view. */
    UnsafeRow get(int i) {
        view.pointTo(bytes, Platform.BYTE_ARRAY_OFFSET + start[i], start[i + 1] - start[i]);
        return view;
    }

    /**
     * Row i of the batch, added by {@link #addWords}, with {@code outputs} (fixed-width fields only) written into its
     * last fields: the bytes Spark's {@code UnsafeRowJoiner} makes of the kept columns and the outputs.
     */
    UnsafeRow get(int i, UnsafeRow outputs) {
        UnsafeRow row = get(i);
        int first = row.numFields() - outputs.numFields();
        for (int j = 0; j < outputs.numFields(); j++) {
            if (outputs.isNullAt(j)) row.setNullAt(first + j);
            else row.setLong(first + j, outputs.getLong(j));
        }
        return row;
    }

    int size() { return count; }

    void clear() { count = 0; }
}
