package dev.ember.arrow;

import static dev.ember.arrow.Columns.*;
import static org.junit.jupiter.api.Assertions.*;

import java.util.function.Function;
import java.util.stream.Stream;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each kind of bad row, in error and skip mode. Every case has three rows: rows 0 and 2 are good
 * (features 1,2,3 and 7,8,9; class labels 0 and 2), row 1 is bad.
 */
class InvalidRowsTest {
    private static final int PARTITION = 7;
    private static final double[] GOOD0 = {1, 2, 3}, GOOD2 = {7, 8, 9};
    private static final float[] KEPT = {1, 2, 3, 7, 8, 9};

    private RootAllocator allocator;

    @BeforeEach void open() { allocator = new RootAllocator(); }
    @AfterEach void close() { allocator.close(); }

    record Case(String name, Function<BufferAllocator, VectorSchemaRoot> data, Features features, Labels labels,
                String column, String problem) {
        @Override public String toString() { return name; }
    }

    private static Case array(String name, double[] bad, String problem) {
        return new Case(name, a -> root(arrays(a, "x", DOUBLE, GOOD0, bad, GOOD2)), Features.array("x"), null, "x", problem);
    }

    private static Case vector(String name, Object bad, String problem) {
        return new Case(name, a -> root(mlVectors(a, "v", GOOD0, bad, new Sparse(3, new int[]{0, 1, 2}, GOOD2))),
                Features.mlVector("v"), null, "v", problem);
    }

    private static Case columns(String name, Double badB, String problem) {
        return new Case(name, a -> root(numbers(a, "a", DOUBLE, 1.0, 4.0, 7.0), numbers(a, "b", FLOAT, 2.0, badB, 8.0),
                numbers(a, "c", INT, 3.0, 6.0, 9.0)), Features.columns("a", "b", "c"), null, "b", problem);
    }

    private static Case label(String name, Labels labels, org.apache.arrow.vector.types.pojo.ArrowType type, Double bad, String problem) {
        return new Case(name, a -> root(arrays(a, "x", FLOAT, GOOD0, new double[]{4, 5, 6}, GOOD2), numbers(a, "y", type, 0.0, bad, 2.0)),
                Features.array("x"), labels, "y", problem);
    }

    static Stream<Case> cases() {
        return Stream.of(
                array("null array", null, ": null"),
                array("NaN in array", new double[]{4, Double.NaN, 6}, "element 1 is NaN"),
                array("infinity in array", new double[]{Double.NEGATIVE_INFINITY, 5, 6}, "element 0 is -Infinity"),
                array("double overflowing float32", new double[]{4, 5, 1e300}, "element 2 is Infinity"),
                array("short array", new double[]{4, 5}, "array of length 2, expected 3"),
                vector("null vector", null, ": null"),
                vector("dense vector of wrong size", new double[]{4, 5, 6, 0}, "dense vector of size 4, expected 3"),
                vector("NaN in dense vector", new double[]{4, 5, Double.NaN}, "element 2 is NaN"),
                vector("sparse vector of wrong size", new Sparse(5, new int[]{0}, new double[]{1}), "sparse vector of size 5, expected 3"),
                vector("sparse index out of range", new Sparse(3, new int[]{0, 3}, new double[]{1, 2}), "sparse index 3 outside [0, 3)"),
                vector("infinity in sparse vector", new Sparse(3, new int[]{2}, new double[]{Double.POSITIVE_INFINITY}), "element 2 is Infinity"),
                columns("null in numeric column", null, ": null"),
                columns("NaN in numeric column", Double.NaN, ": NaN"),
                label("null class label", Labels.classes("y", 3), DOUBLE, null, ": null"),
                label("class label too large", Labels.classes("y", 3), LONG, 3.0, "class label 3 outside [0, 3)"),
                label("negative class label", Labels.classes("y", 3), INT, -1.0, "class label -1 outside [0, 3)"),
                label("fractional class label", Labels.classes("y", 3), DOUBLE, 1.5, "class label 1.5 is not an integer"),
                label("NaN class label", Labels.classes("y", 3), DOUBLE, Double.NaN, "class label NaN is not an integer"),
                label("infinite target", Labels.targets("y"), DOUBLE, Double.POSITIVE_INFINITY, "target Infinity is not finite"));
    }

    @ParameterizedTest(name = "error: {0}")
    @MethodSource("cases")
    void errorModeNamesColumnPartitionRowAndValue(Case c) {
        try (VectorSchemaRoot root = c.data().apply(allocator)) {
            ArrowToTensor conv = builder(c).handleInvalid(HandleInvalid.ERROR).build();
            InvalidRowException e = assertThrows(InvalidRowException.class, () -> conv.convert(root));
            String expected = "Invalid value in column '" + c.column() + "' at row 1 of partition " + PARTITION;
            assertTrue(e.getMessage().startsWith(expected), e.getMessage());
            assertTrue(e.getMessage().contains(c.problem()), () -> "expected '" + c.problem() + "' in: " + e.getMessage());
            assertEquals(c.column(), e.column());
            assertEquals(PARTITION, e.partitionId());
            assertEquals(1, e.row());
        }
    }

    @ParameterizedTest(name = "skip: {0}")
    @MethodSource("cases")
    void skipModeDropsAndCountsTheRow(Case c) {
        try (VectorSchemaRoot root = c.data().apply(allocator)) {
            ArrowToTensor conv = builder(c).handleInvalid("skip").build();
            TensorBatch b = conv.convert(root);
            assertEquals(2, b.size());
            assertEquals(1, conv.skippedRows());
            assertArrayEquals(KEPT, b.features().toFloatArray());
            if (c.labels() != null) assertArrayEquals(new float[]{0, 2}, b.labels().toFloatArray());
        }
    }

    @Test
    void rowPositionCountsEarlierBatchesOfThePartition() {
        ArrowToTensor conv = ArrowToTensor.builder(Features.array("x")).partitionId(3).build();
        try (VectorSchemaRoot first = root(arrays(allocator, "x", FLOAT, GOOD0, GOOD0, GOOD0))) {
            conv.convert(first);
        }
        try (VectorSchemaRoot second = root(arrays(allocator, "x", FLOAT, GOOD0, new double[]{Double.NaN, 0, 0}))) {
            InvalidRowException e = assertThrows(InvalidRowException.class, () -> conv.convert(second));
            assertTrue(e.getMessage().startsWith("Invalid value in column 'x' at row 4 of partition 3: element 0 is NaN"), e.getMessage());
        }
    }

    @Test
    void skipCanDropEveryRow() {
        try (VectorSchemaRoot root = root(arrays(allocator, "x", FLOAT, null, null))) {
            ArrowToTensor conv = ArrowToTensor.builder(Features.array("x")).numFeatures(3).handleInvalid(HandleInvalid.SKIP).build();
            TensorBatch b = conv.convert(root);
            assertEquals(0, b.size());
            assertArrayEquals(new int[]{0, 3}, b.features().shape());
            assertEquals(2, conv.skippedRows());
        }
    }

    @Test
    void handleInvalidParsesSparkSpelling() {
        assertEquals(HandleInvalid.SKIP, HandleInvalid.parse("Skip"));
        assertEquals(HandleInvalid.ERROR, HandleInvalid.parse("error"));
        var e = assertThrows(IllegalArgumentException.class, () -> HandleInvalid.parse("keep"));
        assertTrue(e.getMessage().contains("\"keep\""));
    }

    private static ArrowToTensor.Builder builder(Case c) {
        ArrowToTensor.Builder b = ArrowToTensor.builder(c.features()).numFeatures(3).partitionId(PARTITION);
        return c.labels() == null ? b : b.labels(c.labels());
    }
}
