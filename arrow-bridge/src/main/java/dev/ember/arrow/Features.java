package dev.ember.arrow;

import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.StructType;

/** Where the features of a batch come from: pick one of the three factories. */
public abstract class Features {
    private Features() {}

    /** A Spark ML {@code Vector} column (dense or sparse), as Arrow's struct of type/size/indices/values. */
    public static Features mlVector(String column) {
        return new Features() {
            @Override FeatureReader bind(VectorSchemaRoot root) { return new MlVectorFeatures(column, vector(root, column)); }
            @Override RowFeatureReader bindRows(StructType schema) {
                int i = ordinal(schema, column);
                return i >= 0 && SQLDataTypes.VectorType().equals(schema.fields()[i].dataType()) ? new VectorRows(column, i) : null;
            }
            @Override public String toString() { return "mlVector(" + column + ")"; }
        };
    }

    /** An {@code array<float|double|byte|short|int|long>} column, e.g. from {@code vector_to_array(col, "float32")}. */
    public static Features array(String column) {
        return new Features() {
            @Override FeatureReader bind(VectorSchemaRoot root) { return new ArrayFeatures(column, vector(root, column)); }
            @Override RowFeatureReader bindRows(StructType schema) {
                int i = ordinal(schema, column);
                if (i < 0 || !(schema.fields()[i].dataType() instanceof ArrayType a)) return null;
                NumericColumn.Kind kind = RowValues.kindOf(a.elementType());
                return kind == null ? null : new ArrayRows(column, i, kind);
            }
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
            @Override RowFeatureReader bindRows(StructType schema) {
                int[] ordinals = new int[columns.length];
                NumericColumn.Kind[] kinds = new NumericColumn.Kind[columns.length];
                for (int c = 0; c < columns.length; c++) {
                    ordinals[c] = ordinal(schema, columns[c]);
                    kinds[c] = ordinals[c] < 0 ? null : RowValues.kindOf(schema.fields()[ordinals[c]].dataType());
                    if (kinds[c] == null) return null;
                }
                return new ColumnsRows(columns.clone(), ordinals, kinds);
            }
            @Override int fixedLength() { return names.size(); }
            @Override public String toString() { return "columns" + names; }
        };
    }

    /** Binds to one batch's vectors; done per batch because a root's vectors are only valid for it. */
    abstract FeatureReader bind(VectorSchemaRoot root);

    /**
     * A reader straight from Spark's rows of {@code schema}, or {@code null} when a column is missing or of a type
     * only the Arrow path reads (which then names the problem).
     */
    abstract RowFeatureReader bindRows(StructType schema);

    /** The column's position in {@code schema}, or -1 (also for a name that appears twice). */
    static int ordinal(StructType schema, String column) {
        int found = -1;
        for (int i = 0; i < schema.fields().length; i++) {
            if (!schema.fields()[i].name().equals(column)) continue;
            if (found >= 0) return -1;
            found = i;
        }
        return found;
    }

    /** F when the source fixes it (numeric columns), else 0 (known only from the data or the caller). */
    int fixedLength() { return 0; }

    static FieldVector vector(VectorSchemaRoot root, String column) {
        FieldVector v = root.getVector(column);
        if (v == null) throw new IllegalArgumentException("No column '" + column + "' in Arrow schema " + root.getSchema());
        return v;
    }
}
