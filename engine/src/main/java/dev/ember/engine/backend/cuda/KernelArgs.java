package dev.ember.engine.backend.cuda;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * The argument list of a kernel launch, in the kernel's parameter order, each parameter as the
 * little-endian bytes the kernel reads. Values are copied now, so later changes to the caller's
 * variables do not affect the launch. Device pointers are addresses ({@link CudaDriver#allocate}),
 * so the same list launches on the GPU and on the emulated device.
 */
public final class KernelArgs {
    private final List<byte[]> args = new ArrayList<>();

    /** A device pointer parameter ({@code float*}, {@code long long*}, ...); 0 passes a null pointer. */
    public KernelArgs ptr(long address) {
        return i64(address);
    }

    /** An {@code int} parameter. */
    public KernelArgs i32(int v) {
        return add(buffer(4).putInt(v));
    }

    /** A {@code long long} parameter. */
    public KernelArgs i64(long v) {
        return add(buffer(8).putLong(v));
    }

    /** A {@code float} parameter. */
    public KernelArgs f32(float v) {
        return add(buffer(4).putFloat(v));
    }

    /** A {@code double} parameter. */
    public KernelArgs f64(double v) {
        return add(buffer(8).putDouble(v));
    }

    /** A struct passed by value, already packed (for example {@link CudaTensorDesc#pack}). */
    public KernelArgs struct(long[] packed) {
        ByteBuffer b = buffer(8 * packed.length);
        for (long v : packed) b.putLong(v);
        return add(b);
    }

    /** A struct of ints passed by value (for example the Conv2dGeom of conv.cu). */
    public KernelArgs struct(int[] packed) {
        ByteBuffer b = buffer(4 * packed.length);
        for (int v : packed) b.putInt(v);
        return add(b);
    }

    /** Number of parameters so far. */
    public int size() { return args.size(); }

    /** The bytes of parameter {@code i} (a copy). */
    public byte[] bytes(int i) { return args.get(i).clone(); }

    /** Every parameter's bytes, in order (the arrays themselves: the drivers only read them). */
    List<byte[]> all() { return args; }

    private static ByteBuffer buffer(int bytes) {
        return ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    private KernelArgs add(ByteBuffer b) {
        args.add(b.array());
        return this;
    }
}
