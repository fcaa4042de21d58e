package dev.ember.engine.backend.cuda;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class LaunchConfigTest {
    @Test
    void elementwiseCoversEveryElementWithCappedGrid() {
        assertEquals(new LaunchConfig(1, 1, 1, 256, 1, 1), LaunchConfig.elementwise(1));
        assertEquals(new LaunchConfig(1, 1, 1, 256, 1, 1), LaunchConfig.elementwise(256));
        assertEquals(new LaunchConfig(2, 1, 1, 256, 1, 1), LaunchConfig.elementwise(257));
        assertEquals(3907, LaunchConfig.elementwise(1_000_000).gridX());  // ceil(1e6 / 256)
        // 2^40 elements would need 2^32 blocks: capped, the grid-stride loop does the rest.
        assertEquals(LaunchConfig.MAX_GRID_BLOCKS, LaunchConfig.elementwise(1L << 40).gridX());
        assertTrue(LaunchConfig.elementwise(0).isEmpty());
        assertFalse(LaunchConfig.elementwise(5).isEmpty());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LaunchConfig.elementwise(-3));
        assertTrue(e.getMessage().contains("-3"), e.getMessage());
    }

    @Test
    void rowsAndSumUseTheReductionBlockSize() {
        assertEquals(new LaunchConfig(10, 1, 1, 256, 1, 1), LaunchConfig.rows(10));
        assertEquals(LaunchConfig.MAX_GRID_BLOCKS, LaunchConfig.rows(10_000_000).gridX());
        assertEquals(4, LaunchConfig.sumAllFirstPass(1000).gridX());
        assertEquals(256, LaunchConfig.sumAllFirstPass(1L << 30).gridX(), "second pass must fit one block");
    }

    @Test
    void sgemmTilesCoverTheOutput() {
        LaunchConfig c = LaunchConfig.sgemm(100, 130, 3);
        assertEquals(new LaunchConfig(3, 2, 3, 16, 16, 1), c);  // ceil(130/64)=3 columns, ceil(100/64)=2 rows
        assertEquals(new LaunchConfig(1, 1, 1, 128, 1, 1), LaunchConfig.sgemmTf32(64, 64, 1));
        assertTrue(LaunchConfig.sgemm(0, 5, 1).isEmpty());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LaunchConfig.sgemm(10, 10, 70_000));
        assertTrue(e.getMessage().contains("70000"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LaunchConfig.sgemm(-1, 10, 1));
        assertTrue(e.getMessage().contains("m=-1"), e.getMessage());
    }

    @Test
    void tiles2dAndLimits() {
        assertEquals(new LaunchConfig(4, 3, 1, 32, 8, 1), LaunchConfig.tiles2d(100, 20, 32, 8));
        assertEquals(100L * 20 <= LaunchConfig.tiles2d(100, 20, 32, 8).threads(), true);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LaunchConfig.tiles2d(1, 1L << 30, 16, 16));
        assertTrue(e.getMessage().contains("height 1073741824"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new LaunchConfig(1, 1, 1, 64, 32, 1));
        assertTrue(e.getMessage().contains("more than 1024 threads"), e.getMessage());
    }
}
