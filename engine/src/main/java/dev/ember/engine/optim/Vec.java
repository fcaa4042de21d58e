package dev.ember.engine.optim;

import dev.ember.engine.DType;
import dev.ember.engine.Tensor;

/**
 * Element access to a contiguous float32 or float64 tensor's storage, so each update rule is written once
 * as a plain loop in double arithmetic (no allocation per element; the JIT inlines both kinds).
 */
abstract class Vec {
    final int n;

    private Vec(int n) { this.n = n; }

    abstract double get(int i);

    abstract void set(int i, double v);

    static Vec of(Tensor t) {
        if (!t.isContiguous()) throw new IllegalStateException("optimizer state must be contiguous");
        if (t.dtype() == DType.FLOAT32) return new F32(t.storage().floats(), t.offset(), t.numel());
        if (t.dtype() == DType.FLOAT64) return new F64(t.storage().doubles(), t.offset(), t.numel());
        throw new IllegalArgumentException("optimizers update floating point tensors only, got " + t.dtype());
    }

    static final class F32 extends Vec {
        final float[] a;
        final int off;
        F32(float[] a, int off, int n) { super(n); this.a = a; this.off = off; }
        @Override double get(int i) { return a[off + i]; }
        @Override void set(int i, double v) { a[off + i] = (float) v; }
    }

    static final class F64 extends Vec {
        final double[] a;
        final int off;
        F64(double[] a, int off, int n) { super(n); this.a = a; this.off = off; }
        @Override double get(int i) { return a[off + i]; }
        @Override void set(int i, double v) { a[off + i] = v; }
    }
}
