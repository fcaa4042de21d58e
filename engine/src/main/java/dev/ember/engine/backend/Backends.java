package dev.ember.engine.backend;

import dev.ember.engine.Device;
import dev.ember.engine.backend.cpu.CpuBackend;
import dev.ember.engine.backend.cuda.CudaBackend;

/** The backend of each device. */
public final class Backends {
    private Backends() {}

    /** @throws IllegalStateException for a CUDA device that cannot be used, naming it and why */
    public static Backend of(Device device) {
        if (device.isCpu()) return CpuBackend.INSTANCE;
        try {
            return CudaBackend.of(device.index());
        } catch (IllegalStateException | IllegalArgumentException e) {
            throw new IllegalStateException("no backend for device " + device + ": " + e.getMessage(), e);
        }
    }
}
