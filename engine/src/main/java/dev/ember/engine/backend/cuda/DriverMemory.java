package dev.ember.engine.backend.cuda;

import jcuda.CudaException;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUresult;
import jcuda.driver.JCudaDriver;

/**
 * {@link DeviceMemory} on the CUDA driver: {@code cuMemAlloc} / {@code cuMemFree} in the context
 * current on the calling thread.
 */
public final class DriverMemory implements DeviceMemory<CUdeviceptr> {
    @Override
    public CUdeviceptr allocate(long bytes) {
        CUdeviceptr p = new CUdeviceptr();
        int status;
        try {
            status = JCudaDriver.cuMemAlloc(p, bytes);
        } catch (CudaException e) {
            // With exceptions enabled the driver binding throws; out-of-memory is an answer, not an error.
            if (String.valueOf(e.getMessage()).contains("CUDA_ERROR_OUT_OF_MEMORY")) return null;
            throw e;
        }
        if (status == CUresult.CUDA_ERROR_OUT_OF_MEMORY) return null;
        if (status != CUresult.CUDA_SUCCESS) throw new CudaException("cuMemAlloc(" + bytes + "): " + CUresult.stringFor(status));
        return p;
    }

    @Override
    public void free(CUdeviceptr block) {
        JCudaDriver.cuMemFree(block);
    }

    @Override
    public long freeBytes() {
        long[] free = {0}, total = {0};
        JCudaDriver.cuMemGetInfo(free, total);
        return free[0];
    }
}
