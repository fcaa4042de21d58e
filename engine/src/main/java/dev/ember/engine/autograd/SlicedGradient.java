package dev.ember.engine.autograd;

import dev.ember.engine.Tensor;

/**
 * A node whose input gradient is its output gradient placed in a part of the input's shape (a slice).
 * Its plain backward builds a full-size gradient, so T slices of one tensor would cost T full-size
 * tensors and T full-size sums; without createGraph, {@link Backward} instead adds every slice's
 * gradient into one buffer per input and sends that on once, which costs only the slices.
 */
public interface SlicedGradient {
    /** Zeros of the input's shape and dtype: the buffer the slices' gradients are added into. */
    Tensor newGradBuffer();

    /** Adds this node's output gradient into its part of buffer (slices may overlap, so it adds). */
    void addGradInto(Tensor buffer, Tensor grad);
}
