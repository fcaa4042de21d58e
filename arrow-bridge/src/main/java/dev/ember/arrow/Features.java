package dev.ember.arrow;

import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;

/** Where the features of a batch come from: pick one of the three factories. */
public abstract class Features {
    private Features() {}

    /** A Spark ML {@code Vector} column (dense or sparse), as Arrow's struct of type/size/indices/values. */
    public static Features mlVector(String column) {
        return new Features() {
            @Override FeatureReader bind(VectorSchemaRoot root) { return new MlVectorFeatures(column, vector(root, column)); }
            @Override public String toString() { return "mlVector(" + column + ")"; }
        };
    }

    /** An {@code array<float|double|byte|short|int|long>} column, e.g. from {@code vector_to_array(col, "float32")}. */
    public static Features array(String column) {
        return new Features() {
            @Override FeatureReader bind(VectorSchemaRoot root) { return new ArrayFeatures(column, vector(root, column)); }
            @Override public String toString() { return "array(" + column + ")"; }
        };
    }

    /** Several numeric columns, one feature each, in this order (F = number of columns). */
    public static Features columns(String... columns) {
        if (columns.length == 0) throw new IllegalArgumentException("Features.columns needs at least one column");
        List<String> names = List.of(columns);
        return new Features() {
            @Override FeatureReader bind(VectorSchemaRoot root) {
                List<NumericColumn> cols = new ArrayList<>(names.size());
                for (String name : names) cols.add(NumericColumn.of(name, vector(root, name)));
                return new ColumnsFeatures(cols);
            }
            @Override int fixedLength() { return names.size(); }
            @Override public String toString() { return "columns" + names; }
        };
    }

    /** Binds to one batch's vectors; done per batch because a root's vectors are only valid for it. */
    abstract FeatureReader bind(VectorSchemaRoot root);

    /** F when the source fixes it (numeric columns), else 0 (known only from the data or the caller). */
    int fixedLength() { return 0; }

    static FieldVector vector(VectorSchemaRoot root, String column) {
        FieldVector v = root.getVector(column);
        if (v == null) throw new IllegalArgumentException("No column '" + column + "' in Arrow schema " + root.getSchema());
        return v;
    }
}
