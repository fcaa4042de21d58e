package dev.ember.engine.ops;

import dev.ember.engine.Tensor;

/** STUB: being written. */
public final class LinearSolve {
    private LinearSolve() {}
    public static Tensor inverse(Tensor a) { throw new UnsupportedOperationException("inverse"); }
    public static Tensor det(Tensor a) { throw new UnsupportedOperationException("det"); }
}
