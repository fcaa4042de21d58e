package dev.ember.arrow;

import dev.ember.arrow.NumericColumn.Kind;
import org.apache.spark.sql.execution.vectorized.WritableColumnVector;
import org.apache.spark.sql.vectorized.ColumnVector;

/**
 * Rows of a columnar batch's array column read as one block: when the rows' arrays are non-null, of F elements each
 * and back to back in the child vector (as Parquet's reader and Spark's column builders write them), their values
 * are one slice of the child, copied with {@code getFloats}/{@code getDoubles} instead of one view per row.
 */
final class ColumnBlocks {
    /** Values per bulk read: bounds the array a column vector hands back while keeping per-call costs small. */
    private static final int VALUES_PER_READ = 1 << 14;

    private ColumnBlocks() {}

    /**
     * Where rows {@code [from, from + n)} of {@code arrays} start in its child vector, when each is a non-null array
     * of {@code f} non-null elements right after the previous one; -1 when some row must be read alone.
     */
    static int contiguous(ColumnVector arrays, int from, int n, int f) {
        // Only Spark's writable vectors expose array offsets; a child without any null spares a per-element check.
        if (!(arrays instanceof WritableColumnVector w) || w.getChild(0).hasNull()) return -1;
        int start = w.getArrayOffset(from);
        for (int r = from; r < from + n; r++) {
            if (w.isNullAt(r) || w.getArrayLength(r) != f || w.getArrayOffset(r) != start + (r - from) * f) return -1;
        }
        return start;
    }

    /**
     * Copies {@code count} float32 or float64 values of {@code values} from {@code start} into {@code dst[0...]} as
     * float32; true when all are finite in float32.
     */
    static boolean copy(ColumnVector values, Kind kind, int start, int count, float[] dst) {
        for (int done = 0; done < count; done += VALUES_PER_READ) {
            int m = Math.min(VALUES_PER_READ, count - done);
            if (kind == Kind.FLOAT32) System.arraycopy(values.getFloats(start + done, m), 0, dst, done, m);
            else FloatCopy.cast(values.getDoubles(start + done, m), 0, dst, done, m);
        }
        return FloatCopy.finite(dst, 0, count);
    }
}
