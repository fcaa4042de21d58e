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

    /** Whether a CUDA device can be used (a GPU with its driver, or the emulated device); {@link #cudaStatus()} says why not. */
    public static boolean isCudaAvailable() { return dev.ember.engine.backend.cuda.CudaProbe.available(); }

    /** Number of usable CUDA devices. */
    public static int cudaDeviceCount() { return dev.ember.engine.backend.cuda.CudaProbe.deviceCount(); }

    /** Waits for the work queued on this device (torch.cuda.synchronize); nothing to wait for on the cpu. */
    public void synchronize() {
        if (!isCpu()) dev.ember.engine.backend.cuda.CudaDevice.get(index).driver().synchronize();
    }

    /** What runs this device's kernels: "cpu", or the GPU's name ("NVIDIA H200 (sm_90)", "emulated CUDA device 0 (g++)"). */
    public String describe() {
        return isCpu() ? "cpu" : dev.ember.engine.backend.cuda.CudaDevice.get(index).name();
    }

    /**
     * Whether float32 matrix products on CUDA may use TF32 tensor cores (10-bit mantissas, much faster on sm_80+).
     * Off by default, as PyTorch's {@code torch.backends.cuda.matmul.allow_tf32}.
     */
    public static void setAllowTf32(boolean allow) { dev.ember.engine.backend.cuda.CudaBackend.setAllowTf32(allow); }

    /** Why CUDA cannot be used, or what it is when it can ("CUDA driver 12.4, 1 device(s)"). */
    public static String cudaStatus() { return dev.ember.engine.backend.cuda.CudaProbe.reason(); }

    /**
     * The one device of an op's operands (nulls skipped; cpu when there are none).
     *
     * @throws IllegalArgumentException naming the op and both devices when two operands live on different devices
     */
    public static Device common(String op, Tensor... operands) { return common((Object) op, operands); }

    /** {@link #common(String, Tensor...)} naming the op by its class, worked out only for the error. */
    public static Device common(Class<?> op, Tensor... operands) { return common((Object) op, operands); }

    private static Device common(Object op, Tensor... operands) {
        Device device = null;
        boolean cpuScalar = false;
        for (Tensor t : operands) {
            if (t == null) continue;
            Device d = t.device();
            // As in PyTorch, a 0-dim cpu tensor is a scalar that may meet tensors of any device.
            if (d.isCpu() && t.dim() == 0) { cpuScalar = true; continue; }
            if (device == null) device = d;
            else if (!device.equals(d)) {
                String name = op instanceof Class<?> c ? c.getSimpleName() : String.valueOf(op);
                throw new IllegalArgumentException(name + ": expected all tensors to be on the same device, but found at least two devices, " + device + " and " + d);
            }
        }
        return device != null ? device : cpuScalar ? CPU : defaultDevice();
    }

    private static final ThreadLocal<Device> DEFAULT = ThreadLocal.withInitial(() -> CPU);

    /**
     * The device that factory functions without a device argument ({@code zeros}, {@code empty}, ...)
     * allocate on, for this thread: cpu unless {@link #use} says otherwise (PyTorch's default device).
     */
    public static Device defaultDevice() { return DEFAULT.get(); }

    /** A {@link #use} in effect; closing it restores the default device it replaced. */
    public static final class Use implements AutoCloseable {
        private final Device previous;
        private Use(Device previous) { this.previous = previous; }
        @Override public void close() { if (previous != null) DEFAULT.set(previous); }
    }

    /**
     * Makes {@code device} this thread's default until the returned guard closes, like PyTorch's
     * {@code with torch.device(...)}: {@code try (var on = Device.use(Device.cuda(0))) { ... }}.
     * Ops run their forward and backward under their operands' device, so the tensors they create
     * land there.
     */
    public static Use use(Device device) {
        Device previous = DEFAULT.get();
        if (previous == device) return UNCHANGED;  // every op does this: no write, no allocation when nothing changes
        DEFAULT.set(device);
        return new Use(previous);
    }

    private static final Use UNCHANGED = new Use(null);

    public Type type() { return type; }
    public int index() { return index; }
    public boolean isCpu() { return type == Type.CPU; }

    @Override public boolean equals(Object o) {
        return o == this || o instanceof Device d && d.type == type && d.index == index;
    }
    @Override public int hashCode() { return Objects.hash(type, index); }
    @Override public String toString() { return type == Type.CPU ? "cpu" : "cuda:" + index; }
}
