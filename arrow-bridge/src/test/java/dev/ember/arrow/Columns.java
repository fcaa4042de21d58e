package dev.ember.arrow;

import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BaseFixedWidthVector;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.SmallIntVector;
import org.apache.arrow.vector.TinyIntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.complex.StructVector;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;

/** Builds Arrow test columns by hand; {@code null} entries become null rows. */
final class Columns {
    private Columns() {}

    /** A sparse ML vector row. */
    record Sparse(int size, int[] indices, double[] values) {}

    static final ArrowType FLOAT = new ArrowType.FloatingPoint(org.apache.arrow.vector.types.FloatingPointPrecision.SINGLE);
    static final ArrowType DOUBLE = new ArrowType.FloatingPoint(org.apache.arrow.vector.types.FloatingPointPrecision.DOUBLE);
    static final ArrowType BYTE = new ArrowType.Int(8, true);
    static final ArrowType SHORT = new ArrowType.Int(16, true);
    static final ArrowType INT = new ArrowType.Int(32, true);
    static final ArrowType LONG = new ArrowType.Int(64, true);

    /** A nullable numeric column of the given Arrow type. Values are written through the double setter of each type. */
    static FieldVector numbers(BufferAllocator a, String name, ArrowType type, Double... values) {
        FieldVector v = new Field(name, FieldType.nullable(type), null).createVector(a);
        ((BaseFixedWidthVector) v).allocateNew(values.length);
        for (int i = 0; i < values.length; i++) {
            if (values[i] != null) set(v, i, values[i]);
        }
        v.setValueCount(values.length);
        return v;
    }

    static void set(FieldVector v, int i, double x) {
        if (v instanceof Float4Vector f) f.setSafe(i, (float) x);
        else if (v instanceof Float8Vector f) f.setSafe(i, x);
        else if (v instanceof TinyIntVector f) f.setSafe(i, (byte) x);
        else if (v instanceof SmallIntVector f) f.setSafe(i, (short) x);
        else if (v instanceof IntVector f) f.setSafe(i, (int) x);
        else if (v instanceof BigIntVector f) f.setSafe(i, (long) x);
        else throw new IllegalArgumentException(v.getClass().toString());
    }

    /** An {@code array<type>} column; each row a double[] (converted to the element type) or null. */
    static ListVector arrays(BufferAllocator a, String name, ArrowType elementType, double[]... rows) {
        ListVector list = (ListVector) MlVectorSchema.listField(name, elementType).createVector(a);
        list.allocateNew();
        FieldVector child = list.getDataVector();
        int n = 0;
        for (int r = 0; r < rows.length; r++) {
            if (rows[r] == null) { list.setNull(r); continue; }
            int start = list.startNewValue(r);
            for (int i = 0; i < rows[r].length; i++) set(child, start + i, rows[r][i]);
            list.endValue(r, rows[r].length);
            n = start + rows[r].length;
        }
        child.setValueCount(n);
        list.setValueCount(rows.length);
        return list;
    }

    /** An ML Vector column; each row a double[] (dense), a {@link Sparse}, or null. */
    static StructVector mlVectors(BufferAllocator a, String name, Object... rows) {
        StructVector s = (StructVector) MlVectorSchema.field(name, true).createVector(a);
        s.allocateNew();
        TinyIntVector type = s.getChild("type", TinyIntVector.class);
        IntVector size = s.getChild("size", IntVector.class);
        ListVector indices = s.getChild("indices", ListVector.class);
        ListVector values = s.getChild("values", ListVector.class);
        IntVector indexData = (IntVector) indices.getDataVector();
        Float8Vector valueData = (Float8Vector) values.getDataVector();
        int ni = 0, nv = 0;
        for (int r = 0; r < rows.length; r++) {
            if (rows[r] == null) { s.setNull(r); continue; }
            s.setIndexDefined(r);
            double[] vals;
            if (rows[r] instanceof Sparse sp) {
                type.setSafe(r, 0);
                size.setSafe(r, sp.size());
                int start = indices.startNewValue(r);
                for (int k = 0; k < sp.indices().length; k++) indexData.setSafe(start + k, sp.indices()[k]);
                indices.endValue(r, sp.indices().length);
                ni = start + sp.indices().length;
                vals = sp.values();
            } else {
                type.setSafe(r, 1);
                vals = (double[]) rows[r];
            }
            int start = values.startNewValue(r);
            for (int k = 0; k < vals.length; k++) valueData.setSafe(start + k, vals[k]);
            values.endValue(r, vals.length);
            nv = start + vals.length;
        }
        indexData.setValueCount(ni);
        valueData.setValueCount(nv);
        s.setValueCount(rows.length);
        return s;
    }

    /** A root over the given vectors; closing the root closes them. */
    static VectorSchemaRoot root(FieldVector... vectors) {
        VectorSchemaRoot root = new VectorSchemaRoot(List.of(vectors));
        root.setRowCount(vectors[0].getValueCount());
        return root;
    }
}
