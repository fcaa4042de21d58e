package dev.ember.engine.backend;

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
        for (int d : shape) if (d == 0) return;
        int k = offsets.length;
        if (shape.length > 1) {
            // Merge dims that every operand walks as one run, so contiguous data is one long row.
            // The last dim's stride is kept, so callers' inner() stays valid.
            int[] cs = new int[shape.length];
            int[][] cst = new int[k][shape.length];
            int nd = 0;
            for (int d = shape.length - 1; d >= 0; d--) {
                if (nd > 0 && shape[d] == 1) continue;
                boolean merge = nd > 0;
                for (int j = 0; merge && j < k; j++) merge = strides[j][d] == cst[j][nd - 1] * cs[nd - 1];
                if (merge) { cs[nd - 1] *= shape[d]; continue; }
                cs[nd] = shape[d];
                for (int j = 0; j < k; j++) cst[j][nd] = strides[j][d];
                nd++;
            }
            shape = reverse(cs, nd);
            int[][] st = new int[k][];
            for (int j = 0; j < k; j++) st[j] = reverse(cst[j], nd);
            strides = st;
        }
        int nd = shape.length;
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

    private static int[] reverse(int[] a, int n) {
        int[] out = new int[n];
        for (int i = 0; i < n; i++) out[i] = a[n - 1 - i];
        return out;
    }
}
