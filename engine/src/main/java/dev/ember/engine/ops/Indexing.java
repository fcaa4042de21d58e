package dev.ember.engine.ops;

import dev.ember.engine.Tensor;

/** STUB: being written. */
public final class Indexing {
    private Indexing() {}
    public static Tensor index(Tensor t, Tensor[] indices) { throw new UnsupportedOperationException("index"); }
    public static Tensor indexPut(Tensor t, Tensor[] indices, Tensor values, boolean accumulate) { throw new UnsupportedOperationException("indexPut"); }
    public static Tensor indexSelect(Tensor t, int dim, Tensor index) { throw new UnsupportedOperationException("indexSelect"); }
    public static Tensor gather(Tensor t, int dim, Tensor index) { throw new UnsupportedOperationException("gather"); }
    public static Tensor scatterAdd(Tensor t, int dim, Tensor index, Tensor src) { throw new UnsupportedOperationException("scatterAdd"); }
    public static Tensor maskedFill(Tensor t, Tensor mask, double value) { throw new UnsupportedOperationException("maskedFill"); }
    public static Tensor maskedSelect(Tensor t, Tensor mask) { throw new UnsupportedOperationException("maskedSelect"); }
    public static Tensor nonzero(Tensor t) { throw new UnsupportedOperationException("nonzero"); }
}
