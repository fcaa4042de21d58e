package dev.ember.spark;

import java.util.Arrays;
import org.apache.spark.sql.catalyst.expressions.UnsafeRow;
import org.apache.spark.unsafe.Platform;

/**
 * A batch's kept input rows, their bytes one after another in one buffer that every batch reuses: Spark reuses its
 * row objects, so each row is copied while the batch is read, but into this buffer rather than a new {@code UnsafeRow}
 * and byte array per row. {@link #get} hands out one reused view: read it before the next call.
 */
final class KeptRows {
    private final UnsafeRow view;
    private byte[] bytes = new byte[1 << 16];
    /** Row i's bytes are bytes[start[i], start[i + 1]). */
    private int[] start = new int[1025];
    private int count;

    KeptRows(int numFields) {
        this.view = new UnsafeRow(numFields);
    }

    void add(UnsafeRow row) {
        int size = row.getSizeInBytes(), from = start[count];
        if (from + size > bytes.length) bytes = Arrays.copyOf(bytes, Math.max(2 * bytes.length, from + size));
        if (count + 2 > start.length) start = Arrays.copyOf(start, 2 * start.length);
        row.writeToMemory(bytes, Platform.BYTE_ARRAY_OFFSET + from);
        start[++count] = from + size;
    }

    /** Row i of the batch, in the reused view. */
    UnsafeRow get(int i) {
        view.pointTo(bytes, Platform.BYTE_ARRAY_OFFSET + start[i], start[i + 1] - start[i]);
        return view;
    }

    int size() { return count; }

    void clear() { count = 0; }
}
