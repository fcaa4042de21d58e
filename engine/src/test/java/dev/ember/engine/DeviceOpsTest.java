package dev.ember.engine;

import dev.ember.engine.OpRegistry.Op;
import dev.ember.engine.autograd.GradCheck;
import dev.ember.engine.autograd.GradMode;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.junit.jupiter.api.DynamicContainer.dynamicContainer;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

/**
 * The op registry ({@link OpRegistry}) with a device axis: every op on each non-cpu device this JVM
 * has (cuda:0: a GPU, or the emulated device the engine's tests build with g++), checked three
 * ways: values against the cpu's (float64, within 1e-10 relative), a float64 finite-difference
 * gradcheck on the device itself, and gradients against the cpu's. The cpu side is checked against
 * independent values by {@link GradcheckTest} and the op tests.
 */
@Tag("slow") // the whole op registry three ways on the emulated device: about a minute
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class DeviceOpsTest {
    private static final long SEED = 42;
    private static final Device CUDA = Device.cuda(0);

    private static Stream<DynamicTest> perOp(java.util.function.Consumer<Op> check) {
        return OpRegistry.OPS.stream().map(op -> dynamicTest(op.name(), () -> {
            assumeTrue(Device.isCudaAvailable(), Device::cudaStatus);
            check.accept(op);
        }));
    }

    @TestFactory
    Stream<DynamicContainer> cuda() {
        return Stream.of(
                dynamicContainer("values match cpu", perOp(DeviceOpsTest::valuesMatchCpu)),
                dynamicContainer("gradcheck on the device", perOp(op -> gradcheck(op, op.inputs(DType.FLOAT64, SEED, false, CUDA)))),
                dynamicContainer("broadcast gradcheck on the device", OpRegistry.OPS.stream().filter(op -> op.broadcastShapes() != null)
                        .map(op -> dynamicTest(op.name(), () -> {
                            assumeTrue(Device.isCudaAvailable(), Device::cudaStatus);
                            gradcheck(op, op.inputs(DType.FLOAT64, SEED, true, CUDA));
                        }))),
                dynamicContainer("float32 gradients match cpu", perOp(DeviceOpsTest::float32GradientsMatchCpu)));
    }

    private static void gradcheck(Op op, Tensor[] inputs) {
        if (op.eps() == 1e-6) GradCheck.check(op.fn(), inputs);
        else GradCheck.check(op.fn(), op.eps(), 1e-3, 1e-2, inputs);
    }

    private static void valuesMatchCpu(Op op) {
        try (var g = GradMode.noGrad()) {
            Tensor cpu = op.fn().apply(op.inputs(DType.FLOAT64, SEED, false));
            Tensor dev = op.fn().apply(op.inputs(DType.FLOAT64, SEED, false, CUDA));
            assertEquals(CUDA, dev.device(), "the result stays on the device");
            assertEquals(cpu.dtype(), dev.dtype());
            assertArrayEquals(cpu.shape(), dev.shape());
            Tensor back = dev.to(Device.CPU);
            assertTrue(back.allclose(cpu, 1e-10, 1e-12), () -> "cuda " + back + " vs cpu " + cpu);
        }
    }

    private static void float32GradientsMatchCpu(Op op) {
        Tensor[] cpuIn = op.inputs(DType.FLOAT32, SEED, false), devIn = op.inputs(DType.FLOAT32, SEED, false, CUDA);
        Tensor cpuOut = op.fn().apply(cpuIn), devOut = op.fn().apply(devIn);
        cpuOut.backward(cpuOut.onesLike());
        devOut.backward(devOut.onesLike());
        for (int i = 0; i < cpuIn.length; i++) {
            Tensor want = cpuIn[i].grad(), got = devIn[i].grad();
            assertEquals(CUDA, got.device(), "input " + i + "'s gradient lives on the device");
            assertEquals(DType.FLOAT32, got.dtype());
            Tensor back = got.to(Device.CPU);
            assertTrue(back.allclose(want, 1e-5, 1e-6), () -> "cuda grad " + back + " vs cpu " + want);
        }
    }
}
