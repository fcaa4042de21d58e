package dev.ember.arrow;

import static dev.ember.arrow.Columns.root;
import static org.junit.jupiter.api.Assertions.*;

import dev.ember.engine.Tensor;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.complex.StructVector;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.util.ArrowUtils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Model outputs to Arrow: values, layouts that match Spark's own, and round trips. */
class TensorToArrowTest {
    private static final float[] SCORES = {0.1f, 0.7f, 0.2f, 2f, -1f, 2f};
    private RootAllocator allocator;

    @BeforeEach void open() { allocator = new RootAllocator(); }
    @AfterEach void close() { allocator.close(); }

    private static Tensor scores() { return Tensor.of(new float[][]{{0.1f, 0.7f, 0.2f}, {2f, -1f, 2f}}); }

    @Test
    void doublesFromColumnTensor() {
        try (Float8Vector v = TensorToArrow.doubles("prediction", Tensor.of(new float[][]{{1.5f}, {-2f}}), allocator)) {
            assertEquals(2, v.getValueCount());
            assertEquals(0, v.getNullCount());
            assertEquals(1.5, v.get(0));
            assertEquals(-2.0, v.get(1));
        }
    }

    @Test
    void argmaxGivesClassIndexAsDoubleWithTiesToLowestIndex() {
        try (Float8Vector v = TensorToArrow.argmax("prediction", scores(), allocator)) {
            assertEquals(1.0, v.get(0));
            assertEquals(0.0, v.get(1));
        }
    }

    @Test
    void floatArraysMatchSparkLayoutAndValues() {
        try (ListVector v = TensorToArrow.floatArrays("out", scores(), allocator)) {
            assertEquals(sparkVectorField(ArrowUtils.toArrowField("out", new ArrayType(DataTypes.FloatType, false), true, "UTC", false)),
                    v.getField());
            assertEquals(2, v.getValueCount());
            assertEquals(0, v.getNullCount());
            assertEquals(3, v.getOffsetBuffer().getInt(4));
            Float4Vector child = (Float4Vector) v.getDataVector();
            assertEquals(6, child.getValueCount());
            assertEquals(0, child.getNullCount());
            for (int i = 0; i < SCORES.length; i++) assertEquals(SCORES[i], child.get(i));
        }
    }

    @Test
    void mlVectorFieldIsSparksVectorUdtField() {
        assertEquals(ArrowUtils.toArrowField("probability", new VectorUDT(), true, "UTC", false), MlVectorSchema.field("probability", true));
    }

    /** The field of a vector Spark would allocate for this field (Arrow renames list children to "$data$"). */
    private Field sparkVectorField(Field sparkField) {
        try (FieldVector v = sparkField.createVector(allocator)) {
            return v.getField();
        }
    }

    @Test
    void mlVectorsRoundTripThroughArrowToTensor() {
        try (StructVector v = TensorToArrow.mlVectors("probability", scores(), allocator);
             VectorSchemaRoot r = root(v)) {
            assertEquals(sparkVectorField(ArrowUtils.toArrowField("probability", new VectorUDT(), true, "UTC", false)), v.getField());
            assertEquals(0, v.getNullCount());
            assertTrue(v.getChild("size").isNull(0), "dense vectors have no size");
            assertTrue(v.getChild("indices").isNull(1), "dense vectors have no indices");
            TensorBatch back = ArrowToTensor.builder(Features.mlVector("probability")).build().convert(r);
            assertArrayEquals(SCORES, back.features().toFloatArray());
        }
    }

    @Test
    void floatArraysRoundTripFromANonContiguousView() {
        Tensor transposed = scores().t(); // [3, 2], a strided view
        try (ListVector v = TensorToArrow.floatArrays("x", transposed, allocator); VectorSchemaRoot r = root(v)) {
            TensorBatch back = ArrowToTensor.builder(Features.array("x")).build().convert(r);
            assertArrayEquals(new int[]{3, 2}, back.features().shape());
            assertArrayEquals(new float[]{0.1f, 2f, 0.7f, -1f, 0.2f, 2f}, back.features().toFloatArray());
        }
    }

    @Test
    void rejectsWrongRank() {
        var e = assertThrows(IllegalArgumentException.class, () -> TensorToArrow.floatArrays("x", Tensor.tensor(1f, 2f), allocator));
        assertTrue(e.getMessage().contains("[B, K]"));
    }
}
