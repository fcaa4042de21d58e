package dev.ember.engine.ops;

import dev.ember.engine.DType;
import dev.ember.engine.Shape;
import dev.ember.engine.Tensor;
import dev.ember.engine.autograd.Function;

import java.util.Arrays;

/**
 * Matrix inverse and determinant of [n, n] or batched [..., n, n] float32/float64 tensors, from the backend's LU
 * decomposition with partial pivoting in double precision (float32 results are rounded once at the end).
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
            Tensor lu = Dispatch.contiguous(a, DType.FLOAT64), inv = Tensor.empty(a.shape(), DType.FLOAT64, a.device()); // lu: a private copy, factored in place
            int failed = Dispatch.backend("inverse", a).inverse(lu.storage().buffer(), inv.storage().buffer(), batchCount(a), n);
            if (failed >= 0) throw singular(a, failed / n, failed % n);
            Tensor out = a.dtype() == DType.FLOAT64 ? inv : Dispatch.contiguous(inv, a.dtype());
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
            Tensor lu = Dispatch.contiguous(a, DType.FLOAT64), det = Tensor.empty(Arrays.copyOf(a.shape(), a.dim() - 2), DType.FLOAT64, a.device());
            Dispatch.backend("det", a).det(lu.storage().buffer(), det.storage().buffer(), batchCount(a), n);
            Tensor out = a.dtype() == DType.FLOAT64 ? det : Dispatch.contiguous(det, a.dtype());
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

    private static void checkSquare(String op, Tensor a) {
        if (!a.dtype().isFloatingPoint()) throw new IllegalArgumentException(op + ": expected a float32 or float64 tensor, got " + a.dtype());
        if (a.dim() < 2 || a.size(-1) != a.size(-2)) {
            throw new IllegalArgumentException(op + ": expected a square matrix or a batch of them [..., n, n], got shape " + Shape.str(a.shape()));
        }
    }

    private static int batchCount(Tensor a) { return Shape.numel(Arrays.copyOf(a.shape(), a.dim() - 2)); }

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
