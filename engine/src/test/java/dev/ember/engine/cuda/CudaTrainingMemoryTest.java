package dev.ember.engine.cuda;

import dev.ember.engine.DType;
import dev.ember.engine.Device;
import dev.ember.engine.Generator;
import dev.ember.engine.MemoryScope;
import dev.ember.engine.Tensor;
import dev.ember.engine.backend.cuda.CudaDevice;
import dev.ember.engine.data.DataLoader;
import dev.ember.engine.data.TensorDataset;
import dev.ember.engine.nn.CrossEntropyLoss;
import dev.ember.engine.nn.Linear;
import dev.ember.engine.nn.Module;
import dev.ember.engine.nn.ReLU;
import dev.ember.engine.nn.Sequential;
import dev.ember.engine.optim.Adam;
import dev.ember.engine.train.History;
import dev.ember.engine.train.Trainer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Device memory in training loops on cuda:0: flat over 1,000 steps with a MemoryScope, and the Trainer on the device.
 * A leak of anything a step allocates shows after the first 10 steps as growth in live bytes, the cache or the
 * device allocations, as surely after 1,000 steps as after the 10,000 this ran before (5 minutes on the emulated device).
 */
@Tag("slow") // 1,000 steps on the emulated device: about 30 seconds
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class CudaTrainingMemoryTest {
    private static final Device CUDA = Device.cuda(0);
    private static final int STEPS = 1_000;

    @BeforeEach
    void needCuda() { assumeTrue(Device.isCudaAvailable(), Device::cudaStatus); }

    @Test
    void aThousandStepsHoldFlatDeviceMemory() {
        Tensor.manualSeed(1);
        Module model = new Sequential(new Linear(4, 8), new ReLU(), new Linear(8, 2)).to(CUDA);
        Adam opt = new Adam(model.parameters(), 1e-2);
        Generator g = new Generator(2);
        Tensor x = Tensor.randn(new int[] {8, 4}, DType.FLOAT32, g).to(CUDA);
        Tensor y = Tensor.randint(0, 2, new int[] {8}, g).to(CUDA);
        CrossEntropyLoss loss = new CrossEntropyLoss();
        var allocator = CudaDevice.get(0).allocator();
        long reserved = -1, allocated = -1, deviceAllocations = -1;
        long endReserved, endAllocated, endDeviceAllocations;
        try (MemoryScope scope = MemoryScope.open("loop")) {
            for (int step = 0; step < STEPS; step++) {
                opt.zeroGrad();
                Tensor l = loss.forward(model.forward(x), y);
                l.backward();
                opt.step();
                scope.collect(model, opt, x, y);
                if (step == 10) {
                    reserved = allocator.reservedBytes();
                    allocated = allocator.allocatedBytes();
                    deviceAllocations = allocator.deviceAllocations();
                }
            }
            endReserved = allocator.reservedBytes();
            endAllocated = allocator.allocatedBytes();
            endDeviceAllocations = allocator.deviceAllocations();
        }
        // The GC may return garbage made before the loop (the cpu->device copies' temporaries) at any time, so live
        // memory can only shrink; the scope itself must return every step's memory.
        assertTrue(endAllocated <= allocated, "live device memory after " + STEPS + " steps (" + endAllocated + " bytes) is at most what it was after 10 (" + allocated + ")");
        assertEquals(reserved, endReserved, "the cache serves every step: no growth");
        assertEquals(deviceAllocations, endDeviceAllocations, "no new device allocations after warm-up");
    }

    @Test
    void theTrainerFitsOnTheModelsDevice() {
        Generator g = new Generator(3);
        Tensor x = Tensor.randn(new int[] {96, 6}, DType.FLOAT32, g);
        Tensor y = x.slice(1, 0, 1, 1).squeeze(1).gt(0).toLong();
        Tensor.manualSeed(4);
        Module model = new Sequential(new Linear(6, 16), new ReLU(), new Linear(16, 2)).to(CUDA);
        Trainer trainer = Trainer.builder(model, new CrossEntropyLoss()::forward, new Adam(model.parameters(), 1e-2)).epochs(15).build();
        History h = trainer.fit(DataLoader.builder(new TensorDataset(x, y)).batchSize(32).build(), null);
        double first = h.get("loss").get(0), last = h.get("loss").get(h.get("loss").size() - 1);
        assertTrue(last < first * 0.5, "the loss falls on cuda: " + first + " -> " + last);
        for (var p : model.parameters()) assertEquals(CUDA, p.device());
    }
}
