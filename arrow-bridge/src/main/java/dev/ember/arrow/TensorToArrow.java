package dev.ember.arrow;

import dev.ember.engine.Device;
import dev.ember.engine.Tensor;
import java.util.Arrays;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.TinyIntVector;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.complex.StructVector;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;

/**
 * Model outputs to Arrow vectors, for appending prediction columns. Every method returns a new
 * vector the caller owns and must close; on failure nothing is left allocated. The tensor is
 * read, never kept.
 */
public final class TensorToArrow {
    private TensorToArrow() {}

    /** A {@code double} column from a {@code [B]} or {@code [B, 1]} tensor (e.g. regression predictions). */
    public static Float8Vector doubles(String name, Tensor values, BufferAllocator allocator) {
        if (!(values.dim() == 1 || (values.dim() == 2 && values.size(1) == 1))) {
            throw new IllegalArgumentException("Expected a [B] or [B, 1] tensor, got " + Arrays.toString(values.shape()));
        }
        Rows rows = Rows.of(values);
        Float8Vector v = new Float8Vector(new Field(name, FieldType.notNullable(new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE)), null), allocator);
        return fill(v, () -> {
            v.allocateNew(rows.rows);
            for (int i = 0; i < rows.rows; i++) v.set(i, rows.data[rows.offset + i]);
            v.setValueCount(rows.rows);
        });
    }

    /** A {@code double} column holding each row's argmax over K scores: Spark ML's "prediction" for classifiers. */
    public static Float8Vector argmax(String name, Tensor scores, BufferAllocator allocator) {
        Rows rows = Rows.of2d(scores);
        Float8Vector v = new Float8Vector(new Field(name, FieldType.notNullable(new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE)), null), allocator);
        return fill(v, () -> {
            v.allocateNew(rows.rows);
            for (int i = 0; i < rows.rows; i++) {
                int base = rows.offset + i * rows.cols, best = 0;
                // Ties go to the lowest index, like torch.argmax.
                for (int k = 1; k < rows.cols; k++) if (rows.data[base + k] > rows.data[base + best]) best = k;
                v.set(i, best);
            }
            v.setValueCount(rows.rows);
        });
    }

    /** An {@code array<float>} column (list of non-null float32), one list of K per row of a {@code [B, K]} tensor. */
    public static ListVector floatArrays(String name, Tensor values, BufferAllocator allocator) {
        Rows rows = Rows.of2d(values);
        ListVector list = (ListVector) MlVectorSchema.listField(name, new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE)).createVector(allocator);
        return fill(list, () -> {
            list.allocateNew();
            Float4Vector child = (Float4Vector) list.getDataVector();
            int n = rows.rows * rows.cols;
            child.allocateNew(n);
            if (n > 0) {
                Buffers.floatView(child.getDataBuffer(), 0, n).put(rows.data, rows.offset, n);
                child.getValidityBuffer().setOne(0L, (n + 7) / 8L);
            }
            child.setValueCount(n);
            setFixedOffsets(list, rows.rows, rows.cols);
        });
    }

    /** A Spark ML {@code Vector} column of dense vectors (type 1, values as doubles), e.g. "probability". */
    public static StructVector mlVectors(String name, Tensor values, BufferAllocator allocator) {
        Rows rows = Rows.of2d(values);
        StructVector struct = (StructVector) MlVectorSchema.field(name, true).createVector(allocator);
        return fill(struct, () -> {
            struct.allocateNew();
            TinyIntVector type = struct.getChild(MlVectorSchema.TYPE, TinyIntVector.class);
            ListVector list = struct.getChild(MlVectorSchema.VALUES, ListVector.class);
            Float8Vector child = (Float8Vector) list.getDataVector();
            int n = rows.rows * rows.cols;
            child.allocateNew(n);
            for (int i = 0; i < n; i++) child.set(i, rows.data[rows.offset + i]);
            child.setValueCount(n);
            setFixedOffsets(list, rows.rows, rows.cols);
            for (int i = 0; i < rows.rows; i++) {
                type.setSafe(i, MlVectorFeatures.DENSE);
                struct.setIndexDefined(i);
            }
            // size and indices stay null for dense vectors; setValueCount sizes every child.
            struct.setValueCount(rows.rows);
        });
    }

    /** Marks rows non-null with {@code k} children each, at offsets {@code i * k}. */
    private static void setFixedOffsets(ListVector list, int rows, int k) {
        for (int i = 0; i < rows; i++) {
            list.startNewValue(i);
            list.endValue(i, k);
        }
        list.setValueCount(rows);
    }

    private static <V extends FieldVector> V fill(V vector, Runnable writer) {
        try {
            writer.run();
            return vector;
        } catch (RuntimeException | Error e) {
            vector.close();
            throw e;
        }
    }

    /** A tensor's values as row-major float32. */
    private record Rows(float[] data, int offset, int rows, int cols) {
        static Rows of(Tensor t) {
            Tensor cpu = t.device() == Device.CPU ? t : t.to(Device.CPU);
            int rows = cpu.dim() == 0 ? 1 : cpu.size(0);
            int cols = rows == 0 ? 0 : cpu.numel() / rows;
            return new Rows(cpu.toFloatArray(), 0, rows, cols);
        }

        static Rows of2d(Tensor t) {
            if (t.dim() != 2) throw new IllegalArgumentException("Expected a [B, K] tensor, got " + Arrays.toString(t.shape()));
            Rows r = of(t);
            return new Rows(r.data, r.offset, t.size(0), t.size(1));
        }
    }
}
