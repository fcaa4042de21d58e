package dev.ember.engine.backend.cpu;

/**
 * Walks several strided operands of one shape row by row (rows run along the last dim), so kernels
 * keep a tight inner loop and the index bookkeeping happens once per row, not once per element.
 */
public final class Strided {
    private Strided() {}

    /** Called once per row; {@code off[k]} is operand k's offset at the row's first element. */
    @FunctionalInterface
    public interface RowFn { void row(int[] off, int n); }

    /** The stride of each operand along the row (its last dim), 0 for a 0-d shape. */
    public static int inner(int[] strides) { return strides.length == 0 ? 0 : strides[strides.length - 1]; }

    public static void forEachRow(int[] shape, int[][] strides, int[] offsets, RowFn fn) {
        int nd = shape.length;
        int k = offsets.length;
        for (int d : shape) if (d == 0) return;
        int[] off = offsets.clone();
        if (nd == 0) { fn.row(off, 1); return; }
        int n = shape[nd - 1];
        int[] idx = new int[nd];
        while (true) {
            fn.row(off, n); // callers read off, never keep or modify it
            int d = nd - 2;
            for (; d >= 0; d--) {
                idx[d]++;
                for (int j = 0; j < k; j++) off[j] += strides[j][d];
                if (idx[d] < shape[d]) break;
                for (int j = 0; j < k; j++) off[j] -= strides[j][d] * shape[d];
                idx[d] = 0;
            }
            if (d < 0) return;
        }
    }
}
