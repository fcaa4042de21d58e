package dev.ember.engine.nn;

import dev.ember.engine.Tensor;

/** 1 / (1 + exp(-x)) elementwise, like torch.nn.Sigmoid. */
public class Sigmoid extends Module {
    @Override public Tensor forward(Tensor input) { return input.sigmoid(); }
}
