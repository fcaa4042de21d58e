package dev.ember.engine.backend;

import dev.ember.engine.DType;
import dev.ember.engine.Device;
import dev.ember.engine.Storage;
import dev.ember.engine.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A tensor whose memory lives on a device with no backend: every path fails naming that device, never with a ClassCastException. */
@Timeout(30)
class DeviceSeamTest {
    /** Memory that claims to be on cuda:1, as a CUDA backend's buffer would. */
    private record ElsewhereBuffer(DType dtype, int length) implements Buffer {
        @Override public Device device() { return Device.cuda(1); }
    }

    private static Tensor onCuda1(int... shape) {
        int n = 1;
        for (int d : shape) n *= d;
        return Tensor.fromStorage(Storage.of(new ElsewhereBuffer(DType.FLOAT32, n)), shape);
    }

    private static void assertFailsNaming(Class<? extends RuntimeException> type, Executable op, String... names) {
        RuntimeException e = assertThrows(type, op);
        for (String name : names) assertTrue(e.getMessage().contains(name), () -> "message should name " + name + ": " + e.getMessage());
    }

    @Test
    void aTensorReportsItsBuffersDevice() {
        Tensor t = onCuda1(2, 3);
        assertEquals(Device.cuda(1), t.device());
        assertEquals(Device.cuda(1), t.storage().device());
        assertEquals(Device.CPU, Tensor.zeros(2).device());
    }

    @Test
    void opsOnADeviceWithoutABackendNameIt() {
        Tensor t = onCuda1(2, 3);
        assertFailsNaming(IllegalStateException.class, () -> t.add(t), "cuda:1");
        assertFailsNaming(IllegalStateException.class, t::exp, "cuda:1");
        assertFailsNaming(IllegalStateException.class, () -> t.sum(), "cuda:1");
        assertFailsNaming(IllegalStateException.class, () -> t.matmul(onCuda1(3, 2)), "cuda:1");
        assertFailsNaming(IllegalStateException.class, () -> t.fill_(1), "cuda:1");
        assertFailsNaming(IllegalStateException.class, t::toFloatArray, "cuda:1");
        assertFailsNaming(IllegalStateException.class, () -> t.to(Device.CPU), "cuda:1");
        assertFailsNaming(IllegalStateException.class, () -> Tensor.ones(2).to(Device.cuda(5)), "cuda:5");
        // Kernels not yet behind the backend reach for the Java array and are refused the same way.
        assertFailsNaming(IllegalStateException.class, () -> t.storage().floats(), "cuda:1");
    }

    @Test
    void mixingDevicesInOneOpNamesBoth() {
        Tensor gpu = onCuda1(2, 3), cpu = Tensor.ones(2, 3);
        assertFailsNaming(IllegalArgumentException.class, () -> cpu.add(gpu), "cpu", "cuda:1");
        assertFailsNaming(IllegalArgumentException.class, () -> gpu.mul(cpu), "cuda:1", "cpu");
        assertFailsNaming(IllegalArgumentException.class, () -> cpu.lt(gpu), "cpu", "cuda:1");
        assertFailsNaming(IllegalArgumentException.class, () -> cpu.matmul(onCuda1(3, 2)), "cpu", "cuda:1");
    }

    @Test
    void toTheSameDeviceIsTheTensorItself() {
        Tensor t = Tensor.ones(2);
        assertTrue(t.to(Device.CPU) == t);
    }
}
