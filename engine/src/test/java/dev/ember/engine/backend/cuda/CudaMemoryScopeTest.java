package dev.ember.engine.backend.cuda;

import dev.ember.engine.DType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Host copies through the staging buffer, and device memory released by scopes rather than by the GC, on cuda:0. */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class CudaMemoryScopeTest {
    private CudaDevice device;

    @BeforeEach
    void needDevice() {
        assumeTrue(CudaProbe.available(), () -> "no CUDA device: " + CudaProbe.reason());
        device = CudaDevice.get(0);
    }

    @Test
    void arraysRoundTripAcrossSeveralStagingChunks() {
        int n = CudaDevice.STAGING_BYTES / 4 * 2 + 12345;  // two full chunks and a partial one
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = i * 0.5f - 7;
        CudaBuffer b = device.allocate(DType.FLOAT32, n);
        device.upload(x, b.address());
        float[] back = new float[n];
        device.download(b.address(), back);
        assertArrayEquals(x, back);
        long[] l = {Long.MIN_VALUE, -1, 0, Long.MAX_VALUE};
        CudaBuffer lb = device.allocate(DType.INT64, 4);
        device.upload(l, lb.address());
        long[] lback = new long[4];
        device.download(lb.address(), lback);
        assertArrayEquals(l, lback);
        b.release();
        lb.release();
        var e = assertThrows(IllegalArgumentException.class, () -> device.upload("text", 0));
        assertTrue(e.getMessage().contains("String"), e.getMessage());
    }

    @Test
    void aScopeReleasesWhatItDoesNotKeepAndUseAfterReleaseIsAnError() {
        long before = device.allocator().allocatedBytes();
        CudaBuffer kept, dropped, unscoped = device.allocate(DType.FLOAT32, 10);
        CudaMemoryScope scope = CudaMemoryScope.open("step");
        kept = device.allocate(DType.FLOAT32, 100);
        dropped = device.allocate(DType.FLOAT64, 100);
        assertEquals(2, scope.size());
        assertEquals(1, scope.close(List.of(kept)));  // collects, then hands the survivor outward
        assertFalse(kept.isReleased());
        assertFalse(unscoped.isReleased());
        var e = assertThrows(IllegalStateException.class, dropped::address);
        assertTrue(e.getMessage().contains("released when memory scope 'step' collected it"), e.getMessage());
        kept.release();
        unscoped.release();
        kept.release();  // idempotent
        assertEquals(before, device.allocator().allocatedBytes());
    }

    @Test
    void nestedScopesHandKeptBuffersOutwardAndMustCloseInnermostFirst() {
        CudaMemoryScope outer = CudaMemoryScope.open("epoch");
        CudaMemoryScope inner = CudaMemoryScope.open("step");
        CudaBuffer b = device.allocate(DType.FLOAT32, 8);
        var e = assertThrows(IllegalStateException.class, () -> outer.close(List.of()));
        assertTrue(e.getMessage().contains("'step' is"), e.getMessage());
        assertEquals(0, inner.close(List.of(b)));
        assertEquals(1, outer.size());
        assertEquals(1, outer.close(List.of()));
        assertTrue(b.isReleased());
        // close() alone keeps what the scope owns: it moves outward (here: unscoped, so still usable).
        CudaMemoryScope s = CudaMemoryScope.open("keeps");
        CudaBuffer survivor = device.allocate(DType.FLOAT32, 4);
        s.close();
        assertFalse(survivor.isReleased());
        survivor.release();
    }

    @Test
    void collectReleasesWhatIsNoLongerLiveAndKeepsTheRest() {
        try (CudaMemoryScope fit = CudaMemoryScope.open("fit")) {
            CudaBuffer weights = device.allocate(DType.FLOAT32, 100);
            CudaBuffer grad = null;
            for (int step = 0; step < 5; step++) {
                device.allocate(DType.FLOAT32, 500);           // an activation
                CudaBuffer newGrad = device.allocate(DType.FLOAT32, 100);
                assertEquals(step == 0 ? 1 : 2, fit.collect(List.of(weights, newGrad)),
                        "the activation and, after the first step, last step's gradient go back");
                if (grad != null) assertTrue(grad.isReleased());
                grad = newGrad;
                assertEquals(2, fit.size());
            }
            fit.collect(List.of());
            assertTrue(weights.isReleased());
        }
    }

    @Test
    void tenThousandScopedStepsHoldFlatMemory() {
        long reservedAfterFirst = -1;
        for (int step = 0; step < 10_000; step++) {
            CudaMemoryScope s = CudaMemoryScope.open("step " + step);
            device.allocate(DType.FLOAT32, 1000);
            device.allocate(DType.FLOAT32, 5000);
            device.allocate(DType.INT64, 64);
            s.close(List.of());
            if (step == 0) reservedAfterFirst = device.allocator().reservedBytes();
        }
        assertEquals(reservedAfterFirst, device.allocator().reservedBytes(), "the cache must serve every later step");
    }
}
