package dev.ember.arrow;

import static dev.ember.arrow.Columns.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.ember.engine.DType;
import dev.ember.engine.Tensor;
import java.util.stream.Stream;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Good rows: every feature source and label kind, checked against hand-written values. */
class ArrowToTensorTest {
    private RootAllocator allocator;

    @BeforeEach void open() { allocator = new RootAllocator(); }

    /** Throws if a test leaked Arrow memory. */
    @AfterEach void close() { allocator.close(); }

    @Test
    void denseMlVectors() {
        try (VectorSchemaRoot root = root(mlVectors(allocator, "features", new double[]{1, 2, 3}, new double[]{-0.5, 0, 1e-3}))) {
            TensorBatch b = ArrowToTensor.builder(Features.mlVector("features")).build().convert(root);
            assertEquals(2, b.size());
            assertArrayEquals(new int[]{2, 3}, b.features().shape());
            assertEquals(DType.FLOAT32, b.features().dtype());
            assertArrayEquals(new float[]{1, 2, 3, -0.5f, 0, 1e-3f}, b.features().toFloatArray());
            assertNull(b.labels());
        }
    }

    @Test
    void sparseAndDenseMlVectorsMixed() {
        try (VectorSchemaRoot root = root(mlVectors(allocator, "v",
                new Sparse(4, new int[]{1, 3}, new double[]{5, 7}),
                new double[]{1, 2, 3, 4},
                new Sparse(4, new int[]{}, new double[]{})))) {
            TensorBatch b = ArrowToTensor.builder(Features.mlVector("v")).numFeatures(4).build().convert(root);
            assertArrayEquals(new float[]{0, 5, 0, 7, 1, 2, 3, 4, 0, 0, 0, 0}, b.features().toFloatArray());
        }
    }

    static Stream<Arguments> elementTypes() {
        return Stream.of(Arguments.of("float", FLOAT), Arguments.of("double", DOUBLE), Arguments.of("byte", BYTE),
                Arguments.of("short", SHORT), Arguments.of("int", INT), Arguments.of("long", LONG));
    }

    @ParameterizedTest(name = "array<{0}>")
    @MethodSource("elementTypes")
    void arrayColumnOfEachType(String name, ArrowType type) {
        try (VectorSchemaRoot root = root(arrays(allocator, "x", type, new double[]{1, -2, 3}, new double[]{4, 5, -6}, new double[]{7, 8, 9}))) {
            TensorBatch b = ArrowToTensor.builder(Features.array("x")).build().convert(root);
            assertArrayEquals(new int[]{3, 3}, b.features().shape());
            assertArrayEquals(new float[]{1, -2, 3, 4, 5, -6, 7, 8, 9}, b.features().toFloatArray());
        }
    }

    @Test
    void floatArrayKeepsFractions() {
        try (VectorSchemaRoot root = root(arrays(allocator, "x", FLOAT, new double[]{0.25, 1.5}, new double[]{-3.75, 1e-7}))) {
            TensorBatch b = ArrowToTensor.builder(Features.array("x")).build().convert(root);
            assertArrayEquals(new float[]{0.25f, 1.5f, -3.75f, 1e-7f}, b.features().toFloatArray());
        }
    }

    @Test
    void severalNumericColumnsInGivenOrder() {
        try (VectorSchemaRoot root = root(
                numbers(allocator, "a", DOUBLE, 1.5, 2.5),
                numbers(allocator, "b", INT, 10.0, 20.0),
                numbers(allocator, "c", FLOAT, -1.0, -2.0))) {
            TensorBatch b = ArrowToTensor.builder(Features.columns("c", "a", "b")).build().convert(root);
            assertArrayEquals(new int[]{2, 3}, b.features().shape());
            assertArrayEquals(new float[]{-1, 1.5f, 10, -2, 2.5f, 20}, b.features().toFloatArray());
        }
    }

    @Test
    void classLabelsFromDoubleAndLongColumns() {
        try (VectorSchemaRoot root = root(arrays(allocator, "x", FLOAT, new double[]{1}, new double[]{2}, new double[]{3}),
                numbers(allocator, "label", DOUBLE, 0.0, 2.0, 1.0),
                numbers(allocator, "id", LONG, 4.0, 0.0, 9.0))) {
            TensorBatch b = ArrowToTensor.builder(Features.array("x")).labels(Labels.classes("label", 3)).build().convert(root);
            assertEquals(DType.INT64, b.labels().dtype());
            assertArrayEquals(new long[]{0, 2, 1}, b.labels().toLongArray());
            TensorBatch c = ArrowToTensor.builder(Features.array("x")).labels(Labels.classes("id", 10)).build().convert(root);
            assertArrayEquals(new long[]{4, 0, 9}, c.labels().toLongArray());
        }
    }

    @Test
    void floatTargets() {
        try (VectorSchemaRoot root = root(numbers(allocator, "x", DOUBLE, 1.0, 2.0), numbers(allocator, "y", DOUBLE, 0.5, -3.25))) {
            TensorBatch b = ArrowToTensor.builder(Features.columns("x")).labels(Labels.targets("y")).build().convert(root);
            assertEquals(DType.FLOAT32, b.labels().dtype());
            assertArrayEquals(new int[]{2}, b.labels().shape());
            assertArrayEquals(new float[]{0.5f, -3.25f}, b.labels().toFloatArray());
        }
    }

    @Test
    void reshapeToImages() {
        double[] img0 = {0, 1, 2, 3, 4, 5, 6, 7}, img1 = {8, 9, 10, 11, 12, 13, 14, 15};
        try (VectorSchemaRoot root = root(arrays(allocator, "pixels", FLOAT, img0, img1))) {
            TensorBatch b = ArrowToTensor.builder(Features.array("pixels")).reshape(2, 2, 2).build().convert(root);
            Tensor x = b.features();
            assertArrayEquals(new int[]{2, 2, 2, 2}, x.shape());
            // Row-major [B, C, H, W]: image 1, channel 1, row 0, column 1 is element 8 + 4 + 1 = 13.
            assertEquals(13f, x.toFloatArray()[8 + 4 + 0 + 1]);
        }
    }

    @Test
    void reshapeMustMatchNumFeatures() {
        var builder = ArrowToTensor.builder(Features.array("x")).numFeatures(10).reshape(3, 3);
        var e = assertThrows(IllegalArgumentException.class, builder::build);
        assertTrue(e.getMessage().contains("Cannot reshape 10 features to [3, 3]"), e.getMessage());
    }

    @Test
    void numFeaturesIsInferredFromFirstRowAndKeptAcrossBatches() {
        ArrowToTensor conv = ArrowToTensor.builder(Features.array("x")).handleInvalid("skip").build();
        try (VectorSchemaRoot first = root(arrays(allocator, "x", FLOAT, null, new double[]{1, 2}))) {
            assertEquals(1, conv.convert(first).size());
        }
        assertEquals(2, conv.numFeatures());
        try (VectorSchemaRoot second = root(arrays(allocator, "x", FLOAT, new double[]{1, 2, 3}, new double[]{4, 5}))) {
            TensorBatch b = conv.convert(second);
            assertArrayEquals(new float[]{4, 5}, b.features().toFloatArray());
        }
        assertEquals(2, conv.skippedRows());
        assertEquals(4, conv.rowsSeen());
    }

    @Test
    void missingColumnAndWrongTypeAreConfigurationErrors() {
        try (VectorSchemaRoot root = root(numbers(allocator, "x", DOUBLE, 1.0))) {
            var missing = assertThrows(IllegalArgumentException.class,
                    () -> ArrowToTensor.builder(Features.array("nope")).build().convert(root));
            assertTrue(missing.getMessage().contains("No column 'nope'"), missing.getMessage());
            var wrongType = assertThrows(IllegalArgumentException.class,
                    () -> ArrowToTensor.builder(Features.mlVector("x")).build().convert(root));
            assertTrue(wrongType.getMessage().contains("must be a Spark ML Vector"), wrongType.getMessage());
        }
    }

    @Test
    void emptyBatch() {
        try (VectorSchemaRoot root = root(arrays(allocator, "x", FLOAT))) {
            TensorBatch b = ArrowToTensor.builder(Features.array("x")).numFeatures(3).build().convert(root);
            assertEquals(0, b.size());
            assertArrayEquals(new int[]{0, 3}, b.features().shape());
        }
    }
}
