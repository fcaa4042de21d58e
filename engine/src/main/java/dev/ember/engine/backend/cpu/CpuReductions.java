package dev.ember.engine.backend.cpu;

import dev.ember.engine.DType;
import dev.ember.engine.backend.Backend.Reduce;
import dev.ember.engine.backend.View;

/** Reductions on CPU buffers: each output element sums (or multiplies, ...) one row in a double accumulator. */
final class CpuReductions {
    private CpuReductions() {}

    static void reduce(Reduce op, CpuBuffer out, CpuBuffer x, View xv, int[] dims) {
        Layout l = Layout.of(xv.shape(), dims);
        DType lane = out.dtype() == DType.FLOAT32 ? DType.FLOAT32 : DType.FLOAT64;
        if (op == Reduce.SUM && lane == DType.FLOAT32 && x.dtype() == DType.FLOAT32 && xv.isContiguous() && l.prefix) {
            sumLeading(x.floats(), xv.offset(), l.len, l.rows, out.floats());
            return;
        }
        CpuBuffer in = CpuElementwise.dense(x, xv.permute(l.perm), lane);
        CpuBuffer acc = out.dtype() == DType.FLOAT64 ? out : CpuBuffer.allocate(DType.FLOAT64, l.rows);
        if (lane == DType.FLOAT32) reduceRows(op, in.floats(), acc.doubles(), l.rows, l.len);
        else reduceRows(op, in.doubles(), acc.doubles(), l.rows, l.len);
        if (acc != out) CpuElementwise.copy(out, View.contiguous(l.rows), acc, View.contiguous(l.rows));
    }

    /** Column sums of a contiguous [len, rows] float matrix: the bias gradient, without a transpose. */
    private static void sumLeading(float[] a, int base, int len, int rows, float[] out) {
        double[] acc = new double[rows];
        for (int i = 0; i < len; i++) {
            int r = base + i * rows;
            for (int j = 0; j < rows; j++) acc[j] += a[r + j];
        }
        for (int j = 0; j < rows; j++) out[j] = (float) acc[j];
    }

    private static void reduceRows(Reduce op, float[] a, double[] out, int rows, int len) {
        for (int r = 0; r < rows; r++) {
            int base = r * len;
            double acc = op == Reduce.SUM ? 0 : op == Reduce.PROD ? 1 : Double.NaN;
            switch (op) {
                case SUM -> { for (int i = 0; i < len; i++) acc += a[base + i]; }
                case PROD -> { for (int i = 0; i < len; i++) acc *= a[base + i]; }
                case MAX -> { acc = a[base]; for (int i = 1; i < len; i++) acc = maxNan(acc, a[base + i]); }
                case MIN -> { acc = a[base]; for (int i = 1; i < len; i++) acc = minNan(acc, a[base + i]); }
            }
            out[r] = acc;
        }
    }

    private static void reduceRows(Reduce op, double[] a, double[] out, int rows, int len) {
        for (int r = 0; r < rows; r++) {
            int base = r * len;
            double acc = op == Reduce.SUM ? 0 : op == Reduce.PROD ? 1 : Double.NaN;
            switch (op) {
                case SUM -> { for (int i = 0; i < len; i++) acc += a[base + i]; }
                case PROD -> { for (int i = 0; i < len; i++) acc *= a[base + i]; }
                case MAX -> { acc = a[base]; for (int i = 1; i < len; i++) acc = maxNan(acc, a[base + i]); }
                case MIN -> { acc = a[base]; for (int i = 1; i < len; i++) acc = minNan(acc, a[base + i]); }
            }
            out[r] = acc;
        }
    }

    // PyTorch propagates NaN through max/min.
    private static double maxNan(double a, double b) { return a > b || Double.isNaN(a) ? a : b; }
    private static double minNan(double a, double b) { return a < b || Double.isNaN(a) ? a : b; }

    static void argReduce(boolean max, CpuBuffer out, CpuBuffer x, View xv, int dim) {
        Layout l = Layout.of(xv.shape(), new int[]{dim});
        double[] a = CpuElementwise.dense(x, xv.permute(l.perm), DType.FLOAT64).doubles();
        long[] o = out.longs();
        for (int r = 0; r < l.rows; r++) {
            int base = r * l.len, best = 0;
            for (int i = 1; i < l.len; i++) {
                double v = a[base + i], b = a[base + best];
                if (Double.isNaN(b)) break;
                if (Double.isNaN(v) || (max ? v > b : v < b)) best = i;
            }
            o[r] = best;
        }
    }

    /** How a reduction sees its input: kept dims first (rows), reduced dims last (len). */
    private record Layout(int[] perm, int rows, int len, boolean prefix) {
        static Layout of(int[] shape, int[] dims) {
            int nd = shape.length;
            boolean[] reduced = new boolean[nd];
            for (int d : dims) reduced[d] = true;
            int[] perm = new int[nd];
            int p = 0, rows = 1, len = 1;
            for (int d = 0; d < nd; d++) if (!reduced[d]) { perm[p++] = d; rows *= shape[d]; }
            for (int d = 0; d < nd; d++) if (reduced[d]) { perm[p++] = d; len *= shape[d]; }
            boolean prefix = true;
            for (int i = 0; i < dims.length; i++) if (!reduced[i]) prefix = false;
            return new Layout(perm, rows, len, prefix);
        }
    }
}
