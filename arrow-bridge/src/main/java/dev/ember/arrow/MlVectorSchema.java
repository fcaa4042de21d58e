package dev.ember.arrow;

import java.util.List;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;

/**
 * The Arrow layout of Spark ML's {@code VectorUDT}: its SQL type
 * {@code struct<type: byte not null, size: int, indices: array<int not null>, values: array<double not null>>}
 * as {@code ArrowUtils.toArrowField} writes it (list children are named "element").
 */
public final class MlVectorSchema {
    public static final String TYPE = "type";
    public static final String SIZE = "size";
    public static final String INDICES = "indices";
    public static final String VALUES = "values";
    /** The child name Spark gives a list's elements. */
    public static final String ELEMENT = "element";

    private MlVectorSchema() {}

    /** The Arrow field for an ML Vector column called {@code name}. */
    public static Field field(String name, boolean nullable) {
        return new Field(name, new FieldType(nullable, ArrowType.Struct.INSTANCE, null), List.of(
                new Field(TYPE, FieldType.notNullable(new ArrowType.Int(8, true)), null),
                new Field(SIZE, FieldType.nullable(new ArrowType.Int(32, true)), null),
                listField(INDICES, new ArrowType.Int(32, true)),
                listField(VALUES, new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE))));
    }

    /** A nullable list of non-null elements, Spark's {@code ArrayType(t, containsNull = false)}. */
    static Field listField(String name, ArrowType elementType) {
        return new Field(name, FieldType.nullable(ArrowType.List.INSTANCE),
                List.of(new Field(ELEMENT, FieldType.notNullable(elementType), null)));
    }
}
