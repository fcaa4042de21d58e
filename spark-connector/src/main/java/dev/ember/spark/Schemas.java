package dev.ember.spark;

import java.util.Arrays;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/** Column checks and output columns shared by the estimator and the model, with messages that name the column. */
final class Schemas {
    private Schemas() {}

    /** True for an ML Vector column, false for an array of numbers; anything else is refused. */
    static boolean checkFeatures(StructType schema, String col) {
        DataType t = field(schema, col, "featuresCol").dataType();
        if (t.equals(SQLDataTypes.VectorType())) return true;
        if (t instanceof ArrayType a && a.elementType() instanceof NumericType) return false;
        throw new IllegalArgumentException("featuresCol '" + col + "' must be an ML Vector or an array of numbers, but it is " + t.simpleString());
    }

    static void checkLabel(StructType schema, String col) {
        DataType t = field(schema, col, "labelCol").dataType();
        if (!(t instanceof NumericType)) throw new IllegalArgumentException("labelCol '" + col + "' must be numeric, but it is " + t.simpleString());
    }

    /** The input schema plus the model's output columns (empty names are left out). */
    static StructType withOutputs(StructType schema, EmberParams p) {
        StructType out = schema;
        if (p.isClassification()) {
            out = add(out, p.getRawPredictionCol(), SQLDataTypes.VectorType(), "rawPredictionCol");
            out = add(out, p.getProbabilityCol(), SQLDataTypes.VectorType(), "probabilityCol");
        }
        out = add(out, p.getPredictionCol(), DataTypes.DoubleType, "predictionCol");
        return add(out, p.getOutputCol(), DataTypes.createArrayType(DataTypes.FloatType, false), "outputCol");
    }

    private static StructType add(StructType schema, String col, DataType type, String param) {
        if (col.isEmpty()) return schema;
        if (Arrays.asList(schema.fieldNames()).contains(col)) {
            throw new IllegalArgumentException(param + " '" + col + "' already exists in the input; choose another name");
        }
        return schema.add(new StructField(col, type, false, org.apache.spark.sql.types.Metadata.empty()));
    }

    private static StructField field(StructType schema, String col, String param) {
        if (!Arrays.asList(schema.fieldNames()).contains(col)) {
            throw new IllegalArgumentException(param + " '" + col + "' does not exist; the columns are " + Arrays.toString(schema.fieldNames()));
        }
        return schema.apply(col);
    }
}
