package dev.ember.engine.backend;

import java.util.Arrays;

/**
 * Which elements of a {@link Buffer} an operand covers: element {@code (i0, i1, ...)} sits at
 * {@code offset + i0 * strides[0] + i1 * strides[1] + ...}. A stride of 0 repeats an element (broadcasting).
 * Backends read the arrays and never change them.
 */
public record View(int[] shape, int[] strides, int offset) {
    /** A row-major view of this shape starting at element 0. */
    public static View contiguous(int... shape) {
        int[] strides = new int[shape.length];
        int s = 1;
        for (int d = shape.length - 1; d >= 0; d--) { strides[d] = s; s *= shape[d]; }
        return new View(shape, strides, 0);
    }

    public int numel() {
        int n = 1;
        for (int d : shape) n *= d;
        return n;
    }

    /** Whether the view walks its buffer row-major without gaps from its offset. */
    public boolean isContiguous() {
        int expected = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            if (shape[d] != 1 && strides[d] != expected) return false;
            expected *= shape[d];
        }
        return true;
    }

    /** The stride along the last dim (0 for a 0-d view): the step of a kernel's inner loop. */
    public int innerStride() { return strides.length == 0 ? 0 : strides[strides.length - 1]; }

    /** This view with its dims reordered: dim i of the result is dim {@code perm[i]} of this one. */
    public View permute(int[] perm) {
        int[] s = new int[perm.length], st = new int[perm.length];
        for (int i = 0; i < perm.length; i++) { s[i] = shape[perm[i]]; st[i] = strides[perm[i]]; }
        return new View(s, st, offset);
    }

    @Override public boolean equals(Object o) {
        return o instanceof View v && v.offset == offset && Arrays.equals(v.shape, shape) && Arrays.equals(v.strides, strides);
    }

    @Override public int hashCode() { return 31 * Arrays.hashCode(shape) + Arrays.hashCode(strides) + offset; }

    @Override public String toString() { return "View" + Arrays.toString(shape) + " strides " + Arrays.toString(strides) + " at " + offset; }
}
