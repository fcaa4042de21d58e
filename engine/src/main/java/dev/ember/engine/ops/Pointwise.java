package dev.ember.engine.ops;

import dev.ember.engine.DType;
import dev.ember.engine.Tensor;
import dev.ember.engine.autograd.Function;
import dev.ember.engine.backend.Backend;
import dev.ember.engine.backend.Backend.Unary;

/** Elementwise functions of one tensor, each with its derivative. */
public final class Pointwise {
    private Pointwise() {}

    public static final class Neg extends Function {
        @Override protected Tensor forward(Tensor... x) { return Dispatch.unary(Unary.NEG, x[0]); }
        @Override protected Tensor[] backward(Tensor g) { return new Tensor[]{g.neg()}; }
    }

    public static final class Exp extends Function {
        @Override protected Tensor forward(Tensor... x) {
            Tensor out = Dispatch.unary(Unary.EXP, x[0]);
            save(out);
            return out;
        }
        @Override protected Tensor[] backward(Tensor g) { return new Tensor[]{g.mul(saved(0))}; }
    }

    public static final class Log extends Function {
        @Override protected Tensor forward(Tensor... x) {
            save(x[0]);
            return Dispatch.unary(Unary.LOG, x[0]);
        }
        @Override protected Tensor[] backward(Tensor g) { return new Tensor[]{g.div(saved(0))}; }
    }

    public static final class Sqrt extends Function {
        @Override protected Tensor forward(Tensor... x) {
            Tensor out = Dispatch.unary(Unary.SQRT, x[0]);
            save(out);
            return out;
        }
        @Override protected Tensor[] backward(Tensor g) { return new Tensor[]{g.div(saved(0).mul(2.0))}; }
    }

    public static final class Sin extends Function {
        @Override protected Tensor forward(Tensor... x) {
            save(x[0]);
            return Dispatch.unary(Unary.SIN, x[0]);
        }
        @Override protected Tensor[] backward(Tensor g) { return new Tensor[]{g.mul(saved(0).cos())}; }
    }

    public static final class Cos extends Function {
        @Override protected Tensor forward(Tensor... x) {
            save(x[0]);
            return Dispatch.unary(Unary.COS, x[0]);
        }
        @Override protected Tensor[] backward(Tensor g) { return new Tensor[]{g.mul(saved(0).sin()).neg()}; }
    }

    public static final class Tanh extends Function {
        @Override protected Tensor forward(Tensor... x) {
            Tensor out = Dispatch.unary(Unary.TANH, x[0]);
            save(out);
            return out;
        }
        /** d tanh = 1 - tanh^2. */
        @Override protected Tensor[] backward(Tensor g) {
            Tensor y = saved(0);
            return new Tensor[]{g.mul(y.mul(y).neg().add(1.0))};
        }
    }

    public static final class Sigmoid extends Function {
        @Override protected Tensor forward(Tensor... x) {
            Tensor out = Dispatch.unary(Unary.SIGMOID, x[0]);
            save(out);
            return out;
        }
        /** d sigmoid = s (1 - s). */
        @Override protected Tensor[] backward(Tensor g) {
            Tensor s = saved(0);
            return new Tensor[]{g.mul(s).mul(s.neg().add(1.0))};
        }
    }

    public static final class Relu extends Function {
        @Override protected Tensor forward(Tensor... x) {
            Tensor out = Dispatch.unary(Unary.RELU, x[0]);
            save(out);
            return out;
        }
        /** The derivative at 0 is taken as 0, as in PyTorch. */
        @Override protected Tensor[] backward(Tensor g) {
            Tensor out = saved(0);
            // A fused kernel when no graph is being built; the composite keeps double backward working.
            if (!dev.ember.engine.autograd.GradMode.isEnabled() && g.dtype() == out.dtype()) return new Tensor[]{Dispatch.binary(Backend.Binary.RELU_GRAD, g, out)};
            return new Tensor[]{g.mul(out.gt(0.0))};
        }
    }

    public static final class Abs extends Function {
        @Override protected Tensor forward(Tensor... x) {
            save(x[0]);
            return Dispatch.unary(Unary.ABS, x[0]);
        }
        @Override protected Tensor[] backward(Tensor g) { return new Tensor[]{g.mul(saved(0).sign())}; }
    }

    /** x ** p for a constant exponent; integer tensors to whole powers stay integer, as in PyTorch. */
    public static final class PowScalar extends Function {
        private final double p;
        public PowScalar(double p) { this.p = p; }
        @Override protected Tensor forward(Tensor... x) {
            save(x[0]);
            DType t = x[0].dtype();
            boolean whole = p == Math.rint(p);
            if (!t.isFloatingPoint() && whole && p < 0) throw new IllegalArgumentException("Integers to negative integer powers are not allowed (" + t + " tensor ** " + p + ")");
            DType pt = t.isFloatingPoint() ? t : whole && t != DType.BOOL ? t : DType.FLOAT32;
            return Dispatch.binary(Backend.Binary.POW, x[0], Tensor.scalar(p, pt));
        }
        @Override protected Tensor[] backward(Tensor g) {
            Tensor x = saved(0);
            if (p == 0) return new Tensor[]{g.zerosLike()};
            if (p == 1) return new Tensor[]{g};
            return new Tensor[]{g.mul(p == 2 ? x.mul(2.0) : x.pow(p - 1).mul(p))};
        }
        @Override public String name() { return "PowBackward0"; }
    }

    /** Clamps to [min, max] (either bound may be NaN for none); the gradient passes where x is inside. */
    public static final class Clamp extends Function {
        private final double min, max;
        public Clamp(double min, double max) { this.min = min; this.max = max; }
        @Override protected Tensor forward(Tensor... x) {
            save(x[0]);
            Tensor out = x[0];
            if (!Double.isNaN(min)) out = Dispatch.binary(Backend.Binary.MAXIMUM, out, Tensor.scalar(min, x[0].dtype()));
            if (!Double.isNaN(max)) out = Dispatch.binary(Backend.Binary.MINIMUM, out, Tensor.scalar(max, x[0].dtype()));
            return out == x[0] ? x[0].clone() : out;
        }
        @Override protected Tensor[] backward(Tensor g) {
            Tensor x = saved(0);
            Tensor inside = x.onesLike().to(dev.ember.engine.DType.BOOL);
            if (!Double.isNaN(min)) inside = inside.logicalAnd(x.ge(min));
            if (!Double.isNaN(max)) inside = inside.logicalAnd(x.le(max));
            return new Tensor[]{g.mul(inside)};
        }
    }

    /** A dtype conversion; the gradient converts back (float to float only). */
    public static final class Cast extends Function {
        private final dev.ember.engine.DType dtype;
        public Cast(dev.ember.engine.DType dtype) { this.dtype = dtype; }
        @Override protected Tensor forward(Tensor... x) { return Dispatch.contiguous(x[0], dtype); }
        @Override protected Tensor[] backward(Tensor g) { return new Tensor[]{g.to(inputDtype(0))}; }
        @Override public String name() { return "ToCopyBackward0"; }
    }

    /** Tensor.to(device) under autograd: the gradient is copied back to the input's device. */
    public static final class ToDevice extends Function {
        private final dev.ember.engine.Device device;
        private dev.ember.engine.Device from;
        public ToDevice(dev.ember.engine.Device device) { this.device = device; }
        @Override protected Tensor forward(Tensor... x) {
            from = x[0].device();
            return Dispatch.toDevice(x[0], device);
        }
        @Override protected Tensor[] backward(Tensor g) { return new Tensor[]{g.to(from)}; }
        @Override public String name() { return "ToCopyBackward0"; }
    }

    /**
     * copy_ and fill_ under autograd: self (input 0) overwritten by src (input 1, broadcast and converted to self's
     * dtype). Self's old value gets a zero gradient; src gets the gradient, summed back to its shape.
     */
    public static final class Overwrite extends Function {
        @Override protected Tensor forward(Tensor... x) { return Dispatch.contiguous(x[1].expand(x[0].shape()), x[0].dtype()); }
        @Override protected Tensor[] backward(Tensor g) {
            return new Tensor[]{needsInputGrad(0) ? g.zerosLike() : null, needsInputGrad(1) ? g : null};
        }
        @Override public String name() { return "CopyBackwards"; }
    }

    /** A copy that autograd sees through. */
    public static final class Clone extends Function {
        @Override protected Tensor forward(Tensor... x) { return Dispatch.contiguous(x[0], x[0].dtype()); }
        @Override protected Tensor[] backward(Tensor g) { return new Tensor[]{g}; }
    }
}
