package dev.ember.engine.backend.cuda;

import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;

import java.util.ArrayList;
import java.util.List;

/**
 * The argument list of a kernel launch, in the kernel's parameter order. Each value is copied into
 * its own small array now, so later changes to the caller's variables do not affect the launch.
 */
public final class KernelArgs {
    private final List<Pointer> args = new ArrayList<>();

    /** A device pointer parameter ({@code float*}, {@code long long*}, ...); null passes a null pointer. */
    public KernelArgs ptr(CUdeviceptr p) {
        args.add(Pointer.to(p == null ? new CUdeviceptr() : p));
        return this;
    }

    /** An {@code int} parameter. */
    public KernelArgs i32(int v) {
        args.add(Pointer.to(new int[] {v}));
        return this;
    }

    /** A {@code long long} parameter. */
    public KernelArgs i64(long v) {
        args.add(Pointer.to(new long[] {v}));
        return this;
    }

    /** A {@code float} parameter. */
    public KernelArgs f32(float v) {
        args.add(Pointer.to(new float[] {v}));
        return this;
    }

    /** A struct passed by value, already packed (for example {@link CudaTensorDesc#pack}). */
    public KernelArgs struct(long[] packed) {
        args.add(Pointer.to(packed.clone()));
        return this;
    }

    /** A struct of ints passed by value (for example the Conv2dGeom of conv.cu). */
    public KernelArgs struct(int[] packed) {
        args.add(Pointer.to(packed.clone()));
        return this;
    }

    /** Number of parameters so far. */
    public int size() { return args.size(); }

    /** The {@code void**} that cuLaunchKernel takes. */
    Pointer toKernelParams() {
        return Pointer.to(args.toArray(new Pointer[0]));
    }
}
