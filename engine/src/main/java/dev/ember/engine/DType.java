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

    /**
     * The result type of arithmetic on these two types, like {@code torch.result_type}: the later of the two in
     * bool < uint8 < int32 < int64 < float32 < float64. Comparisons give bool; see {@link #toFloatingPoint()} for
     * true division and transcendental functions.
     */
    public static DType promote(DType a, DType b) {
        return a.ordinal() >= b.ordinal() ? a : b;
    }

    /** This type if floating point, else float32 (PyTorch's default dtype): the result of {@code /}, exp, log, ... on it. */
    public DType toFloatingPoint() { return floating ? this : FLOAT32; }

    /** What {@code sum} and {@code prod} give over this type: integers and bool widen to int64, as in PyTorch. */
    public DType sumType() { return floating ? this : INT64; }

    /** PyTorch's name, e.g. {@code float32}. */
    @Override public String toString() { return pyName; }
}
