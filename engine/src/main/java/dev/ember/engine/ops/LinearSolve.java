package dev.ember.engine.ops;

import dev.ember.engine.DType;
import dev.ember.engine.Shape;
import dev.ember.engine.Storage;
import dev.ember.engine.Tensor;
import dev.ember.engine.autograd.Function;

import java.util.Arrays;

/**
 * Matrix inverse and determinant of [n, n] or batched [..., n, n] float32/float64 tensors, from an LU
 * decomposition with partial pivoting computed in double precision (float32 results are rounded once at the end).
 */
public final class LinearSolve {
    private LinearSolve() {}

    /** The inverse of each matrix; a singular one (a zero pivot in its LU decomposition) raises an error naming it. */
    public static Tensor inverse(Tensor a) {
        checkSquare("inverse", a);
        return new Inverse().apply(a);
    }

    /** The determinant of each matrix, shape {@code a.shape[:-2]} (0-d for one matrix); singular matrices give 0. */
    public static Tensor det(Tensor a) {
        checkSquare("det", a);
        return new Det().apply(a);
    }

    /** d(A^-1) = -A^-1 dA A^-1, so grad_A = -A^-T g A^-T (from the saved output). */
    public static final class Inverse extends Function {
        @Override protected Tensor forward(Tensor... x) {
            Tensor a = x[0];
            int n = a.size(-1);
            double[] m = Dispatch.contiguous(a, DType.FLOAT64).storage().doubles(); // a private copy: LU works in place
            double[] inv = new double[m.length];
            int batch = batchCount(a);
            for (int b = 0; b < batch; b++) {
                int base = b * n * n;
                Lu lu = Lu.factor(m, base, n);
                if (lu.zeroPivot >= 0) throw singular(a, b, lu.zeroPivot);
                lu.invertInto(m, base, n, inv);
            }
            Tensor out = result(inv, a.shape(), a.dtype());
            save(out);
            return out;
        }
        @Override protected Tensor[] backward(Tensor g) {
            Tensor invT = saved(0).transpose(-2, -1);
            return new Tensor[]{invT.matmul(g).matmul(invT).neg()};
        }
        @Override public String name() { return "LinalgInvExBackward0"; }
    }

    /**
     * d(det A) = det A * tr(A^-1 dA), so grad_A = g * det(A) * A^-T. Limitation: this needs A^-1, so backward through
     * the determinant of a singular matrix raises an error (the true gradient there is the adjugate).
     */
    public static final class Det extends Function {
        @Override protected Tensor forward(Tensor... x) {
            Tensor a = x[0];
            int n = a.size(-1);
            double[] m = Dispatch.contiguous(a, DType.FLOAT64).storage().doubles();
            int batch = batchCount(a);
            double[] det = new double[batch];
            for (int b = 0; b < batch; b++) det[b] = Lu.factor(m, b * n * n, n).det(m, b * n * n, n);
            Tensor out = result(det, Arrays.copyOf(a.shape(), a.dim() - 2), a.dtype());
            save(a, out);
            return out;
        }
        @Override protected Tensor[] backward(Tensor g) {
            Tensor a = saved(0), det = saved(1);
            Tensor inv;
            try {
                inv = a.inverse();
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("det backward: the gradient of the determinant of a singular matrix is not supported (" + e.getMessage() + ")", e);
            }
            return new Tensor[]{g.mul(det).unsqueeze(-1).unsqueeze(-1).mul(inv.transpose(-2, -1))};
        }
        @Override public String name() { return "LinalgDetBackward0"; }
    }

    /**
     * PA = LU of one n×n row-major matrix, stored in place at m[base..]: L (unit diagonal implied) below the
     * diagonal, U on and above it. perm[i] is the original row now at row i.
     */
    private record Lu(int[] perm, int sign, int zeroPivot) {
        /** Factors until done or until a column has no nonzero pivot (then zeroPivot is its index, else -1). */
        static Lu factor(double[] m, int base, int n) {
            int[] perm = new int[n];
            for (int i = 0; i < n; i++) perm[i] = i;
            int sign = 1;
            for (int k = 0; k < n; k++) {
                // Partial pivoting: the largest |value| in column k keeps the multipliers <= 1.
                int p = k;
                double best = Math.abs(m[base + k * n + k]);
                for (int i = k + 1; i < n; i++) {
                    double v = Math.abs(m[base + i * n + k]);
                    if (v > best) { best = v; p = i; }
                }
                if (best == 0) return new Lu(perm, sign, k);
                if (p != k) {
                    swapRows(m, base + k * n, base + p * n, n);
                    int t = perm[k]; perm[k] = perm[p]; perm[p] = t;
                    sign = -sign;
                }
                int rk = base + k * n;
                double pivot = m[rk + k];
                for (int i = k + 1; i < n; i++) {
                    int ri = base + i * n;
                    double f = m[ri + k] /= pivot;
                    if (f != 0) for (int j = k + 1; j < n; j++) m[ri + j] -= f * m[rk + j];
                }
            }
            return new Lu(perm, sign, -1);
        }

        /** det(A) = sign(P) * prod(diag U), or 0 when factoring stopped at a zero pivot. */
        double det(double[] m, int base, int n) {
            if (zeroPivot >= 0) return 0;
            double d = sign;
            for (int i = 0; i < n; i++) d *= m[base + i * n + i];
            return d;
        }

        /** Writes A^-1 = U^-1 L^-1 P at out[base..], solving for all columns at once with whole-row updates. */
        void invertInto(double[] m, int base, int n, double[] out) {
            for (int i = 0; i < n; i++) out[base + i * n + perm[i]] = 1; // X = P
            for (int i = 0; i < n; i++) {            // X = L^-1 X (forward substitution)
                int ri = base + i * n;
                for (int k = 0; k < i; k++) axpy(-m[ri + k], out, base + k * n, ri, n);
            }
            for (int i = n - 1; i >= 0; i--) {       // X = U^-1 X (back substitution)
                int ri = base + i * n;
                for (int k = i + 1; k < n; k++) axpy(-m[ri + k], out, base + k * n, ri, n);
                double d = 1 / m[ri + i];
                for (int j = 0; j < n; j++) out[ri + j] *= d;
            }
        }

        /** x[to..to+n) += alpha * x[from..from+n). */
        private static void axpy(double alpha, double[] x, int from, int to, int n) {
            if (alpha == 0) return;
            for (int j = 0; j < n; j++) x[to + j] += alpha * x[from + j];
        }

        private static void swapRows(double[] m, int r1, int r2, int n) {
            for (int j = 0; j < n; j++) {
                double t = m[r1 + j]; m[r1 + j] = m[r2 + j]; m[r2 + j] = t;
            }
        }
    }

    private static void checkSquare(String op, Tensor a) {
        if (!a.dtype().isFloatingPoint()) throw new IllegalArgumentException(op + ": expected a float32 or float64 tensor, got " + a.dtype());
        if (a.dim() < 2 || a.size(-1) != a.size(-2)) {
            throw new IllegalArgumentException(op + ": expected a square matrix or a batch of them [..., n, n], got shape " + Shape.str(a.shape()));
        }
    }

    private static int batchCount(Tensor a) { return Shape.numel(Arrays.copyOf(a.shape(), a.dim() - 2)); }

    private static Tensor result(double[] values, int[] shape, DType dtype) {
        Tensor t = Tensor.fromStorage(Storage.of(values), shape);
        return dtype == DType.FLOAT64 ? t : Dispatch.contiguous(t, dtype);
    }

    /** The error for a singular matrix, naming it by its batch coordinates when a has batch dims. */
    private static IllegalArgumentException singular(Tensor a, int batchIndex, int zeroPivot) {
        String which = "the matrix";
        if (a.dim() > 2) {
            int[] batch = Arrays.copyOf(a.shape(), a.dim() - 2), at = new int[batch.length];
            for (int d = batch.length - 1, rest = batchIndex; d >= 0; d--) { at[d] = rest % batch[d]; rest /= batch[d]; }
            which = "the matrix at batch index " + Arrays.toString(at);
        }
        return new IllegalArgumentException("inverse: " + which + " is singular (pivot " + (zeroPivot + 1) + " is zero) in input of shape " + Shape.str(a.shape()));
    }
}
