package dev.ember.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class GeneratorScopeTest {
    @Test
    void aThreadsOwnDefaultGeneratorIsUsedInsideTheScopeOnly() {
        Generator shared = Generator.defaultGenerator();
        float[] expected = Tensor.rand(new int[]{5}, DType.FLOAT32, new Generator(42)).toFloatArray();
        try (var scope = Generator.useAsDefault(new Generator(42))) {
            assertArrayEquals(expected, Tensor.rand(5).toFloatArray());
        }
        assertSame(shared, Generator.defaultGenerator());
    }

    @Test
    void otherThreadsDrawingConcurrentlyDoNotChangeTheScopedDraws() throws Exception {
        float[] expected = Tensor.rand(new int[]{1000}, DType.FLOAT32, new Generator(7)).toFloatArray();
        CountDownLatch inScope = new CountDownLatch(1), drawn = new CountDownLatch(1);
        AtomicReference<float[]> got = new AtomicReference<>();
        Thread worker = new Thread(() -> {
            try (var scope = Generator.useAsDefault(new Generator(7))) {
                float[] first = Tensor.rand(500).toFloatArray();
                inScope.countDown();
                try {
                    drawn.await();
                } catch (InterruptedException e) {
                    throw new RuntimeException(e);
                }
                float[] second = Tensor.rand(500).toFloatArray();
                float[] all = new float[1000];
                System.arraycopy(first, 0, all, 0, 500);
                System.arraycopy(second, 0, all, 500, 500);
                got.set(all);
            }
        });
        worker.start();
        inScope.await();
        Tensor.rand(100); // the shared default generator, on this thread, between the worker's draws
        drawn.countDown();
        worker.join();
        assertArrayEquals(expected, got.get());
    }
}
