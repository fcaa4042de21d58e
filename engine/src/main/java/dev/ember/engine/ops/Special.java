package dev.ember.engine.ops;

import dev.ember.engine.Tensor;
import dev.ember.engine.autograd.Function;
import dev.ember.engine.backend.Backend.Unary;

/** Special functions (torch.special): the error function, used by the exact GELU. */
public final class Special {
    private Special() {}

    /** erf of every element (integer inputs give float32), differentiable. */
    public static Tensor erf(Tensor x) { return new Erf().apply(x); }

    /** erf(x) = 2/sqrt(pi) * integral_0^x exp(-t^2) dt, elementwise. */
    public static final class Erf extends Function {
        @Override protected Tensor forward(Tensor... x) {
            save(x[0]);
            return Dispatch.unary(Unary.ERF, x[0]);
        }

        /** d erf(x)/dx = 2/sqrt(pi) * exp(-x^2). */
        @Override protected Tensor[] backward(Tensor g) {
            Tensor x = saved(0);
            if (!x.dtype().isFloatingPoint()) x = x.to(g.dtype());
            return new Tensor[]{g.mul(x.square().neg().exp().mul(TWO_OVER_SQRT_PI))};
        }
    }

    static final double TWO_OVER_SQRT_PI = 1.12837916709551257390;
}
