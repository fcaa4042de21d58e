package dev.ember.engine.backend.cuda;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The host side of the CUDA backend on every device this machine has: the emulated device (the
 * shipped kernel sources built with g++) everywhere g++ is, and the GPU where there is one
 * (engine/src/test/cuda/gpu-tests.sh runs this class on a GPU machine). Memory round trips through
 * the caching allocator, kernel lookup, launches with packed arguments, and results against plain
 * loops written here.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class CudaDriverTest {
    static List<String> devices() { return CudaDevices.names(); }

    private static float[] random(int n, long seed) {
        Random r = new Random(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian();
        return a;
    }

    /** A device buffer holding {@code host}, through a pinned staging buffer. */
    private static CachingAllocator.Block<Long> upload(CudaDriver d, CachingAllocator<Long> mem, float[] host) {
        var block = mem.allocate(4L * host.length);
        ByteBuffer staging = d.allocatePinned(4L * host.length);
        staging.asFloatBuffer().put(host);
        d.copyToDevice(block.handle(), staging, 4L * host.length);
        d.freePinned(staging);
        return block;
    }

    private static float[] download(CudaDriver d, long address, int n) {
        ByteBuffer staging = d.allocatePinned(4L * n);
        d.synchronize();
        d.copyToHost(staging, address, 4L * n);
        float[] out = new float[n];
        staging.asFloatBuffer().get(out);
        d.freePinned(staging);
        return out;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void hostDeviceHostRoundTripReusesCachedBlocks(String device) {
        try (CudaDriver d = CudaDevices.open(device); var mem = new CachingAllocator<>(d)) {
            float[] x = random(1000, 1);
            var block = upload(d, mem, x);
            var copy = mem.allocate(4000);
            d.copyOnDevice(copy.handle(), block.handle(), 4000);
            assertArrayEquals(x, download(d, copy.handle(), x.length));
            long first = block.handle();
            mem.release(block);
            var again = mem.allocate(4000);
            assertEquals(first, again.handle(), "the released block must be reused");
            assertEquals(2, mem.deviceAllocations());
            mem.release(again);
            mem.release(copy);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void everyShippedKernelResolvesAndTyposAreNamed(String device) {
        try (CudaDriver d = CudaDevices.open(device)) {
            for (String module : PtxSource.MODULES) {
                if (module.equals("sgemm_tf32") && d.computeCapability() < 80) continue;
                for (String k : PtxSource.entries(PtxSource.load(module))) assertEquals(k, d.kernel(module, k).name());
            }
            var e = assertThrows(IllegalArgumentException.class, () -> d.kernel("tensor", "ember_plus"));
            assertTrue(e.getMessage().contains("ember_binary"), e.getMessage());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void addBroadcastsLikeTheCpu(String device) {
        try (CudaDriver d = CudaDevices.open(device); var mem = new CachingAllocator<>(d)) {
            float[] a = random(15, 2), b = random(20, 3);  // a [3, 1, 5], b [4, 5] -> [3, 4, 5]
            long[] out = {3, 4, 5};
            var da = upload(d, mem, a);
            var db = upload(d, mem, b);
            var dy = mem.allocate(60L * 4);
            long[] ad = CudaTensorDesc.pack(out, CudaTensorDesc.broadcastStrides(new long[] {3, 1, 5}, new long[] {5, 5, 1}, out), 0);
            long[] bd = CudaTensorDesc.pack(out, CudaTensorDesc.broadcastStrides(new long[] {4, 5}, new long[] {5, 1}, out), 0);
            long[] yd = CudaTensorDesc.pack(out, CudaTensorDesc.contiguousStrides(out), 0);
            int f32 = CudaCodes.dtype(dev.ember.engine.DType.FLOAT32);
            d.launch(d.kernel("tensor", "ember_binary"), LaunchConfig.elementwise(60), new KernelArgs().i32(0)
                    .ptr(da.handle()).struct(ad).i32(f32).ptr(db.handle()).struct(bd).i32(f32).ptr(dy.handle()).struct(yd).i32(f32)
                    .i32(f32).i64(60));
            float[] y = download(d, dy.handle(), 60);
            for (int i = 0; i < 3; i++)
                for (int j = 0; j < 4; j++)
                    for (int k = 0; k < 5; k++) assertEquals(a[i * 5 + k] + b[j * 5 + k], y[(i * 4 + j) * 5 + k], 0f);
            mem.release(da);
            mem.release(db);
            mem.release(dy);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void rowSumsMatchPlainLoops(String device) {
        int rows = 37, cols = 300;  // cols > threads per block: each thread folds a strided share
        float[] x = random(rows * cols, 7);
        try (CudaDriver d = CudaDevices.open(device); var mem = new CachingAllocator<>(d)) {
            var dx = upload(d, mem, x);
            var sums = mem.allocate(4L * rows);
            int f32 = CudaCodes.dtype(dev.ember.engine.DType.FLOAT32);
            d.launch(d.kernel("tensor", "ember_reduce"), LaunchConfig.rows(rows), new KernelArgs().i32(CudaCodes.REDUCE_SUM)
                    .ptr(dx.handle()).struct(CudaTensorDesc.pack(new long[] {rows, cols}, new long[] {cols, 1}, 0)).i32(f32)
                    .ptr(sums.handle()).i32(f32).i32(f32).i64(rows).i64(cols));
            float[] s = download(d, sums.handle(), rows);
            for (int r = 0; r < rows; r++) {
                double want = 0;
                for (int c = 0; c < cols; c++) want += x[r * cols + c];
                assertEquals((float) want, s[r], 1e-6 * cols, "row sum " + r);
            }
            mem.release(dx);
            mem.release(sums);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void sgemmMatchesPlainLoopsForAllTransposes(String device) {
        try (CudaDriver d = CudaDevices.open(device); var mem = new CachingAllocator<>(d)) {
            for (int ta = 0; ta <= 1; ta++)
                for (int tb = 0; tb <= 1; tb++) {
                    checkSgemm(d, mem, d.kernel("sgemm", "ember_sgemm_f32"), LaunchConfig.sgemm(100, 70, 1), ta, tb, 1e-4f);
                    if (d.computeCapability() >= 80) {
                        checkSgemm(d, mem, d.kernel("sgemm_tf32", "ember_sgemm_tf32"), LaunchConfig.sgemmTf32(100, 70, 1), ta, tb, 3e-2f);
                    }
                }
        }
    }

    private static void checkSgemm(CudaDriver d, CachingAllocator<Long> mem, CudaDriver.Kernel kernel, LaunchConfig config,
                                   int ta, int tb, float tol) {
        int m = 100, n = 70, k = 50;
        float[] a = random(m * k, 10 + ta), b = random(k * n, 20 + tb), c = random(m * n, 30);
        int lda = ta == 1 ? m : k, ldb = tb == 1 ? k : n;
        float alpha = 1.5f, beta = 0.5f;
        double[] want = new double[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int q = 0; q < k; q++) {
                    double av = ta == 1 ? a[q * lda + i] : a[i * lda + q];
                    double bv = tb == 1 ? b[j * ldb + q] : b[q * ldb + j];
                    s += av * bv;
                }
                want[i * n + j] = alpha * s + beta * c[i * n + j];
            }
        var da = upload(d, mem, a);
        var db = upload(d, mem, b);
        var dc = upload(d, mem, c);
        d.launch(kernel, config, new KernelArgs().i32(ta).i32(tb).i32(m).i32(n).i32(k).f32(alpha)
                .ptr(da.handle()).i64(lda).i64(0).ptr(db.handle()).i64(ldb).i64(0).f32(beta)
                .ptr(dc.handle()).i64(n).i64(0));
        float[] got = download(d, dc.handle(), m * n);
        for (int i = 0; i < m * n; i++) {
            assertEquals(want[i], got[i], tol * (1 + Math.abs(want[i])), kernel.name() + " transA=" + ta + " transB=" + tb + " at " + i);
        }
        mem.release(da);
        mem.release(db);
        mem.release(dc);
    }

    @Test
    void emulatedDeviceRejectsAWrongArgumentCountAndRunsOutOfMemoryWithBothSizes() {
        var lib = CudaDevices.emulator();
        org.junit.jupiter.api.Assumptions.assumeTrue(lib != null, CudaDevices::whyNone);
        try (CudaDriver d = EmulatedCudaDriver.open(lib, 0, 1 << 20); var mem = new CachingAllocator<>(d)) {
            var e = assertThrows(IllegalArgumentException.class, () ->
                    d.launch(d.kernel("tensor", "ember_fill"), LaunchConfig.elementwise(4), new KernelArgs().ptr(0).f32(1f)));
            assertEquals("kernel ember_fill takes 5 parameters, got 2", e.getMessage());
            var block = mem.allocate(600_000);
            var oom = assertThrows(CudaOutOfMemoryError.class, () -> mem.allocate(600_000));
            assertEquals(600_000, oom.requestedBytes());
            assertEquals((1 << 20) - CachingAllocator.roundSize(600_000), oom.freeBytes());
            assertTrue(oom.getMessage().contains("a request of 600000") && oom.getMessage().contains(oom.freeBytes() + " bytes) free"),
                    oom.getMessage());
            mem.release(block);
        }
    }
}
