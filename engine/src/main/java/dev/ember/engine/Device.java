package dev.ember.engine;

import java.util.Objects;

/** Where a tensor's storage lives: the CPU, or a CUDA device by index. */
public final class Device {
    public enum Type { CPU, CUDA }

    public static final Device CPU = new Device(Type.CPU, -1);

    private final Type type;
    private final int index;

    private Device(Type type, int index) {
        this.type = type;
        this.index = index;
    }

    /** The CUDA device with this index (as numbered by nvidia-smi with CUDA_DEVICE_ORDER=PCI_BUS_ID). */
    public static Device cuda(int index) {
        if (index < 0) throw new IllegalArgumentException("CUDA device index must be >= 0, got " + index);
        return new Device(Type.CUDA, index);
    }

    /** Parses "cpu", "cuda" or "cuda:N". */
    public static Device of(String spec) {
        String s = spec.trim().toLowerCase();
        if (s.equals("cpu")) return CPU;
        if (s.equals("cuda")) return cuda(0);
        if (s.startsWith("cuda:")) return cuda(Integer.parseInt(s.substring(5)));
        throw new IllegalArgumentException("unknown device '" + spec + "': expected cpu, cuda or cuda:N");
    }

    /** Whether a CUDA device can be used. This build has no CUDA backend yet, so always false. */
    public static boolean isCudaAvailable() { return false; }

    /** Number of usable CUDA devices. */
    public static int cudaDeviceCount() { return 0; }

    /**
     * The one device of an op's operands (nulls skipped; cpu when there are none).
     *
     * @throws IllegalArgumentException naming the op and both devices when two operands live on different devices
     */
    public static Device common(String op, Tensor... operands) {
        Device device = null;
        for (Tensor t : operands) {
            if (t == null) continue;
            Device d = t.device();
            if (device == null) device = d;
            else if (!device.equals(d)) {
                throw new IllegalArgumentException(op + ": expected all tensors to be on the same device, but found at least two devices, " + device + " and " + d);
            }
        }
        return device == null ? CPU : device;
    }

    public Type type() { return type; }
    public int index() { return index; }
    public boolean isCpu() { return type == Type.CPU; }

    @Override public boolean equals(Object o) {
        return o == this || o instanceof Device d && d.type == type && d.index == index;
    }
    @Override public int hashCode() { return Objects.hash(type, index); }
    @Override public String toString() { return type == Type.CPU ? "cpu" : "cuda:" + index; }
}
