package dev.ember.engine.backend.cuda;

import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.JCudaDriver;

/**
 * The primary context of one CUDA device, retained for as long as this object is open. Spark runs
 * tasks on changing threads, and a CUDA context is current per thread: call {@link #makeCurrent()}
 * on every thread before it touches device memory or launches kernels.
 */
public final class CudaContext implements AutoCloseable {
    private final int index;
    private final CUdevice device;
    private final CUcontext context;
    private boolean closed;

    private CudaContext(int index, CUdevice device, CUcontext context) {
        this.index = index;
        this.device = device;
        this.context = context;
    }

    /**
     * Retains device {@code index}'s primary context and makes it current on the calling thread.
     *
     * @throws IllegalStateException when CUDA is unavailable (with {@link CudaProbe#reason()})
     */
    public static CudaContext open(int index) {
        if (!CudaProbe.available()) throw new IllegalStateException("CUDA is not available: " + CudaProbe.reason());
        if (index < 0 || index >= CudaProbe.deviceCount()) {
            throw new IllegalArgumentException("CUDA device " + index + " does not exist; there are " + CudaProbe.deviceCount());
        }
        CUdevice device = new CUdevice();
        JCudaDriver.cuDeviceGet(device, index);
        CUcontext context = new CUcontext();
        JCudaDriver.cuDevicePrimaryCtxRetain(context, device);
        JCudaDriver.cuCtxSetCurrent(context);
        return new CudaContext(index, device, context);
    }

    /** Makes this context current on the calling thread. */
    public void makeCurrent() {
        if (closed) throw new IllegalStateException("CUDA context of device " + index + " is closed");
        JCudaDriver.cuCtxSetCurrent(context);
    }

    /** Waits for all work queued in this context. */
    public void synchronize() {
        makeCurrent();
        JCudaDriver.cuCtxSynchronize();
    }

    /** The device's compute capability as major * 10 + minor (75 for sm_75, 90 for sm_90). */
    public int computeCapability() {
        int[] major = {0}, minor = {0};
        JCudaDriver.cuDeviceGetAttribute(major, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, device);
        JCudaDriver.cuDeviceGetAttribute(minor, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, device);
        return major[0] * 10 + minor[0];
    }

    /** The device's name as the driver reports it. */
    public String deviceName() {
        byte[] name = new byte[256];
        JCudaDriver.cuDeviceGetName(name, name.length, device);
        int n = 0;
        while (n < name.length && name[n] != 0) n++;
        return new String(name, 0, n, java.nio.charset.StandardCharsets.UTF_8);
    }

    /** The device index. */
    public int index() { return index; }

    /** Releases the primary context (the driver destroys it when the last holder releases it). */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        JCudaDriver.cuDevicePrimaryCtxRelease(device);
    }
}
