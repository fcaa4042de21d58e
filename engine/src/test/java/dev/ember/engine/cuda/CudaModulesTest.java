package dev.ember.engine.cuda;

import dev.ember.engine.DType;
import dev.ember.engine.Device;
import dev.ember.engine.Generator;
import dev.ember.engine.Tensor;
import dev.ember.engine.nn.AdaptiveAvgPool2d;
import dev.ember.engine.nn.AvgPool2d;
import dev.ember.engine.nn.BatchNorm2d;
import dev.ember.engine.nn.Conv2d;
import dev.ember.engine.nn.CrossEntropyLoss;
import dev.ember.engine.nn.Embedding;
import dev.ember.engine.nn.LSTM;
import dev.ember.engine.nn.LayerNorm;
import dev.ember.engine.nn.Linear;
import dev.ember.engine.nn.MaxPool2d;
import dev.ember.engine.nn.Module;
import dev.ember.engine.nn.ReLU;
import dev.ember.engine.nn.Sequential;
import dev.ember.engine.optim.Adam;
import dev.ember.engine.optim.AdamW;
import dev.ember.engine.optim.Optimizer;
import dev.ember.engine.optim.SGD;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Layers, losses and optimizers on cuda:0 (a GPU, or the emulated device the engine's tests build)
 * against the same module on the cpu: the same initial weights copied over, forward values and every
 * parameter's gradient within float32 tolerance, and an MLP trained for 150 steps of each of three optimizers
 * reaching the cpu's loss. The cpu side is checked against independent values by the nn tests.
 */
@Tag("slow") // every layer, and three 150-step trainings, on the emulated device: about a minute
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class CudaModulesTest {
    private static final Device CUDA = Device.cuda(0);

    @BeforeEach
    void needCuda() { assumeTrue(Device.isCudaAvailable(), Device::cudaStatus); }

    /** Builds the module twice with one seed, runs it on each device, and compares outputs and gradients. */
    private static void sameOnBothDevices(Supplier<Module> build, Tensor input, Function<Tensor, Tensor> head, double tol) {
        Tensor.manualSeed(7);
        Module cpu = build.get();
        Tensor.manualSeed(7);
        Module gpu = build.get().to(CUDA);
        assertEquals(CUDA, gpu.device());
        Tensor outCpu = head.apply(cpu.forward(input));
        Tensor outGpu = head.apply(gpu.forward(input.to(CUDA)));
        assertEquals(CUDA, outGpu.device());
        assertTrue(outGpu.to(Device.CPU).allclose(outCpu, tol, tol), () -> "outputs differ:\ncuda " + outGpu.to(Device.CPU) + "\ncpu " + outCpu);
        outCpu.sum().backward();
        outGpu.sum().backward();
        var pc = cpu.namedParameters();
        var pg = gpu.namedParameters();
        assertEquals(pc.keySet(), pg.keySet());
        for (String name : pc.keySet()) {
            Tensor gc = pc.get(name).grad(), gg = pg.get(name).grad();
            assertNotNull(gg, name + " has a gradient on cuda");
            assertEquals(CUDA, gg.device(), name);
            assertTrue(gg.to(Device.CPU).allclose(gc, tol, tol), () -> name + " gradients differ:\ncuda " + gg.to(Device.CPU) + "\ncpu " + gc);
        }
    }

    private static Tensor images(int n, int c, int h, int w) {
        return Tensor.randn(new int[] {n, c, h, w}, DType.FLOAT32, new Generator(3));
    }

    @Test
    void copiesCrossDevicesLikeTorchCopy_AndCpuScalarsMeetDeviceTensors() {
        Tensor onDevice = Tensor.zeros(2, 3).to(CUDA);
        onDevice.copy_(Tensor.tensor(1f, 2f, 3f));  // broadcast from the cpu
        assertArrayEquals(new float[] {1, 2, 3, 1, 2, 3}, onDevice.toFloatArray());
        Tensor host = Tensor.zeros(3);
        host.copy_(onDevice.select(0, 1).mul(2));
        assertArrayEquals(new float[] {2, 4, 6}, host.toFloatArray());
        Tensor scaled = onDevice.mul(Tensor.scalar(0.5, DType.FLOAT32));
        assertEquals(CUDA, scaled.device());
        assertArrayEquals(new float[] {0.5f, 1, 1.5f, 0.5f, 1, 1.5f}, scaled.toFloatArray());
        // to(device) is recorded by autograd: the gradient comes back to the cpu leaf.
        Tensor leaf = Tensor.tensor(1f, -2f, 3f).requiresGrad_();
        leaf.to(CUDA).mul(Tensor.tensor(2f, 3f, 4f).to(CUDA)).sum().backward();
        assertEquals(Device.CPU, leaf.grad().device());
        assertArrayEquals(new float[] {2, 3, 4}, leaf.grad().toFloatArray());
        var e = assertThrows(IllegalArgumentException.class, () -> onDevice.add(Tensor.ones(2, 3)));
        assertTrue(e.getMessage().contains("cuda:0") && e.getMessage().contains("cpu"), e.getMessage());
    }

    @Test
    void convolutionsWithStridePaddingDilationGroupsAndBias() {
        sameOnBothDevices(() -> new Conv2d(4, 6, new int[] {3, 2}, new int[] {2, 1}, new int[] {1, 0}, new int[] {1, 2}, 2, true),
                images(3, 4, 9, 8), y -> y, 1e-4);
        sameOnBothDevices(() -> new Conv2d(3, 5, 1), images(2, 3, 5, 5), y -> y, 1e-4);
    }

    @Test
    void poolingLayers() {
        Tensor x = images(2, 3, 9, 7);
        sameOnBothDevices(() -> new Sequential(new Conv2d(3, 3, 1), new MaxPool2d(3, 2, 1)), x, y -> y, 1e-4);
        sameOnBothDevices(() -> new Sequential(new Conv2d(3, 3, 1), new AvgPool2d(new int[] {3}, new int[] {2}, new int[] {1}, true, false, 0)),
                x, y -> y, 1e-4);
        sameOnBothDevices(() -> new Sequential(new Conv2d(3, 3, 1), new AdaptiveAvgPool2d(new int[] {4, 3})), x, y -> y, 1e-4);
    }

    @Test
    void normalizationEmbeddingAndRecurrentLayers() {
        sameOnBothDevices(() -> new Sequential(new Conv2d(3, 4, 3), new BatchNorm2d(4)), images(4, 3, 6, 6), y -> y, 1e-4);
        sameOnBothDevices(() -> new LayerNorm(5), Tensor.randn(new int[] {3, 4, 5}, DType.FLOAT32, new Generator(4)), y -> y, 1e-4);
        Tensor tokens = Tensor.tensor(new long[] {3, 1, 3, 0, 7, 3}).reshape(2, 3);
        sameOnBothDevices(() -> new Embedding(8, 4), tokens, y -> y.mul(y), 1e-5);
        sameOnBothDevices(() -> new LSTM(3, 5), Tensor.randn(new int[] {4, 2, 3}, DType.FLOAT32, new Generator(5)),
                y -> y, 1e-4);
    }

    @Test
    void crossEntropyOnLogitsAndClassIndices() {
        Tensor x = Tensor.randn(new int[] {6, 5}, DType.FLOAT32, new Generator(6));
        Tensor classes = Tensor.tensor(new long[] {0, 3, 2, 2, 1, 3});
        sameOnBothDevices(() -> new Linear(5, 4), x, y -> new CrossEntropyLoss().forward(y, classes.to(y.device())), 1e-5);
    }

    /** 150 steps of each optimizer from the same start (each step runs every kernel of a training step): the cuda trajectory stays on the cpu's. */
    @Test
    void anMlpTrainsToTheSameLossOnBothDevices() {
        Generator g = new Generator(11);
        Tensor x = Tensor.randn(new int[] {64, 10}, DType.FLOAT32, g);
        Tensor y = x.slice(1, 0, 3, 1).sum(1).gt(Tensor.scalar(0, DType.FLOAT32)).toLong()
                .add(x.slice(1, 3, 4, 1).squeeze(1).gt(Tensor.scalar(0.5, DType.FLOAT32)).toLong());
        for (String name : List.of("adam", "adamw-amsgrad", "sgd-momentum")) {
            double[] losses = new double[2];
            for (int d = 0; d < 2; d++) {
                Device device = d == 0 ? Device.CPU : CUDA;
                Tensor.manualSeed(5);
                Module model = new Sequential(new Linear(10, 32), new ReLU(), new Linear(32, 3)).to(device);
                Optimizer opt = switch (name) {
                    case "adam" -> new Adam(model.parameters(), 1e-2);
                    case "adamw-amsgrad" -> AdamW.builder(model.parameters()).lr(1e-2).amsgrad(true).weightDecay(0.1).build();
                    default -> SGD.builder(model.parameters()).lr(0.1).momentum(0.9).build();
                };
                Tensor xs = x.to(device), ys = y.to(device);
                CrossEntropyLoss loss = new CrossEntropyLoss();
                Tensor l = null;
                for (int step = 0; step < 150; step++) {
                    opt.zeroGrad();
                    l = loss.forward(model.forward(xs), ys);
                    l.backward();
                    opt.step();
                }
                losses[d] = l.item();
                for (var p : model.parameters()) assertEquals(device, p.device(), name + ": parameters stay on " + device);
            }
            assertTrue(losses[0] < 0.3, name + " learns on the cpu: final loss " + losses[0]);
            assertEquals(losses[0], losses[1], 1e-3 + 1e-2 * losses[0], name + ": cpu and cuda final losses");
        }
    }
}
