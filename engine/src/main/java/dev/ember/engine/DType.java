package dev.ember.engine;

/** Element types of a tensor, with PyTorch's names and type-promotion order. */
public enum DType {
    BOOL("bool", 1, false),
    UINT8("uint8", 1, false),
    INT32("int32", 4, false),
    INT64("int64", 8, false),
    FLOAT32("float32", 4, true),
    FLOAT64("float64", 8, true);

    private final String pyName;
    private final int itemSize;
    private final boolean floating;

    DType(String pyName, int itemSize, boolean floating) {
        this.pyName = pyName;
        this.itemSize = itemSize;
        this.floating = floating;
    }

    /** Bytes per element. */
    public int itemSize() { return itemSize; }

    /** True for float32 and float64, the only types autograd differentiates. */
    public boolean isFloatingPoint() { return floating; }

    /** The result type of a binary op on these two types (PyTorch's promotion lattice). */
    public static DType promote(DType a, DType b) {
        return a.ordinal() >= b.ordinal() ? a : b;
    }

    /** PyTorch's name, e.g. {@code float32}. */
    @Override public String toString() { return pyName; }
}
