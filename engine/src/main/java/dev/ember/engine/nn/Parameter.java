package dev.ember.engine.nn;

import dev.ember.engine.Tensor;

/**
 * A tensor that is a module's learnable state, like torch.nn.Parameter: a leaf that requires grad and
 * that {@link Module#parameters()} finds through the module's fields. It shares the storage of the tensor
 * it was made from.
 */
public final class Parameter extends Tensor {
    public Parameter(Tensor data) { this(data, true); }

    public Parameter(Tensor data, boolean requiresGrad) {
        super(data);
        if (requiresGrad) requiresGrad_(true);
    }

    @Override public String toString() { return "Parameter containing:\n" + super.toString(); }
}
