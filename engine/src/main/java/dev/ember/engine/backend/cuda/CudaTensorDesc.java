package dev.ember.engine.backend.cuda;

import java.util.Arrays;

/**
 * Packs a strided view into the {@code TensorDesc} struct the kernels take by value
 * (ember_common.cuh): {@code int rank; int contiguous; long long offset; long long shape[8];
 * long long strides[8];} -- 144 bytes, as 18 longs in the device's little-endian layout, ready
 * for {@code Pointer.to(long[])} as a kernel argument. Offsets and strides count elements.
 */
public final class CudaTensorDesc {
    /** The largest rank the kernels index (EMBER_MAX_RANK). */
    public static final int MAX_RANK = 8;
    /** Longs in a packed descriptor. */
    public static final int LONGS = 2 + 2 * MAX_RANK;

    private CudaTensorDesc() {}

    /** Packs a view; a rank-0 tensor packs as rank 1 with one element. */
    public static long[] pack(long[] shape, long[] strides, long offset) {
        if (shape.length != strides.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " and strides "
                    + Arrays.toString(strides) + " differ in rank");
        }
        if (shape.length > MAX_RANK) {
            throw new IllegalArgumentException("CUDA kernels take tensors of rank <= " + MAX_RANK + ", got shape "
                    + Arrays.toString(shape) + " (rank " + shape.length + ")");
        }
        if (shape.length == 0) return pack(new long[] {1}, new long[] {1}, offset);
        long[] out = new long[LONGS];
        int rank = shape.length;
        boolean contiguous = isContiguous(shape, strides);
        out[0] = (rank & 0xffffffffL) | ((contiguous ? 1L : 0L) << 32);  // two ints, little-endian
        out[1] = offset;
        for (int k = 0; k < rank; k++) {
            if (shape[k] < 0) throw new IllegalArgumentException("negative size in shape " + Arrays.toString(shape));
            out[2 + k] = shape[k];
            out[2 + MAX_RANK + k] = strides[k];
        }
        return out;
    }

    /** Whether the view is row-major contiguous (dimensions of size 1 may have any stride). */
    public static boolean isContiguous(long[] shape, long[] strides) {
        long expect = 1;
        for (int k = shape.length - 1; k >= 0; k--) {
            if (shape[k] != 1 && strides[k] != expect) return false;
            expect *= shape[k];
        }
        return true;
    }

    /**
     * Strides that read a view of {@code shape}/{@code strides} as if it had {@code target} shape,
     * following NumPy broadcasting: dimensions are aligned from the right, missing leading ones and
     * size-1 ones get stride 0. The result has {@code target.length} entries.
     *
     * @throws IllegalArgumentException when the shapes do not broadcast, naming both and the dimension
     */
    public static long[] broadcastStrides(long[] shape, long[] strides, long[] target) {
        if (shape.length > target.length) {
            throw new IllegalArgumentException("cannot broadcast shape " + Arrays.toString(shape) + " to "
                    + Arrays.toString(target) + ": more dimensions");
        }
        long[] out = new long[target.length];
        int lead = target.length - shape.length;
        for (int k = 0; k < target.length; k++) {
            if (k < lead) continue;  // stride 0
            long size = shape[k - lead];
            if (size == target[k]) out[k] = strides[k - lead];
            else if (size == 1) out[k] = 0;
            else throw new IllegalArgumentException("cannot broadcast shape " + Arrays.toString(shape) + " to "
                    + Arrays.toString(target) + ": dimension " + k + " has size " + size + ", expected 1 or " + target[k]);
        }
        return out;
    }

    /** Row-major contiguous strides of {@code shape}. */
    public static long[] contiguousStrides(long[] shape) {
        long[] s = new long[shape.length];
        long acc = 1;
        for (int k = shape.length - 1; k >= 0; k--) {
            s[k] = acc;
            acc *= shape[k];
        }
        return s;
    }
}
