package dev.ember.engine.backend.cuda;

import dev.ember.engine.DType;

import java.util.Arrays;

/**
 * A strided view of device memory, what a kernel reads or writes: the buffer's address, its
 * element type, and the view's shape, strides and offset (in elements). Element {@code i} of the
 * view (row-major over {@code shape}) is at {@code offset + sum(coord[k] * strides[k])}.
 */
public record DeviceView(long address, DType dtype, long[] shape, long[] strides, long offset) {
    /** A contiguous view of {@code shape} from the start of the buffer at {@code address}. */
    public static DeviceView contiguous(long address, DType dtype, long... shape) {
        return new DeviceView(address, dtype, shape, CudaTensorDesc.contiguousStrides(shape), 0);
    }

    /** Number of elements. */
    public long numel() {
        long n = 1;
        for (long s : shape) n *= s;
        return n;
    }

    /** The packed TensorDesc the kernels take. */
    long[] desc() {
        return CudaTensorDesc.pack(shape, strides, offset);
    }

    /** This view broadcast to {@code target} (stride 0 where it has size 1 or is missing). */
    public DeviceView expandTo(long[] target) {
        if (Arrays.equals(shape, target)) return this;
        return new DeviceView(address, dtype, target, CudaTensorDesc.broadcastStrides(shape, strides, target), offset);
    }

    /** This view with its dimensions reordered: dimension k of the result is {@code dims[k]} of this one. */
    public DeviceView permute(int... dims) {
        long[] s = new long[dims.length], st = new long[dims.length];
        for (int k = 0; k < dims.length; k++) {
            s[k] = shape[dims[k]];
            st[k] = strides[dims[k]];
        }
        return new DeviceView(address, dtype, s, st, offset);
    }

    @Override
    public String toString() {
        return dtype + Arrays.toString(shape) + " strides " + Arrays.toString(strides) + " +" + offset + " @0x" + Long.toHexString(address);
    }
}
