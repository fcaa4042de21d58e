package dev.ember.engine.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import dev.ember.engine.DType;
import dev.ember.engine.backend.Backend.Binary;
import dev.ember.engine.backend.Backend.Unary;
import dev.ember.engine.backend.Buffer;
import dev.ember.engine.backend.Strided;
import dev.ember.engine.backend.View;

/**
 * Copies, fills and elementwise kernels on CPU buffers. float32 runs in a float lane; every other dtype computes
 * in a double lane (exact for integers up to 2^53) and is converted back to the output's type.
 */
final class CpuElementwise {
    /** The species SgemmKernel and Adam use too: one species keeps every Vector API call site monomorphic. */
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** Elements per thread below which an elementwise kernel is not worth splitting. */
    private static final int PARALLEL_GRAIN = 1 << 15;

    private CpuElementwise() {}

    // ---------------------------------------------------------------- copies and casts

    static void copy(CpuBuffer d, View dv, CpuBuffer s, View sv) {
        int[] shape = dv.shape();
        int[][] strides = {dv.strides(), sv.strides()};
        int[] offsets = {dv.offset(), sv.offset()};
        int ds = dv.innerStride(), ss = sv.innerStride();
        if (d.dtype() == DType.FLOAT32 && s.dtype() == DType.FLOAT32) {
            float[] o = d.floats(), a = s.floats();
            if (d != s && repeatsOneRow(dv, sv)) {
                repeatRow(a, sv.offset(), o, dv.offset(), shape[0], shape[1]);
                return;
            }
            Strided.forEachRow(shape, strides, offsets, (off, n) -> {
                if (ds == 1 && ss == 1) System.arraycopy(a, off[1], o, off[0], n);
                else for (int i = 0; i < n; i++) o[off[0] + i * ds] = a[off[1] + i * ss];
            });
        } else if (d.dtype() == DType.FLOAT64 && s.dtype() == DType.FLOAT64) {
            double[] o = d.doubles(), a = s.doubles();
            Strided.forEachRow(shape, strides, offsets, (off, n) -> {
                if (ds == 1 && ss == 1) System.arraycopy(a, off[1], o, off[0], n);
                else for (int i = 0; i < n; i++) o[off[0] + i * ds] = a[off[1] + i * ss];
            });
        } else if (d.dtype() == DType.FLOAT64 && s.dtype() == DType.FLOAT32) {
            double[] o = d.doubles();
            float[] a = s.floats();
            Strided.forEachRow(shape, strides, offsets, (off, n) -> {
                for (int i = 0; i < n; i++) o[off[0] + i * ds] = a[off[1] + i * ss];
            });
        } else if (d.dtype() == DType.FLOAT32 && s.dtype() == DType.FLOAT64) {
            float[] o = d.floats();
            double[] a = s.doubles();
            Strided.forEachRow(shape, strides, offsets, (off, n) -> {
                for (int i = 0; i < n; i++) o[off[0] + i * ds] = (float) a[off[1] + i * ss];
            });
        } else if (!d.dtype().isFloatingPoint() && !s.dtype().isFloatingPoint()) {
            Strided.forEachRow(shape, strides, offsets, (off, n) -> {
                for (int i = 0; i < n; i++) d.setLong(off[0] + i * ds, s.getLong(off[1] + i * ss));
            });
        } else {
            Strided.forEachRow(shape, strides, offsets, (off, n) -> {
                for (int i = 0; i < n; i++) d.setDouble(off[0] + i * ds, s.getDouble(off[1] + i * ss));
            });
        }
    }

    /** Whether the copy writes a contiguous [rows, len] from one row read again for each (a bias expanded to a batch). */
    private static boolean repeatsOneRow(View dv, View sv) {
        return dv.shape().length == 2 && dv.isContiguous() && sv.strides()[0] == 0 && sv.strides()[1] == 1;
    }

    /**
     * The row {@code a[from, from + len)} into each of {@code rows} rows from {@code o[to]}: one copy of the row, then
     * copies of what is written so far, doubling it, so a 10-wide bias over 4096 rows is 13 bulk copies, not 4096.
     */
    static void repeatRow(float[] a, int from, float[] o, int to, int rows, int len) {
        if (rows == 0 || len == 0) return;
        System.arraycopy(a, from, o, to, len);
        for (int done = 1; done < rows; ) {
            int more = Math.min(done, rows - done);
            System.arraycopy(o, to, o, to + done * len, more * len);
            done += more;
        }
    }

    /** A fresh contiguous buffer with the view's values converted to dtype. */
    static CpuBuffer contiguous(CpuBuffer x, View v, DType dtype) {
        CpuBuffer out = CpuBuffer.allocate(dtype, v.numel());
        copy(out, View.contiguous(v.shape()), x, v);
        return out;
    }

    /** The view's values as a contiguous array of this dtype: x's own array when it already is exactly that. */
    static CpuBuffer dense(CpuBuffer x, View v, DType dtype) {
        return x.dtype() == dtype && v.isContiguous() && v.offset() == 0 && x.length() == v.numel() ? x : contiguous(x, v, dtype);
    }

    /**
     * The operand in this dtype: itself when it already has it, else a converted copy that keeps broadcast (0)
     * strides, so a broadcast scalar stays one element rather than becoming the output's size.
     */
    private record Operand(CpuBuffer buffer, View view) {
        static Operand of(CpuBuffer x, View v, DType dtype) {
            if (x.dtype() == dtype) return new Operand(x, v);
            int[] shape = v.shape().clone();
            for (int d = 0; d < shape.length; d++) if (v.strides()[d] == 0) shape[d] = 1;
            View compact = new View(shape, v.strides(), v.offset());
            CpuBuffer copy = contiguous(x, compact, dtype);
            int[] strides = View.contiguous(shape).strides();
            for (int d = 0; d < shape.length; d++) if (v.strides()[d] == 0) strides[d] = 0;
            return new Operand(copy, new View(v.shape(), strides, 0));
        }
    }

    static void fill(CpuBuffer d, View dv, double value) {
        int ds = dv.innerStride();
        Strided.forEachRow(dv.shape(), new int[][]{dv.strides()}, new int[]{dv.offset()}, (off, n) -> {
            if (d.dtype() == DType.FLOAT32 && ds == 1) java.util.Arrays.fill(d.floats(), off[0], off[0] + n, (float) value);
            else for (int i = 0; i < n; i++) d.setDouble(off[0] + i * ds, value);
        });
    }

    // ---------------------------------------------------------------- unary

    static void unary(Unary op, CpuBuffer out, CpuBuffer x, View xv) {
        int n = xv.numel();
        if (out.dtype() == DType.FLOAT32) {
            float[] a = dense(x, xv, DType.FLOAT32).floats(), o = out.floats();
            Parallel.forRange(n, PARALLEL_GRAIN, (s, e) -> unaryFloat(op, a, o, s, e));
            return;
        }
        double[] a = dense(x, xv, DType.FLOAT64).doubles();
        CpuBuffer result = out.dtype() == DType.FLOAT64 ? out : CpuBuffer.allocate(DType.FLOAT64, n);
        unaryDouble(op, a, result.doubles(), n);
        if (result != out) copy(out, View.contiguous(xv.shape()), result, View.contiguous(xv.shape()));
    }

    /** Elements [from, to) of a dense float array. */
    private static void unaryFloat(Unary op, float[] a, float[] o, int from, int to) {
        switch (op) {
            case NEG -> { for (int i = from; i < to; i++) o[i] = -a[i]; }
            case ABS -> { for (int i = from; i < to; i++) o[i] = Math.abs(a[i]); }
            case SIGN -> { for (int i = from; i < to; i++) o[i] = Math.signum(a[i]); }
            case RELU -> reluFloat(a, o, from, to);
            case FLOOR -> { for (int i = from; i < to; i++) o[i] = (float) Math.floor(a[i]); }
            case CEIL -> { for (int i = from; i < to; i++) o[i] = (float) Math.ceil(a[i]); }
            case ROUND -> { for (int i = from; i < to; i++) o[i] = (float) Math.rint(a[i]); }
            case EXP, TANH, SIGMOID -> VectorMath.map(op, a, o, from, to);
            case LOG -> { for (int i = from; i < to; i++) o[i] = (float) Math.log(a[i]); }
            case SQRT -> { for (int i = from; i < to; i++) o[i] = (float) Math.sqrt(a[i]); }
            case SIN -> { for (int i = from; i < to; i++) o[i] = (float) Math.sin(a[i]); }
            case COS -> { for (int i = from; i < to; i++) o[i] = (float) Math.cos(a[i]); }
            case ERF -> { for (int i = from; i < to; i++) o[i] = (float) Erf.erf(a[i]); }
            case RECIPROCAL -> { for (int i = from; i < to; i++) o[i] = 1f / a[i]; }
            case LOGICAL_NOT -> { for (int i = from; i < to; i++) o[i] = a[i] == 0 ? 1 : 0; }
        }
    }

    /**
     * {@code a > 0 ? a : 0} on whole vectors (C2 does not vectorize the conditional): ReLU runs over every
     * activation of a CNN, so it is worth the explicit loop.
     */
    private static void reluFloat(float[] a, float[] o, int from, int to) {
        int i = from;
        FloatVector zero = FloatVector.zero(F);
        for (int end = from + F.loopBound(to - from); i < end; i += F.length()) {
            FloatVector v = FloatVector.fromArray(F, a, i);
            zero.blend(v, v.compare(VectorOperators.GT, 0f)).intoArray(o, i);
        }
        for (; i < to; i++) o[i] = a[i] > 0 ? a[i] : 0f;
    }

    private static void unaryDouble(Unary op, double[] a, double[] o, int n) {
        switch (op) {
            case NEG -> { for (int i = 0; i < n; i++) o[i] = -a[i]; }
            case ABS -> { for (int i = 0; i < n; i++) o[i] = Math.abs(a[i]); }
            case SIGN -> { for (int i = 0; i < n; i++) o[i] = Math.signum(a[i]); }
            case RELU -> { for (int i = 0; i < n; i++) o[i] = a[i] > 0 ? a[i] : 0.0; }
            case FLOOR -> { for (int i = 0; i < n; i++) o[i] = Math.floor(a[i]); }
            case CEIL -> { for (int i = 0; i < n; i++) o[i] = Math.ceil(a[i]); }
            case ROUND -> { for (int i = 0; i < n; i++) o[i] = Math.rint(a[i]); }
            case EXP -> { for (int i = 0; i < n; i++) o[i] = Math.exp(a[i]); }
            case LOG -> { for (int i = 0; i < n; i++) o[i] = Math.log(a[i]); }
            case SQRT -> { for (int i = 0; i < n; i++) o[i] = Math.sqrt(a[i]); }
            case SIN -> { for (int i = 0; i < n; i++) o[i] = Math.sin(a[i]); }
            case COS -> { for (int i = 0; i < n; i++) o[i] = Math.cos(a[i]); }
            case TANH -> { for (int i = 0; i < n; i++) o[i] = Math.tanh(a[i]); }
            case SIGMOID -> { for (int i = 0; i < n; i++) o[i] = sigmoid(a[i]); }
            case ERF -> { for (int i = 0; i < n; i++) o[i] = Erf.erf(a[i]); }
            case RECIPROCAL -> { for (int i = 0; i < n; i++) o[i] = 1.0 / a[i]; }
            case LOGICAL_NOT -> { for (int i = 0; i < n; i++) o[i] = a[i] == 0 ? 1 : 0; }
        }
    }

    /** Overflow-free logistic function. */
    private static double sigmoid(double v) {
        if (v >= 0) return 1.0 / (1.0 + Math.exp(-v));
        double e = Math.exp(v);
        return e / (1.0 + e);
    }

    // ---------------------------------------------------------------- binary

    static void binary(Binary op, CpuBuffer out, View ov, CpuBuffer a, View av, CpuBuffer b, View bv) {
        DType lane = (op.isComparison() ? DType.promote(a.dtype(), b.dtype()) : out.dtype()) == DType.FLOAT32 ? DType.FLOAT32 : DType.FLOAT64;
        DType direct = op.isComparison() ? DType.BOOL : lane;
        int[] shape = ov.shape();
        boolean unitRows = ov.innerStride() == 1 || shape.length == 0 || shape[shape.length - 1] <= 1;
        if (out.dtype() != direct || !unitRows) {
            // Computed into a dense buffer of the lane's type, then converted into out's view.
            View dense = View.contiguous(shape);
            CpuBuffer tmp = CpuBuffer.allocate(direct, dense.numel());
            binary(op, tmp, dense, a, av, b, bv);
            copy(out, ov, tmp, dense);
            return;
        }
        Operand x = Operand.of(a, av, lane), y = Operand.of(b, bv, lane);
        int[][] strides = {ov.strides(), x.view().strides(), y.view().strides()};
        int[] offsets = {ov.offset(), x.view().offset(), y.view().offset()};
        int sa = x.view().innerStride(), sb = y.view().innerStride();
        if (op.isComparison()) {
            byte[] o = out.bytes();
            if (lane == DType.FLOAT32) {
                float[] p = x.buffer().floats(), q = y.buffer().floats();
                Strided.forEachRow(shape, strides, offsets, (off, len) -> {
                    for (int i = 0; i < len; i++) o[off[0] + i] = compare(op, p[off[1] + i * sa], q[off[2] + i * sb]) ? (byte) 1 : 0;
                });
            } else {
                double[] p = x.buffer().doubles(), q = y.buffer().doubles();
                Strided.forEachRow(shape, strides, offsets, (off, len) -> {
                    for (int i = 0; i < len; i++) o[off[0] + i] = compare(op, p[off[1] + i * sa], q[off[2] + i * sb]) ? (byte) 1 : 0;
                });
            }
        } else if (lane == DType.FLOAT32) {
            float[] o = out.floats(), p = x.buffer().floats(), q = y.buffer().floats();
            Strided.forEachRow(shape, strides, offsets, (off, len) -> {
                int o0 = off[0], x0 = off[1], y0 = off[2];
                // Long rows (contiguous data coalesces into one) are split across the CPU threads.
                Parallel.forRange(len, PARALLEL_GRAIN, (s, e) -> binaryRow(op, p, x0 + s * sa, sa, q, y0 + s * sb, sb, o, o0 + s, e - s));
            });
        } else {
            double[] o = out.doubles(), p = x.buffer().doubles(), q = y.buffer().doubles();
            Strided.forEachRow(shape, strides, offsets, (off, len) -> binaryRow(op, p, off[1], sa, q, off[2], sb, o, off[0], len));
        }
    }

    private static boolean compare(Binary op, double x, double y) {
        return switch (op) {
            case EQ -> x == y;
            case NE -> x != y;
            case LT -> x < y;
            case LE -> x <= y;
            case GT -> x > y;
            case GE -> x >= y;
            case LOGICAL_AND -> x != 0 && y != 0;
            case LOGICAL_OR -> x != 0 || y != 0;
            default -> throw new AssertionError(op);
        };
    }

    private static void binaryRow(Binary op, float[] a, int ia, int sa, float[] b, int ib, int sb, float[] o, int io, int n) {
        if (sa == 1 && sb == 1) {
            // Unit strides: loops C2 can vectorize.
            switch (op) {
                case ADD -> { for (int i = 0; i < n; i++) o[io + i] = a[ia + i] + b[ib + i]; return; }
                case SUB -> { for (int i = 0; i < n; i++) o[io + i] = a[ia + i] - b[ib + i]; return; }
                case MUL -> { for (int i = 0; i < n; i++) o[io + i] = a[ia + i] * b[ib + i]; return; }
                case DIV -> { for (int i = 0; i < n; i++) o[io + i] = a[ia + i] / b[ib + i]; return; }
                case RELU_GRAD -> { reluGradFloat(a, ia, b, ib, o, io, n); return; }
                default -> { }
            }
        }
        if (sa == 1 && sb == 0) {
            // A broadcast scalar operand (x * 2, x - mean): hoist it.
            float c = b[ib];
            switch (op) {
                case ADD -> { for (int i = 0; i < n; i++) o[io + i] = a[ia + i] + c; return; }
                case SUB -> { for (int i = 0; i < n; i++) o[io + i] = a[ia + i] - c; return; }
                case MUL -> { for (int i = 0; i < n; i++) o[io + i] = a[ia + i] * c; return; }
                case DIV -> { for (int i = 0; i < n; i++) o[io + i] = a[ia + i] / c; return; }
                default -> { }
            }
        }
        switch (op) {
            case ADD -> { for (int i = 0; i < n; i++) o[io + i] = a[ia + i * sa] + b[ib + i * sb]; }
            case SUB -> { for (int i = 0; i < n; i++) o[io + i] = a[ia + i * sa] - b[ib + i * sb]; }
            case MUL -> { for (int i = 0; i < n; i++) o[io + i] = a[ia + i * sa] * b[ib + i * sb]; }
            case DIV -> { for (int i = 0; i < n; i++) o[io + i] = a[ia + i * sa] / b[ib + i * sb]; }
            case POW -> { for (int i = 0; i < n; i++) o[io + i] = (float) Math.pow(a[ia + i * sa], b[ib + i * sb]); }
            case MAXIMUM -> { for (int i = 0; i < n; i++) o[io + i] = Math.max(a[ia + i * sa], b[ib + i * sb]); }
            case MINIMUM -> { for (int i = 0; i < n; i++) o[io + i] = Math.min(a[ia + i * sa], b[ib + i * sb]); }
            case RELU_GRAD -> { for (int i = 0; i < n; i++) o[io + i] = b[ib + i * sb] > 0 ? a[ia + i * sa] : 0; }
            default -> throw new AssertionError(op);
        }
    }

    /** ReLU's backward {@code b > 0 ? a : 0} with unit strides, on whole vectors. */
    private static void reluGradFloat(float[] a, int ia, float[] b, int ib, float[] o, int io, int n) {
        int i = 0;
        FloatVector zero = FloatVector.zero(F);
        for (int end = F.loopBound(n); i < end; i += F.length()) {
            VectorMask<Float> positive = FloatVector.fromArray(F, b, ib + i).compare(VectorOperators.GT, 0f);
            zero.blend(FloatVector.fromArray(F, a, ia + i), positive).intoArray(o, io + i);
        }
        for (; i < n; i++) o[io + i] = b[ib + i] > 0 ? a[ia + i] : 0;
    }

    private static void binaryRow(Binary op, double[] a, int ia, int sa, double[] b, int ib, int sb, double[] o, int io, int n) {
        if (sa == 1 && sb == 1) {
            switch (op) {
                case ADD -> { for (int i = 0; i < n; i++) o[io + i] = a[ia + i] + b[ib + i]; return; }
                case SUB -> { for (int i = 0; i < n; i++) o[io + i] = a[ia + i] - b[ib + i]; return; }
                case MUL -> { for (int i = 0; i < n; i++) o[io + i] = a[ia + i] * b[ib + i]; return; }
                case DIV -> { for (int i = 0; i < n; i++) o[io + i] = a[ia + i] / b[ib + i]; return; }
                default -> { }
            }
        }
        switch (op) {
            case ADD -> { for (int i = 0; i < n; i++) o[io + i] = a[ia + i * sa] + b[ib + i * sb]; }
            case SUB -> { for (int i = 0; i < n; i++) o[io + i] = a[ia + i * sa] - b[ib + i * sb]; }
            case MUL -> { for (int i = 0; i < n; i++) o[io + i] = a[ia + i * sa] * b[ib + i * sb]; }
            case DIV -> { for (int i = 0; i < n; i++) o[io + i] = a[ia + i * sa] / b[ib + i * sb]; }
            case POW -> { for (int i = 0; i < n; i++) o[io + i] = Math.pow(a[ia + i * sa], b[ib + i * sb]); }
            case MAXIMUM -> { for (int i = 0; i < n; i++) o[io + i] = Math.max(a[ia + i * sa], b[ib + i * sb]); }
            case MINIMUM -> { for (int i = 0; i < n; i++) o[io + i] = Math.min(a[ia + i * sa], b[ib + i * sb]); }
            case RELU_GRAD -> { for (int i = 0; i < n; i++) o[io + i] = b[ib + i * sb] > 0 ? a[ia + i * sa] : 0; }
            default -> throw new AssertionError(op);
        }
    }

    static void where(CpuBuffer out, CpuBuffer cond, View cv, CpuBuffer a, View av, CpuBuffer b, View bv) {
        DType t = out.dtype();
        byte[] c = dense(cond, cv, DType.BOOL).bytes();
        CpuBuffer x = dense(a, av, t), y = dense(b, bv, t);
        if (t == DType.FLOAT32) {
            float[] o = out.floats(), xf = x.floats(), yf = y.floats();
            for (int i = 0; i < c.length; i++) o[i] = c[i] != 0 ? xf[i] : yf[i];
        } else if (t.isFloatingPoint()) {
            for (int i = 0; i < c.length; i++) out.setDouble(i, c[i] != 0 ? x.getDouble(i) : y.getDouble(i));
        } else { // integers exactly, beyond 2^53 too
            for (int i = 0; i < c.length; i++) out.setLong(i, c[i] != 0 ? x.getLong(i) : y.getLong(i));
        }
    }
}
