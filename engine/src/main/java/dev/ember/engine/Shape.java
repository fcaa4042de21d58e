package dev.ember.engine;

import java.util.Arrays;

/** Shape arithmetic shared by every op: element counts, strides, dims, broadcasting. */
public final class Shape {
    private Shape() {}

    public static int numel(int[] shape) {
        long n = 1;
        for (int d : shape) {
            if (d < 0) throw new IllegalArgumentException("negative dimension " + d + " in shape " + str(shape));
            n *= d;
        }
        if (n > Integer.MAX_VALUE) throw new IllegalArgumentException("shape " + str(shape) + " has more than 2^31-1 elements");
        return (int) n;
    }

    /** Row-major strides for a contiguous tensor of this shape. */
    public static int[] contiguousStrides(int[] shape) {
        int[] strides = new int[shape.length];
        int s = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            strides[i] = s;
            s *= Math.max(shape[i], 1);
        }
        return strides;
    }

    /** Wraps a negative dim (Python style) and checks the range. */
    public static int dim(int dim, int rank) {
        int r = Math.max(rank, 1);
        if (dim < -r || dim >= r) {
            throw new IndexOutOfBoundsException("Dimension out of range (expected to be in range of [" + (-r) + ", " + (r - 1) + "], but got " + dim + ")");
        }
        return dim < 0 ? dim + r : dim;
    }

    /** The broadcast shape of two shapes (NumPy rules), or an error naming both. */
    public static int[] broadcast(int[] a, int[] b) {
        int n = Math.max(a.length, b.length);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            int da = i < n - a.length ? 1 : a[i - (n - a.length)];
            int db = i < n - b.length ? 1 : b[i - (n - b.length)];
            if (da != db && da != 1 && db != 1) {
                throw new IllegalArgumentException("shapes " + str(a) + " and " + str(b) + " cannot be broadcast together (dimension " + i + ": " + da + " vs " + db + ")");
            }
            out[i] = da == 1 ? db : da;
        }
        return out;
    }

    /** Strides that read a tensor of (shape, strides) as if it had the broadcast shape {@code to}: 0 on expanded dims. */
    public static int[] broadcastStrides(int[] shape, int[] strides, int[] to) {
        int[] out = new int[to.length];
        int lead = to.length - shape.length;
        if (lead < 0) throw new IllegalArgumentException("cannot broadcast " + str(shape) + " to " + str(to));
        for (int i = 0; i < shape.length; i++) {
            int t = to[lead + i];
            if (shape[i] == t) out[lead + i] = strides[i];
            else if (shape[i] == 1) out[lead + i] = 0;
            else throw new IllegalArgumentException("cannot broadcast " + str(shape) + " to " + str(to));
        }
        return out;
    }

    /** PyTorch's way of writing a shape: {@code [2, 3]}. */
    public static String str(int[] shape) {
        return Arrays.toString(shape);
    }
}
