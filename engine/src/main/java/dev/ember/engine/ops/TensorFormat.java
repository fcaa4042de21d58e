package dev.ember.engine.ops;

import dev.ember.engine.Tensor;

/** STUB: being written. */
public final class TensorFormat {
    private TensorFormat() {}
    public static String format(Tensor t) { return "tensor(" + java.util.Arrays.toString(t.toDoubleArray()) + ")"; }
}
