package dev.ember.engine.backend.cuda;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class CudaProbeTest {
    @Test
    void probeNeverThrowsAndExplainsItself() {
        CudaProbe.Result first = CudaProbe.result();
        assertNotNull(first.reason());
        assertFalse(first.reason().isBlank(), "the probe must say why CUDA is or is not available");
        if (first.available()) {
            assertTrue(first.deviceCount() > 0, first.reason());
        } else {
            assertEquals(0, CudaProbe.deviceCount(), first.reason());
            System.out.println("CudaProbe: CUDA unavailable here: " + first.reason());
        }
    }

    @Test
    void probeRunsOnceAndAnswersTheSameEveryTime() {
        assertSame(CudaProbe.result(), CudaProbe.result());
        assertEquals(CudaProbe.available(), CudaProbe.result().available());
        assertEquals(CudaProbe.reason(), CudaProbe.result().reason());
    }

    @Test
    void openingAContextWithoutCudaNamesTheReason() {
        if (CudaProbe.available()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CudaContext.open(1 << 20));
            assertTrue(e.getMessage().contains("1048576"), e.getMessage());
        } else {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> CudaContext.open(0));
            assertTrue(e.getMessage().contains(CudaProbe.reason()), e.getMessage());
        }
    }
}
