package dev.ember.engine.ops;

import dev.ember.engine.Tensor;
import dev.ember.engine.autograd.Function;
import dev.ember.engine.backend.Backend.Binary;

/** Binary arithmetic with broadcasting. Gradients of broadcast inputs are summed back by {@link Function}. */
public final class Arithmetic {
    private Arithmetic() {}

    public static final class Add extends Function {
        @Override protected Tensor forward(Tensor... x) { return Dispatch.binary(Binary.ADD, x[0], x[1]); }
        @Override protected Tensor[] backward(Tensor g) { return new Tensor[]{g, g}; }
    }

    public static final class Sub extends Function {
        @Override protected Tensor forward(Tensor... x) { return Dispatch.binary(Binary.SUB, x[0], x[1]); }
        @Override protected Tensor[] backward(Tensor g) { return new Tensor[]{g, needsInputGrad(1) ? g.neg() : null}; }
    }

    public static final class Mul extends Function {
        @Override protected Tensor forward(Tensor... x) {
            save(x[0], x[1]);
            return Dispatch.binary(Binary.MUL, x[0], x[1]);
        }
        @Override protected Tensor[] backward(Tensor g) {
            return new Tensor[]{needsInputGrad(0) ? g.mul(saved(1)) : null, needsInputGrad(1) ? g.mul(saved(0)) : null};
        }
    }

    public static final class Div extends Function {
        @Override protected Tensor forward(Tensor... x) {
            save(x[0], x[1]);
            return Dispatch.binary(Binary.DIV, x[0], x[1]);
        }
        @Override protected Tensor[] backward(Tensor g) {
            Tensor a = saved(0), b = saved(1);
            return new Tensor[]{needsInputGrad(0) ? g.div(b) : null,
                    needsInputGrad(1) ? g.mul(a).div(b.mul(b)).neg() : null};
        }
    }

    /** a ** b for tensors; d/db uses log(a), so it is NaN where a < 0, as in PyTorch. */
    public static final class Pow extends Function {
        @Override protected Tensor forward(Tensor... x) {
            Tensor out = Dispatch.binary(Binary.POW, x[0], x[1]);
            save(x[0], x[1], out);
            return out;
        }
        @Override protected Tensor[] backward(Tensor g) {
            Tensor a = saved(0), b = saved(1), out = saved(2);
            Tensor ga = needsInputGrad(0) ? g.mul(b).mul(a.pow(b.sub(1.0))) : null;
            // 0 ** b has derivative 0 in b (log(0) would give NaN times 0).
            Tensor gb = needsInputGrad(1) ? g.mul(out).mul(Tensor.where(a.eq(0.0), a.zerosLike(), a.log())) : null;
            return new Tensor[]{ga, gb};
        }
    }

    /** Elementwise max; where a == b the gradient is split evenly, as in PyTorch. */
    public static final class Maximum extends Function {
        private final boolean max;
        public Maximum(boolean max) { this.max = max; }
        @Override protected Tensor forward(Tensor... x) {
            save(x[0], x[1]);
            return Dispatch.binary(max ? Binary.MAXIMUM : Binary.MINIMUM, x[0], x[1]);
        }
        @Override protected Tensor[] backward(Tensor g) {
            Tensor a = saved(0), b = saved(1);
            Tensor aWins = (max ? a.gt(b) : a.lt(b)).to(g.dtype()).add(a.eq(b).to(g.dtype()).mul(0.5));
            return new Tensor[]{needsInputGrad(0) ? g.mul(aWins) : null,
                    needsInputGrad(1) ? g.mul(aWins.neg().add(1.0)) : null};
        }
        @Override public String name() { return max ? "MaximumBackward0" : "MinimumBackward0"; }
    }

    /** cond ? a : b; the condition gets no gradient. */
    public static final class Where extends Function {
        @Override protected Tensor forward(Tensor... x) {
            save(x[0]);
            return Dispatch.where(x[0], x[1], x[2]);
        }
        @Override protected Tensor[] backward(Tensor g) {
            Tensor cond = saved(0), zero = g.zerosLike();
            return new Tensor[]{null, needsInputGrad(1) ? Tensor.where(cond, g, zero) : null,
                    needsInputGrad(2) ? Tensor.where(cond, zero, g) : null};
        }
    }
}
