package dev.ember.arrow;

import dev.ember.engine.Storage;
import dev.ember.engine.Tensor;
import java.util.Arrays;

/** The label column of a batch: class indexes (int64) or regression targets (float32). */
public abstract class Labels {
    private final String column;

    private Labels(String column) { this.column = column; }

    /**
     * Class indexes from a numeric column (Spark ML's labels are doubles like 3.0): each value
     * must be integral and in {@code [0, numClasses)}. Gives an int64 {@code [B]} tensor.
     */
    public static Labels classes(String column, int numClasses) {
        if (numClasses < 1) throw new IllegalArgumentException("numClasses must be positive, got " + numClasses);
        return new Labels(column) {
            @Override Sink sink(int rows) {
                long[] y = new long[rows];
                return new Sink() {
                    @Override public InvalidValue put(int slot, double v, boolean integral) {
                        // NaN fails the first test, infinities the second.
                        if (v != Math.rint(v)) return new InvalidValue(column, "class label " + v + " is not an integer");
                        if (v < 0 || v >= numClasses) {
                            return new InvalidValue(column, "class label " + InvalidValue.value(v, integral) + " outside [0, " + numClasses + ")");
                        }
                        y[slot] = (long) v;
                        return null;
                    }
                    @Override public Tensor finish(int size) {
                        return Tensor.fromStorage(Storage.of(size == y.length ? y : Arrays.copyOf(y, size)), new int[]{size});
                    }
                };
            }
            @Override public String toString() { return "classes(" + column + ", " + numClasses + ")"; }
        };
    }

    /** Regression targets from a numeric column; each must be finite. Gives a float32 {@code [B]} tensor. */
    public static Labels targets(String column) {
        return new Labels(column) {
            @Override Sink sink(int rows) {
                float[] y = new float[rows];
                return new Sink() {
                    @Override public InvalidValue put(int slot, double v, boolean integral) {
                        float f = (float) v;
                        if (!Float.isFinite(f)) return new InvalidValue(column, "target " + v + " is not finite in float32");
                        y[slot] = f;
                        return null;
                    }
                    @Override public Tensor finish(int size) {
                        return Tensor.fromStorage(Storage.of(size == y.length ? y : Arrays.copyOf(y, size)), new int[]{size});
                    }
                };
            }
            @Override public String toString() { return "targets(" + column + ")"; }
        };
    }

    /** The label column's name. */
    public String column() { return column; }

    /** A label array for one batch of up to {@code rows} rows. */
    abstract Sink sink(int rows);

    /** Checks labels and stores them slot by slot (slots of skipped rows are reused). */
    interface Sink {
        /** Stores a non-null value read from the column ({@code integral}: from an integer column, for messages). */
        InvalidValue put(int slot, double v, boolean integral);

        Tensor finish(int size);
    }
}
