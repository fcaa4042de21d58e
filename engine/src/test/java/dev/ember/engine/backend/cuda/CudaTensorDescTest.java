package dev.ember.engine.backend.cuda;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class CudaTensorDescTest {
    @Test
    void packsTheStructLayoutOfEmberCommon() {
        // A transposed [3, 4] view over a [4, 3] buffer at offset 5.
        long[] d = CudaTensorDesc.pack(new long[] {3, 4}, new long[] {1, 3}, 5);
        assertEquals(18, d.length);                 // 144 bytes = sizeof(TensorDesc)
        assertEquals(2, (int) d[0]);                // rank in the low int
        assertEquals(0, (int) (d[0] >>> 32));       // not contiguous
        assertEquals(5, d[1]);
        assertArrayEquals(new long[] {3, 4, 0, 0, 0, 0, 0, 0}, java.util.Arrays.copyOfRange(d, 2, 10));
        assertArrayEquals(new long[] {1, 3, 0, 0, 0, 0, 0, 0}, java.util.Arrays.copyOfRange(d, 10, 18));
        long[] c = CudaTensorDesc.pack(new long[] {2, 1, 3}, new long[] {3, 99, 1}, 0);
        assertEquals(1, (int) (c[0] >>> 32), "size-1 dims may have any stride and stay contiguous");
        long[] scalar = CudaTensorDesc.pack(new long[0], new long[0], 7);
        assertEquals(1, (int) scalar[0]);
        assertEquals(7, scalar[1]);
    }

    @Test
    void broadcastStridesFollowNumpyRules() {
        // a [3, 1, 5] (strides 5, 5, 1) and b [4, 5] (strides 5, 1) broadcast to [3, 4, 5].
        long[] target = {3, 4, 5};
        assertArrayEquals(new long[] {5, 0, 1}, CudaTensorDesc.broadcastStrides(new long[] {3, 1, 5}, new long[] {5, 5, 1}, target));
        assertArrayEquals(new long[] {0, 5, 1}, CudaTensorDesc.broadcastStrides(new long[] {4, 5}, new long[] {5, 1}, target));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CudaTensorDesc.broadcastStrides(new long[] {2, 5}, new long[] {5, 1}, target));
        assertTrue(e.getMessage().contains("[2, 5]") && e.getMessage().contains("dimension 1 has size 2"), e.getMessage());
        assertArrayEquals(new long[] {20, 5, 1}, CudaTensorDesc.contiguousStrides(target));
    }

    @Test
    void rejectsRanksTheKernelsCannotIndex() {
        long[] nine = new long[9];
        java.util.Arrays.fill(nine, 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CudaTensorDesc.pack(nine, nine, 0));
        assertTrue(e.getMessage().contains("rank 9"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> CudaTensorDesc.pack(new long[] {2}, new long[] {1, 1}, 0));
        assertTrue(e.getMessage().contains("differ in rank"), e.getMessage());
    }
}
