package dev.ember.engine.backend;

import dev.ember.engine.Device;
import dev.ember.engine.backend.cpu.CpuBackend;

/** The backend of each device. */
public final class Backends {
    private Backends() {}

    /** @throws IllegalStateException for a device no backend in this build serves, naming it */
    public static Backend of(Device device) {
        if (device.isCpu()) return CpuBackend.INSTANCE;
        throw new IllegalStateException("no backend for device " + device + ": tensor ops in this build run on cpu only");
    }
}
