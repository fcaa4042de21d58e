package dev.ember.arrow;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeProjection;
import org.apache.spark.sql.catalyst.util.GenericArrayData;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Real Spark rows (no SparkSession): {@code GenericInternalRow}s turned into reused
 * {@code UnsafeRow}s by an {@code UnsafeProjection}, as a partition iterator hands them out.
 */
class RowsToArrowTest {
    private static final VectorUDT VECTOR = new VectorUDT();
    private static final StructType SCHEMA = new StructType()
            .add("features", VECTOR)
            .add("pixels", new ArrayType(DataTypes.FloatType, false))
            .add("label", DataTypes.DoubleType);

    private RootAllocator allocator;

    @BeforeEach void open() { allocator = new RootAllocator(); }
    @AfterEach void close() { allocator.close(); }

    /** Row i: features dense (i, i+1) for even i, sparse {1: -i} for odd i; pixels (i, 2i); label i % 3. */
    private static Iterator<InternalRow> unsafeRows(int n) {
        UnsafeProjection toUnsafe = UnsafeProjection.create(SCHEMA);
        List<InternalRow> generic = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            var vec = i % 2 == 0 ? Vectors.dense(i, i + 1) : Vectors.sparse(2, new int[]{1}, new double[]{-i});
            generic.add(new GenericInternalRow(new Object[]{
                    VECTOR.serialize(vec), new GenericArrayData(new Object[]{(float) i, 2f * i}), (double) (i % 3)}));
        }
        Iterator<InternalRow> it = generic.iterator();
        // The projection returns the same UnsafeRow object every time, like Spark's scans do.
        return new Iterator<>() {
            @Override public boolean hasNext() { return it.hasNext(); }
            @Override public InternalRow next() { return toUnsafe.apply(it.next()); }
        };
    }

    @Test
    void batchesOfFixedRowCountCarryVectorsArraysAndLabels() {
        ArrowToTensor vectors = ArrowToTensor.builder(Features.mlVector("features")).labels(Labels.classes("label", 3)).build();
        ArrowToTensor pixels = ArrowToTensor.builder(Features.array("pixels")).build();
        List<Integer> sizes = new ArrayList<>();
        List<Float> vectorValues = new ArrayList<>(), pixelValues = new ArrayList<>();
        List<Long> labels = new ArrayList<>();
        try (RowsToArrow batches = new RowsToArrow(unsafeRows(7), SCHEMA, 3, allocator)) {
            while (batches.hasNext()) {
                VectorSchemaRoot root = batches.next();
                sizes.add(root.getRowCount());
                TensorBatch v = vectors.convert(root);
                for (float f : v.features().toFloatArray()) vectorValues.add(f);
                for (long y : v.labels().toLongArray()) labels.add(y);
                for (float f : pixels.convert(root).features().toFloatArray()) pixelValues.add(f);
            }
        }
        assertEquals(List.of(3, 3, 1), sizes);
        assertEquals(List.of(0f, 1f, 0f, -1f, 2f, 3f, 0f, -3f, 4f, 5f, 0f, -5f, 6f, 7f), vectorValues);
        assertEquals(List.of(0f, 0f, 1f, 2f, 2f, 4f, 3f, 6f, 4f, 8f, 5f, 10f, 6f, 12f), pixelValues);
        assertEquals(List.of(0L, 1L, 2L, 0L, 1L, 2L, 0L), labels);
    }

    @Test
    void partitionTensorsLoadsAndReleasesEverything() {
        ArrowToTensor conv = ArrowToTensor.builder(Features.array("pixels")).labels(Labels.classes("label", 3)).build();
        List<TensorBatch> batches = PartitionTensors.load(unsafeRows(5), SCHEMA, 2, conv, allocator);
        assertEquals(List.of(2, 2, 1), batches.stream().map(TensorBatch::size).toList());
        assertArrayEquals(new float[]{4, 8}, batches.get(2).features().toFloatArray());
        assertEquals(0, allocator.getAllocatedMemory());
    }

    @Test
    void badRowErrorReleasesArrowMemory() {
        ArrowToTensor conv = ArrowToTensor.builder(Features.mlVector("features")).labels(Labels.classes("label", 2)).partitionId(5).build();
        InvalidRowException e = assertThrows(InvalidRowException.class,
                () -> PartitionTensors.load(unsafeRows(4), SCHEMA, 2, conv, allocator));
        // Row 2 is the first with label 2.0, outside [0, 2).
        assertTrue(e.getMessage().startsWith("Invalid value in column 'label' at row 2 of partition 5: class label 2.0 outside [0, 2)"),
                e.getMessage());
        assertEquals(0, allocator.getAllocatedMemory());
    }
}
