package dev.ember.engine.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import dev.ember.engine.DType;
import dev.ember.engine.Shape;
import dev.ember.engine.Storage;
import dev.ember.engine.Tensor;

/**
 * The CPU backend's primitive kernels on (storage, shape, strides, offset). They never see autograd.
 * float32 runs in a float lane; every other dtype computes in a double lane (exact for integers up to 2^53)
 * and is converted back to its own type.
 */
public final class CpuKernels {
    /** The species SgemmKernel and Adam use too: one species keeps every Vector API call site monomorphic. */
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private CpuKernels() {}

    public enum Unary { NEG, ABS, SIGN, RELU, FLOOR, CEIL, ROUND, EXP, LOG, SQRT, SIN, COS, TANH, SIGMOID, RECIPROCAL, LOGICAL_NOT;
        /** Ops whose result is floating point even for integer inputs. */
        boolean floatResult() { return ordinal() >= EXP.ordinal() && this != LOGICAL_NOT; }
    }

    /** RELU_GRAD is a where b > 0, else 0: ReLU's backward in one pass. */
    public enum Binary { ADD, SUB, MUL, DIV, POW, MAXIMUM, MINIMUM, RELU_GRAD, EQ, NE, LT, LE, GT, GE, LOGICAL_AND, LOGICAL_OR;
        boolean comparison() { return ordinal() >= EQ.ordinal(); }
    }

    public enum Reduce { SUM, PROD, MAX, MIN }

    // ---------------------------------------------------------------- copies and casts

    /** A fresh contiguous tensor with x's values converted to dtype. */
    public static Tensor contiguous(Tensor x, DType dtype) {
        Tensor out = Tensor.empty(x.shape(), dtype);
        copyInto(out, x);
        return out;
    }

    /** Writes src (broadcast to dst's shape, converted to dst's dtype) into the view dst. */
    public static void copyInto(Tensor dst, Tensor src) {
        int[] srcStrides = Shape.broadcastStrides(src.shape(), src.strides(), dst.shape());
        Storage d = dst.storage(), s = src.storage();
        int ds = Strided.inner(dst.strides()), ss = Strided.inner(srcStrides);
        if (d.dtype() == DType.FLOAT32 && s.dtype() == DType.FLOAT32) {
            float[] o = d.floats(), a = s.floats();
            Strided.forEachRow(dst.shape(), new int[][]{dst.strides(), srcStrides}, new int[]{dst.offset(), src.offset()}, (off, n) -> {
                if (ds == 1 && ss == 1) System.arraycopy(a, off[1], o, off[0], n);
                else for (int i = 0; i < n; i++) o[off[0] + i * ds] = a[off[1] + i * ss];
            });
        } else if (d.dtype() == DType.FLOAT64 && s.dtype() == DType.FLOAT64) {
            double[] o = d.doubles(), a = s.doubles();
            Strided.forEachRow(dst.shape(), new int[][]{dst.strides(), srcStrides}, new int[]{dst.offset(), src.offset()}, (off, n) -> {
                if (ds == 1 && ss == 1) System.arraycopy(a, off[1], o, off[0], n);
                else for (int i = 0; i < n; i++) o[off[0] + i * ds] = a[off[1] + i * ss];
            });
        } else if (d.dtype() == DType.FLOAT64 && s.dtype() == DType.FLOAT32) {
            double[] o = d.doubles();
            float[] a = s.floats();
            Strided.forEachRow(dst.shape(), new int[][]{dst.strides(), srcStrides}, new int[]{dst.offset(), src.offset()}, (off, n) -> {
                for (int i = 0; i < n; i++) o[off[0] + i * ds] = a[off[1] + i * ss];
            });
        } else if (d.dtype() == DType.FLOAT32 && s.dtype() == DType.FLOAT64) {
            float[] o = d.floats();
            double[] a = s.doubles();
            Strided.forEachRow(dst.shape(), new int[][]{dst.strides(), srcStrides}, new int[]{dst.offset(), src.offset()}, (off, n) -> {
                for (int i = 0; i < n; i++) o[off[0] + i * ds] = (float) a[off[1] + i * ss];
            });
        } else if (!d.dtype().isFloatingPoint() && !s.dtype().isFloatingPoint()) {
            Strided.forEachRow(dst.shape(), new int[][]{dst.strides(), srcStrides}, new int[]{dst.offset(), src.offset()}, (off, n) -> {
                for (int i = 0; i < n; i++) d.setLong(off[0] + i * ds, s.getLong(off[1] + i * ss));
            });
        } else {
            Strided.forEachRow(dst.shape(), new int[][]{dst.strides(), srcStrides}, new int[]{dst.offset(), src.offset()}, (off, n) -> {
                for (int i = 0; i < n; i++) d.setDouble(off[0] + i * ds, s.getDouble(off[1] + i * ss));
            });
        }
        d.bumpVersion();
    }

    /** x as a contiguous tensor of this dtype: x itself when it already is one, else a copy. */
    public static Tensor dense(Tensor x, DType dtype) {
        return x.dtype() == dtype && x.isContiguous() && x.offset() == 0 && x.storage().size() == x.numel() ? x : contiguous(x, dtype);
    }

    public static void fill(Tensor dst, double value) {
        Storage d = dst.storage();
        int ds = Strided.inner(dst.strides());
        Strided.forEachRow(dst.shape(), new int[][]{dst.strides()}, new int[]{dst.offset()}, (off, n) -> {
            if (d.dtype() == DType.FLOAT32 && ds == 1) java.util.Arrays.fill(d.floats(), off[0], off[0] + n, (float) value);
            else for (int i = 0; i < n; i++) d.setDouble(off[0] + i * ds, value);
        });
        d.bumpVersion();
    }

    // ---------------------------------------------------------------- elementwise

    public static Tensor unary(Unary op, Tensor x) {
        DType outType = op == Unary.LOGICAL_NOT ? DType.BOOL
                : op.floatResult() && !x.dtype().isFloatingPoint() ? DType.FLOAT32 : x.dtype();
        DType lane = outType == DType.FLOAT32 ? DType.FLOAT32 : DType.FLOAT64;
        Tensor in = dense(x, lane);
        int n = in.numel();
        if (lane == DType.FLOAT32) {
            float[] a = in.storage().floats();
            float[] o = new float[n];
            Parallel.forRange(n, PARALLEL_GRAIN, (s, e) -> unaryFloat(op, a, o, s, e));
            return Tensor.fromStorage(Storage.of(o), x.shape());
        }
        double[] a = in.storage().doubles();
        double[] o = new double[n];
        unaryDouble(op, a, o, n);
        Tensor out = Tensor.fromStorage(Storage.of(o), x.shape());
        return outType == DType.FLOAT64 ? out : contiguous(out, outType);
    }

    /** Elements per thread below which an elementwise kernel is not worth splitting. */
    private static final int PARALLEL_GRAIN = 1 << 15;

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
            case RECIPROCAL -> { for (int i = from; i < to; i++) o[i] = 1f / a[i]; }
            case LOGICAL_NOT -> throw new AssertionError("bool result");
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

    /** The dtype PyTorch gives a binary op's result. */
    public static DType resultType(Binary op, DType a, DType b) {
        if (op.comparison()) return DType.BOOL;
        DType t = DType.promote(a, b);
        if (op == Binary.DIV && !t.isFloatingPoint()) return DType.FLOAT32;
        return t;
    }

    public static Tensor binary(Binary op, Tensor a, Tensor b) {
        int[] shape = Shape.broadcast(a.shape(), b.shape());
        DType outType = resultType(op, a.dtype(), b.dtype());
        DType common = DType.promote(a.dtype(), b.dtype());
        DType lane = (op.comparison() ? common : outType) == DType.FLOAT32 ? DType.FLOAT32 : DType.FLOAT64;
        if (a.dtype() != lane) a = contiguous(a, lane);
        if (b.dtype() != lane) b = contiguous(b, lane);
        int[][] strides = {Shape.contiguousStrides(shape), Shape.broadcastStrides(a.shape(), a.strides(), shape),
                Shape.broadcastStrides(b.shape(), b.strides(), shape)};
        int[] offsets = {0, a.offset(), b.offset()};
        int sa = Strided.inner(strides[1]), sb = Strided.inner(strides[2]);
        int n = Shape.numel(shape);
        if (op.comparison()) {
            byte[] o = new byte[n];
            if (lane == DType.FLOAT32) {
                float[] x = a.storage().floats(), y = b.storage().floats();
                Strided.forEachRow(shape, strides, offsets, (off, len) -> {
                    for (int i = 0; i < len; i++) o[off[0] + i] = compare(op, x[off[1] + i * sa], y[off[2] + i * sb]) ? (byte) 1 : 0;
                });
            } else {
                double[] x = a.storage().doubles(), y = b.storage().doubles();
                Strided.forEachRow(shape, strides, offsets, (off, len) -> {
                    for (int i = 0; i < len; i++) o[off[0] + i] = compare(op, x[off[1] + i * sa], y[off[2] + i * sb]) ? (byte) 1 : 0;
                });
            }
            return Tensor.fromStorage(Storage.of(o, DType.BOOL), shape);
        }
        if (lane == DType.FLOAT32) {
            float[] o = new float[n];
            float[] x = a.storage().floats(), y = b.storage().floats();
            Strided.forEachRow(shape, strides, offsets, (off, len) -> {
                int o0 = off[0], x0 = off[1], y0 = off[2];
                // Long rows (contiguous data coalesces into one) are split across the CPU threads.
                Parallel.forRange(len, PARALLEL_GRAIN, (s, e) -> binaryRow(op, x, x0 + s * sa, sa, y, y0 + s * sb, sb, o, o0 + s, e - s));
            });
            return Tensor.fromStorage(Storage.of(o), shape);
        }
        double[] o = new double[n];
        double[] x = a.storage().doubles(), y = b.storage().doubles();
        Strided.forEachRow(shape, strides, offsets, (off, len) -> binaryRow(op, x, off[1], sa, y, off[2], sb, o, off[0], len));
        Tensor out = Tensor.fromStorage(Storage.of(o), shape);
        return outType == DType.FLOAT64 ? out : contiguous(out, outType);
    }

    /**
     * dst = dst op src, written straight into the float32 view dst (src float32, broadcast to dst's shape), for
     * in-place arithmetic outside autograd: gradient accumulation, optimizer buffers. Returns false, doing
     * nothing, where that would not equal computing out of place first: other dtypes, or src sharing dst's
     * storage other than as the very same view (a write could change elements src has yet to read).
     */
    public static boolean binaryInPlace(Binary op, Tensor dst, Tensor src) {
        if (dst.dtype() != DType.FLOAT32 || src.dtype() != DType.FLOAT32 || op.comparison()) return false;
        if (dst.dim() == 0 || Strided.inner(dst.strides()) != 1) return false;
        boolean sameView = src.offset() == dst.offset() && java.util.Arrays.equals(src.shape(), dst.shape()) && java.util.Arrays.equals(src.strides(), dst.strides());
        if (src.storage() == dst.storage() && !sameView) return false;
        int[] shape = dst.shape();
        if (!java.util.Arrays.equals(Shape.broadcast(shape, src.shape()), shape)) return false; // the caller's error path
        int[][] strides = {dst.strides(), dst.strides(), Shape.broadcastStrides(src.shape(), src.strides(), shape)};
        int[] offsets = {dst.offset(), dst.offset(), src.offset()};
        int ss = Strided.inner(strides[2]);
        float[] d = dst.storage().floats(), x = src.storage().floats();
        Strided.forEachRow(shape, strides, offsets, (off, len) -> binaryRow(op, d, off[0], 1, x, off[2], ss, d, off[0], len));
        dst.storage().bumpVersion();
        return true;
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

    /** cond ? a : b elementwise, all three broadcast together. */
    public static Tensor where(Tensor cond, Tensor a, Tensor b) {
        int[] shape = Shape.broadcast(cond.shape(), Shape.broadcast(a.shape(), b.shape()));
        DType t = DType.promote(a.dtype(), b.dtype());
        Tensor out = Tensor.empty(shape, t);
        Tensor ca = contiguous(a.expand(shape), t), cb = contiguous(b.expand(shape), t);
        Tensor cc = contiguous(cond.expand(shape), DType.BOOL);
        byte[] c = cc.storage().bytes();
        Storage o = out.storage(), x = ca.storage(), y = cb.storage();
        if (t == DType.FLOAT32) {
            float[] of = o.floats(), xf = x.floats(), yf = y.floats();
            for (int i = 0; i < c.length; i++) of[i] = c[i] != 0 ? xf[i] : yf[i];
        } else {
            for (int i = 0; i < c.length; i++) o.setDouble(i, c[i] != 0 ? x.getDouble(i) : y.getDouble(i));
        }
        return out;
    }

    // ---------------------------------------------------------------- reductions

    /** The result dtype of a reduction: integer sums and products widen to int64, as in PyTorch. */
    public static DType reduceType(Reduce op, DType in) {
        return (op == Reduce.SUM || op == Reduce.PROD) && !in.isFloatingPoint() ? DType.INT64 : in;
    }

    /** Reduces x over the given (normalized, distinct) dims. */
    public static Tensor reduce(Reduce op, Tensor x, int[] dims, boolean keepdim) {
        Layout l = Layout.of(x, dims);
        DType outType = reduceType(op, x.dtype());
        if (l.len == 0 && l.rows > 0 && (op == Reduce.MAX || op == Reduce.MIN)) {
            throw new IllegalArgumentException(op.name().toLowerCase() + "(): cannot reduce over a zero-size dimension of shape " + Shape.str(x.shape()));
        }
        DType lane = outType == DType.FLOAT32 ? DType.FLOAT32 : DType.FLOAT64;
        Tensor out;
        if (op == Reduce.SUM && lane == DType.FLOAT32 && x.isContiguous() && l.prefix) {
            out = Tensor.fromStorage(Storage.of(sumLeading(x, l.len, l.rows)), l.keptShape);
        } else {
            Tensor in = dense(permuted(x, l.perm), lane);
            double[] acc = new double[l.rows];
            if (lane == DType.FLOAT32) reduceRows(op, in.storage().floats(), acc, l.rows, l.len);
            else reduceRows(op, in.storage().doubles(), acc, l.rows, l.len);
            out = dense(Tensor.fromStorage(Storage.of(acc), l.keptShape), outType);
        }
        return keepdim ? Tensor.fromStorage(out.storage(), l.keepdimShape) : out;
    }

    /** x with its dims reordered, as a plain view (kernels never record graph nodes). */
    private static Tensor permuted(Tensor x, int[] perm) {
        int[] shape = x.shape(), strides = x.strides(), s = new int[perm.length], st = new int[perm.length];
        for (int i = 0; i < perm.length; i++) { s[i] = shape[perm[i]]; st[i] = strides[perm[i]]; }
        return x.asView(s, st, x.offset());
    }

    /** Column sums of a contiguous [len, rows] float matrix: the bias gradient, without a transpose. */
    private static float[] sumLeading(Tensor x, int len, int rows) {
        float[] a = x.storage().floats();
        int base = x.offset();
        double[] acc = new double[rows];
        for (int i = 0; i < len; i++) {
            int r = base + i * rows;
            for (int j = 0; j < rows; j++) acc[j] += a[r + j];
        }
        float[] out = new float[rows];
        for (int j = 0; j < rows; j++) out[j] = (float) acc[j];
        return out;
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

    /** Index (int64) of the first max (or min) along dim; NaN counts as the max, as in PyTorch. */
    public static Tensor argReduce(boolean max, Tensor x, int dim, boolean keepdim) {
        Layout l = Layout.of(x, new int[]{dim});
        if (l.len == 0) throw new IllegalArgumentException((max ? "argmax" : "argmin") + "(): cannot reduce over a zero-size dimension of shape " + Shape.str(x.shape()));
        Tensor in = dense(permuted(x, l.perm), DType.FLOAT64);
        double[] a = in.storage().doubles();
        long[] out = new long[l.rows];
        for (int r = 0; r < l.rows; r++) {
            int base = r * l.len, best = 0;
            for (int i = 1; i < l.len; i++) {
                double v = a[base + i], b = a[base + best];
                if (Double.isNaN(b)) break;
                if (Double.isNaN(v) || (max ? v > b : v < b)) best = i;
            }
            out[r] = best;
        }
        return Tensor.fromStorage(Storage.of(out), keepdim ? l.keepdimShape : l.keptShape);
    }

    /** How a reduction sees x: kept dims first (rows), reduced dims last (len). */
    private record Layout(int[] perm, int rows, int len, int[] keptShape, int[] keepdimShape, boolean prefix) {
        static Layout of(Tensor x, int[] dims) {
            int nd = x.dim();
            boolean[] reduced = new boolean[nd];
            for (int d : dims) reduced[d] = true;
            int[] perm = new int[nd];
            int[] kept = new int[nd - dims.length];
            int[] keepdim = x.shape().clone();
            int p = 0, k = 0, rows = 1, len = 1;
            for (int d = 0; d < nd; d++) if (!reduced[d]) { perm[p++] = d; kept[k++] = x.shape()[d]; rows *= x.shape()[d]; }
            for (int d = 0; d < nd; d++) if (reduced[d]) { perm[p++] = d; len *= x.shape()[d]; keepdim[d] = 1; }
            boolean prefix = true;
            for (int i = 0; i < dims.length; i++) if (!reduced[i]) prefix = false;
            return new Layout(perm, rows, len, kept, keepdim, prefix);
        }
    }
}
