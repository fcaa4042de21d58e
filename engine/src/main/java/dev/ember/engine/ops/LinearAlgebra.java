package dev.ember.engine.ops;

import dev.ember.engine.DType;
import dev.ember.engine.Shape;
import dev.ember.engine.Tensor;
import dev.ember.engine.backend.Backend;
import dev.ember.engine.autograd.Function;

/** Matrix products on the GEMM kernel; matmul's broadcasting and vector cases are composed in Tensor. */
public final class LinearAlgebra {
    private LinearAlgebra() {}

    /**
     * torch.matmul: 1-d operands are promoted to matrices and the added dim removed afterwards; batch dims
     * broadcast. An [..., k] @ [k, m] product runs as one GEMM over the flattened rows.
     */
    public static Tensor matmul(Tensor a, Tensor b) {
        if (a.dim() == 0 || b.dim() == 0) {
            throw new IllegalArgumentException("both arguments to matmul need to be at least 1D, but they are " + a.dim() + "D and " + b.dim() + "D");
        }
        if (a.dim() == 1 && b.dim() == 1) return a.dot(b);
        if (a.dim() == 1) return matmul(a.unsqueeze(0), b).squeeze(-2);
        if (b.dim() == 1) return matmul(a, b.unsqueeze(1)).squeeze(-1);
        if (a.dim() == 2 && b.dim() == 2) return a.mm(b);
        int k = a.size(-1);
        if (k != b.size(-2)) {
            throw new IllegalArgumentException("mat1 and mat2 shapes cannot be multiplied (" + Shape.str(a.shape()) + " and " + Shape.str(b.shape()) + "): " + k + " != " + b.size(-2));
        }
        int[] as = a.shape(), bs = b.shape();
        if (b.dim() == 2) {
            int[] out = as.clone();
            out[out.length - 1] = bs[1];
            return a.reshape(-1, k).mm(b).reshape(out);
        }
        int[] batch = Shape.broadcast(java.util.Arrays.copyOf(as, as.length - 2), java.util.Arrays.copyOf(bs, bs.length - 2));
        int n = as[as.length - 2], m = bs[bs.length - 1], nb = Shape.numel(batch);
        int[] ea = concat(batch, n, k), eb = concat(batch, k, m);
        Tensor out = a.expand(ea).reshape(nb, n, k).bmm(b.expand(eb).reshape(nb, k, m));
        return out.reshape(concat(batch, n, m));
    }

    private static int[] concat(int[] batch, int r, int c) {
        int[] s = java.util.Arrays.copyOf(batch, batch.length + 2);
        s[batch.length] = r;
        s[batch.length + 1] = c;
        return s;
    }

    /** [n, k] @ [k, m]. */
    public static final class Mm extends Function {
        @Override protected Tensor forward(Tensor... x) {
            Tensor a = x[0], b = x[1];
            check("mm", a, b);
            save(a, b);
            return Tensor.fromStorage(batched(a.unsqueeze(0), b.unsqueeze(0)).storage(), new int[]{a.shape()[0], b.shape()[1]});
        }

        static void check(String op, Tensor a, Tensor b) {
            checkFloat(op, a, b);
            if (a.dim() != 2 || b.dim() != 2 || a.shape()[1] != b.shape()[0]) {
                throw new IllegalArgumentException("mat1 and mat2 shapes cannot be multiplied (" + dims(a) + " and " + dims(b) + ")");
            }
        }
        /**
         * dA = g B^T, dB = A^T g (the transposes are views the kernel reads directly). An operand that is
         * a transposed view (Linear's {@code weight.t()}) gets its gradient computed transposed, as
         * (B g^T)^T or (g^T A)^T, so the gradient reaching the weight itself is contiguous.
         */
        @Override protected Tensor[] backward(Tensor g) {
            Tensor a = saved(0), b = saved(1);
            return new Tensor[]{needsInputGrad(0) ? gradA(a, b, g) : null, needsInputGrad(1) ? gradB(a, b, g) : null};
        }

        static Tensor gradA(Tensor a, Tensor b, Tensor g) { return isTransposed(a) ? b.mm(g.t()).t() : g.mm(b.t()); }
        static Tensor gradB(Tensor a, Tensor b, Tensor g) { return isTransposed(b) ? g.t().mm(a).t() : a.t().mm(g); }

        private static boolean isTransposed(Tensor t) { return !t.isContiguous() && t.t().isContiguous(); }
    }

    /**
     * torch.addmm with beta = alpha = 1: {@code input + mat1 @ mat2}, input broadcast to the product's [n, m] (a
     * Linear's bias [m]). Where the backend adds a finished product to C at once ({@link Backend#gemmAddsProductOnce})
     * the output starts as the broadcast input and the GEMM adds onto it: the bias costs no pass of its own, and the
     * floats are those of mm then add, since float addition commutes (the input enters as {@code input + 0}, turning a
     * -0 into the +0 that the product's zero-filled output would give).
     */
    public static final class Addmm extends Function {
        @Override protected Tensor forward(Tensor... x) {
            Tensor input = x[0], a = x[1], b = x[2];
            Mm.check("addmm", a, b);
            int[] shape = {a.shape()[0], b.shape()[1]};
            if (!broadcastsTo(input.shape(), shape)) {
                throw new IllegalArgumentException("addmm: input of shape " + Shape.str(input.shape()) + " does not broadcast to the product's " + Shape.str(shape));
            }
            save(a, b);
            if (input.dtype() != a.dtype() || !Dispatch.backend("addmm", input, a, b).gemmAddsProductOnce(a.dtype(), a.shape()[1])) {
                return Dispatch.binary(Backend.Binary.ADD, Tensor.fromStorage(batched(a.unsqueeze(0), b.unsqueeze(0)).storage(), shape), input);
            }
            Tensor out = Dispatch.contiguous(Dispatch.binary(Backend.Binary.ADD, input, Tensor.scalar(0, input.dtype())).expand(shape), a.dtype());
            gemm(a.unsqueeze(0), b.unsqueeze(0), out, true);
            return out;
        }
        @Override protected Tensor[] backward(Tensor g) {
            Tensor a = saved(0), b = saved(1);
            return new Tensor[]{g, needsInputGrad(1) ? Mm.gradA(a, b, g) : null, needsInputGrad(2) ? Mm.gradB(a, b, g) : null};
        }
    }

    /** Whether a tensor of this shape expands to target: each trailing dim equal or 1, no extra dims. */
    private static boolean broadcastsTo(int[] shape, int[] target) {
        if (shape.length > target.length) return false;
        for (int i = 1; i <= shape.length; i++) {
            int d = shape[shape.length - i];
            if (d != 1 && d != target[target.length - i]) return false;
        }
        return true;
    }

    /** [B, n, k] @ [B, k, m]. */
    public static final class Bmm extends Function {
        @Override protected Tensor forward(Tensor... x) {
            Tensor a = x[0], b = x[1];
            checkFloat("bmm", a, b);
            if (a.dim() != 3 || b.dim() != 3 || a.shape()[0] != b.shape()[0] || a.shape()[2] != b.shape()[1]) {
                throw new IllegalArgumentException("bmm expects [B, n, k] and [B, k, m], got " + Shape.str(a.shape()) + " and " + Shape.str(b.shape()));
            }
            save(a, b);
            return batched(a, b);
        }
        @Override protected Tensor[] backward(Tensor g) {
            Tensor a = saved(0), b = saved(1);
            return new Tensor[]{needsInputGrad(0) ? g.bmm(b.transpose(1, 2)) : null, needsInputGrad(1) ? a.transpose(1, 2).bmm(g) : null};
        }
    }

    private static String dims(Tensor t) {
        int[] s = t.shape();
        return s.length == 2 ? s[0] + "x" + s[1] : Shape.str(s);
    }

    private static void checkFloat(String op, Tensor a, Tensor b) {
        if (a.dtype() != b.dtype()) throw new IllegalArgumentException(op + ": expected both operands to have the same dtype, but got " + a.dtype() + " and " + b.dtype());
        if (!a.dtype().isFloatingPoint()) throw new IllegalArgumentException(op + " is implemented for float32 and float64, not " + a.dtype());
    }

    /**
     * Batched GEMM. A matrix whose last dim is contiguous is passed as is; one whose second-to-last dim is
     * contiguous is passed as a transpose; anything else is copied first.
     */
    static Tensor batched(Tensor a, Tensor b) {
        int batch = a.shape()[0], n = a.shape()[1], m = b.shape()[2];
        Tensor out = Tensor.empty(new int[]{batch, n, m}, a.dtype(), a.device());
        gemm(a, b, out, false);
        return out;
    }

    /** out (contiguous, offset 0, [B, n, m] or for one batch [n, m]) = (accumulate ? out : 0) + a @ b, a [B, n, k], b [B, k, m]. */
    private static void gemm(Tensor a, Tensor b, Tensor out, boolean accumulate) {
        int batch = a.shape()[0], n = a.shape()[1], k = a.shape()[2], m = b.shape()[2];
        Operand pa = Operand.of(a), pb = Operand.of(b);
        Backend backend = Dispatch.backend("matmul", a, b, out);
        for (int i = 0; i < batch; i++) {
            int ao = pa.t.offset() + i * pa.t.strides()[0], bo = pb.t.offset() + i * pb.t.strides()[0];
            backend.gemm(pa.trans, pb.trans, n, m, k, pa.t.storage().buffer(), ao, pa.ld, pb.t.storage().buffer(), bo, pb.ld,
                    out.storage().buffer(), i * n * m, m, accumulate);
        }
    }

    /** A [B, r, c] operand as the kernel wants it: storage, row stride, and whether it is stored transposed. */
    private record Operand(Tensor t, boolean trans, int ld) {
        static Operand of(Tensor x) {
            int[] s = x.shape(), st = x.strides();
            if (st[2] == 1 && (st[1] >= Math.max(1, s[2]) || s[1] == 1)) return new Operand(x, false, Math.max(st[1], Math.max(1, s[2])));
            if (st[1] == 1 && (st[2] >= Math.max(1, s[1]) || s[2] == 1)) return new Operand(x, true, Math.max(st[2], Math.max(1, s[1])));
            Tensor c = Dispatch.contiguous(x, x.dtype());
            return new Operand(c, false, Math.max(1, s[2]));
        }
    }
}
