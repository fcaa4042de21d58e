package dev.ember.engine.nn;

import dev.ember.engine.Tensor;

/** tanh(x) elementwise, like torch.nn.Tanh. */
public class Tanh extends Module {
    @Override public Tensor forward(Tensor input) { return input.tanh(); }
}
