package dev.ember.engine.backend.cuda;

import jcuda.CudaException;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import jcuda.driver.CUresult;
import jcuda.driver.JCudaDriver;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@link CudaDriver} on a real GPU through JCuda's driver API: the device's primary context, the
 * shipped PTX JIT-compiled by the driver ({@link KernelModule}), {@code cuMemAlloc} memory and
 * page-locked staging buffers. Needs only {@code libcuda.so.1}.
 */
public final class NativeCudaDriver implements CudaDriver {
    private final CudaContext context;
    private final Map<String, KernelModule> modules = new HashMap<>();
    private final Map<ByteBuffer, Pointer> pinned = new IdentityHashMap<>();

    private record NativeKernel(String module, String name, CUfunction function) implements Kernel {}

    /** A device pointer whose address we can read (JCuda keeps it in a protected field). */
    private static final class Address extends CUdeviceptr {
        long value() { return getNativePointer() + getByteOffset(); }
    }

    private NativeCudaDriver(CudaContext context) {
        this.context = context;
    }

    /** Opens device {@code index} (its primary context). */
    public static NativeCudaDriver open(int index) {
        JCudaDriver.setExceptionsEnabled(true);
        return new NativeCudaDriver(CudaContext.open(index));
    }

    /** JCuda's view of a device address (pointer arithmetic on a null base, as JCuda documents for sub-buffers). */
    private static CUdeviceptr pointer(long address) {
        return new CUdeviceptr().withByteOffset(address);
    }

    @Override public int deviceIndex() { return context.index(); }

    @Override public String deviceName() { return context.deviceName() + " (sm_" + context.computeCapability() + ")"; }

    @Override public int computeCapability() { return context.computeCapability(); }

    @Override
    public synchronized Kernel kernel(String module, String name) {
        context.makeCurrent();
        KernelModule m = modules.computeIfAbsent(module, KernelModule::load);
        return new NativeKernel(module, name, m.function(name));
    }

    @Override
    public void launch(Kernel kernel, LaunchConfig config, KernelArgs args) {
        if (config.isEmpty()) return;
        context.makeCurrent();
        List<byte[]> values = args.all();
        Pointer[] params = new Pointer[values.size()];
        for (int i = 0; i < params.length; i++) params[i] = Pointer.to(values.get(i));
        JCudaDriver.cuLaunchKernel(((NativeKernel) kernel).function(),
                config.gridX(), config.gridY(), config.gridZ(),
                config.blockX(), config.blockY(), config.blockZ(),
                0, null, Pointer.to(params), null);
    }

    @Override public void synchronize() { context.synchronize(); }

    @Override
    public Long allocate(long bytes) {
        context.makeCurrent();
        Address p = new Address();
        int status;
        try {
            status = JCudaDriver.cuMemAlloc(p, bytes);
        } catch (CudaException e) {
            // With exceptions enabled the binding throws; out-of-memory is an answer, not an error.
            if (String.valueOf(e.getMessage()).contains("CUDA_ERROR_OUT_OF_MEMORY")) return null;
            throw e;
        }
        if (status == CUresult.CUDA_ERROR_OUT_OF_MEMORY) return null;
        if (status != CUresult.CUDA_SUCCESS) throw new CudaException("cuMemAlloc(" + bytes + "): " + CUresult.stringFor(status));
        return p.value();
    }

    @Override
    public void free(Long address) {
        context.makeCurrent();
        JCudaDriver.cuMemFree(pointer(address));
    }

    @Override
    public long freeBytes() {
        context.makeCurrent();
        long[] free = {0}, total = {0};
        JCudaDriver.cuMemGetInfo(free, total);
        return free[0];
    }

    @Override
    public ByteBuffer allocatePinned(long bytes) {
        context.makeCurrent();
        Pointer host = new Pointer();
        JCudaDriver.cuMemHostAlloc(host, Math.max(bytes, 1), 0);
        ByteBuffer buffer = host.getByteBuffer(0, bytes).order(ByteOrder.nativeOrder());
        synchronized (pinned) { pinned.put(buffer, host); }
        return buffer;
    }

    @Override
    public void freePinned(ByteBuffer buffer) {
        Pointer host;
        synchronized (pinned) { host = pinned.remove(buffer); }
        if (host == null) throw new IllegalArgumentException("not a pinned buffer of this driver");
        context.makeCurrent();
        JCudaDriver.cuMemFreeHost(host);
    }

    @Override
    public void copyToDevice(long dst, ByteBuffer src, long bytes) {
        context.makeCurrent();
        JCudaDriver.cuMemcpyHtoD(pointer(dst), Pointer.to(src), bytes);
    }

    @Override
    public void copyToHost(ByteBuffer dst, long src, long bytes) {
        context.makeCurrent();
        JCudaDriver.cuMemcpyDtoH(Pointer.to(dst), pointer(src), bytes);
    }

    @Override
    public void copyOnDevice(long dst, long src, long bytes) {
        context.makeCurrent();
        JCudaDriver.cuMemcpyDtoD(pointer(dst), pointer(src), bytes);
    }

    @Override
    public synchronized void close() {
        for (KernelModule m : modules.values()) m.close();
        modules.clear();
        context.close();
    }
}
