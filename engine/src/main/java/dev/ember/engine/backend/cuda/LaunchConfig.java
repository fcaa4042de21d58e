package dev.ember.engine.backend.cuda;

/**
 * Grid and block dimensions of a kernel launch, with the shapes Ember's kernels expect. Kernels
 * over n elements use grid-stride loops, so the grid may be capped ({@link #MAX_GRID_BLOCKS})
 * without losing elements.
 */
public record LaunchConfig(int gridX, int gridY, int gridZ, int blockX, int blockY, int blockZ) {
    /** Threads per block of the elementwise kernels. */
    public static final int ELEMENTWISE_THREADS = 256;
    /** Threads per block the shared-memory reductions are written for (EMBER_REDUCE_THREADS in ember_common.cuh). */
    public static final int REDUCE_THREADS = 256;
    /** Cap on grid.x for grid-stride kernels: enough blocks to fill any current GPU many times over. */
    public static final int MAX_GRID_BLOCKS = 65_536;
    /** The hardware limit of grid.y and grid.z. */
    public static final int MAX_GRID_YZ = 65_535;
    /** C tile side of ember_sgemm_f32 and ember_sgemm_tf32. */
    public static final int SGEMM_TILE = 64;

    public LaunchConfig {
        if (gridX < 0 || gridY < 0 || gridZ < 0 || blockX <= 0 || blockY <= 0 || blockZ <= 0) {
            throw new IllegalArgumentException("invalid launch grid (" + gridX + ", " + gridY + ", " + gridZ
                    + ") block (" + blockX + ", " + blockY + ", " + blockZ + ")");
        }
        if ((long) blockX * blockY * blockZ > 1024) {
            throw new IllegalArgumentException("block (" + blockX + ", " + blockY + ", " + blockZ
                    + ") has more than 1024 threads");
        }
    }

    /** Whether there is nothing to launch (zero elements); a CUDA launch with an empty grid is an error. */
    public boolean isEmpty() { return gridX == 0 || gridY == 0 || gridZ == 0; }

    /** Total threads in the launch. */
    public long threads() { return (long) gridX * gridY * gridZ * blockX * blockY * blockZ; }

    /** A 1-D launch over {@code n} elements with {@link #ELEMENTWISE_THREADS} threads per block. */
    public static LaunchConfig elementwise(long n) {
        return linear(n, ELEMENTWISE_THREADS, MAX_GRID_BLOCKS);
    }

    /** A 1-D launch over {@code n} elements: ceil(n / threads) blocks, at most {@code maxBlocks}. */
    public static LaunchConfig linear(long n, int threads, int maxBlocks) {
        if (n < 0) throw new IllegalArgumentException("element count must be >= 0, got " + n);
        if (threads <= 0 || threads > 1024) throw new IllegalArgumentException("threads per block must be in [1, 1024], got " + threads);
        if (maxBlocks <= 0) throw new IllegalArgumentException("maxBlocks must be > 0, got " + maxBlocks);
        long blocks = ceilDiv(n, threads);
        return new LaunchConfig((int) Math.min(blocks, maxBlocks), 1, 1, threads, 1, 1);
    }

    /**
     * One block of {@link #REDUCE_THREADS} threads per row, for the row-wise kernels (sum/max over the
     * last dim, softmax, batch-norm statistics per channel); they loop when rows exceed the grid.
     */
    public static LaunchConfig rows(long rows) {
        if (rows < 0) throw new IllegalArgumentException("row count must be >= 0, got " + rows);
        return new LaunchConfig((int) Math.min(rows, MAX_GRID_BLOCKS), 1, 1, REDUCE_THREADS, 1, 1);
    }

    /**
     * Blocks for the first pass of ember_sum_all_f32 over {@code n} elements: each block reduces a
     * grid-stride share into one partial sum; a second launch with one block sums the partials.
     * Capped at {@link #REDUCE_THREADS} blocks so the second pass is a single block-sized tree.
     */
    public static LaunchConfig sumAllFirstPass(long n) {
        return linear(n, REDUCE_THREADS, REDUCE_THREADS);
    }

    /** A 2-D launch of {@code tileX x tileY} thread blocks covering a {@code width x height} grid of points. */
    public static LaunchConfig tiles2d(long width, long height, int tileX, int tileY) {
        if (width < 0 || height < 0) throw new IllegalArgumentException("2-D extent must be >= 0, got " + width + " x " + height);
        if (tileX <= 0 || tileY <= 0) throw new IllegalArgumentException("tile must be positive, got " + tileX + " x " + tileY);
        long gx = ceilDiv(width, tileX), gy = ceilDiv(height, tileY);
        if (gx > Integer.MAX_VALUE) throw new IllegalArgumentException("width " + width + " needs " + gx + " blocks in x, over the limit");
        if (gy > MAX_GRID_YZ) throw new IllegalArgumentException("height " + height + " needs " + gy + " blocks in y, over the limit " + MAX_GRID_YZ);
        return new LaunchConfig((int) gx, (int) gy, 1, tileX, tileY, 1);
    }

    /** ember_sgemm_f32 for C [m, n] in {@code batch} matrices: 16x16 threads per 64x64 tile of C. */
    public static LaunchConfig sgemm(int m, int n, int batch) {
        return gemm(m, n, batch, 16, 16);
    }

    /** ember_sgemm_tf32 (sm_80+): 128 threads (4 warps) per 64x64 tile of C. */
    public static LaunchConfig sgemmTf32(int m, int n, int batch) {
        return gemm(m, n, batch, 128, 1);
    }

    private static LaunchConfig gemm(int m, int n, int batch, int bx, int by) {
        if (m < 0 || n < 0 || batch < 0) {
            throw new IllegalArgumentException("GEMM sizes must be >= 0, got m=" + m + " n=" + n + " batch=" + batch);
        }
        long gy = ceilDiv(m, SGEMM_TILE);
        if (gy > MAX_GRID_YZ) throw new IllegalArgumentException("GEMM m=" + m + " needs " + gy + " row tiles, over the limit " + MAX_GRID_YZ);
        if (batch > MAX_GRID_YZ) throw new IllegalArgumentException("GEMM batch " + batch + " is over the limit " + MAX_GRID_YZ);
        return new LaunchConfig((int) ceilDiv(n, SGEMM_TILE), (int) gy, batch, bx, by, 1);
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }
}
