package dev.ember.arrow;

import dev.ember.engine.Storage;
import dev.ember.engine.Tensor;
import java.util.Arrays;
import org.apache.arrow.vector.VectorSchemaRoot;

/** The label column of a batch: class indexes (int64) or regression targets (float32). */
public abstract class Labels {
    private Labels() {}

    /**
     * Class indexes from a numeric column (Spark ML's labels are doubles like 3.0): each value
     * must be integral and in {@code [0, numClasses)}. Gives an int64 {@code [B]} tensor.
     */
    public static Labels classes(String column, int numClasses) {
        if (numClasses < 1) throw new IllegalArgumentException("numClasses must be positive, got " + numClasses);
        return new Labels() {
            @Override Reader bind(VectorSchemaRoot root, int rows) {
                NumericColumn col = NumericColumn.of(column, Features.vector(root, column));
                long[] y = new long[rows];
                return new Reader() {
                    @Override public InvalidValue read(int row, int slot) {
                        if (col.isNull(row)) return new InvalidValue(column, "null");
                        double v = col.get(row);
                        // NaN fails the first test, infinities the second.
                        if (v != Math.rint(v)) return new InvalidValue(column, "class label " + v + " is not an integer");
                        if (v < 0 || v >= numClasses) {
                            return new InvalidValue(column, "class label " + InvalidValue.value(v, col.integral()) + " outside [0, " + numClasses + ")");
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
        return new Labels() {
            @Override Reader bind(VectorSchemaRoot root, int rows) {
                NumericColumn col = NumericColumn.of(column, Features.vector(root, column));
                float[] y = new float[rows];
                return new Reader() {
                    @Override public InvalidValue read(int row, int slot) {
                        if (col.isNull(row)) return new InvalidValue(column, "null");
                        double v = col.get(row);
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

    /** Binds to one batch of {@code rows} rows. */
    abstract Reader bind(VectorSchemaRoot root, int rows);

    /** Reads labels of one batch into a heap array, slot by slot (slots of skipped rows are reused). */
    interface Reader {
        InvalidValue read(int row, int slot);
        Tensor finish(int size);
    }
}
