package dev.ember.engine.backend.cuda;

import jcuda.Pointer;
import jcuda.Sizeof;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.JCudaDriver;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * End-to-end checks on a real GPU: memory round trips through the caching allocator, every module
 * JIT-loads, and the add and sgemm kernels match plain CPU loops. Skipped, with the probe's reason,
 * where there is no CUDA device (see engine/src/test/cuda/gpu-tests.sh to run it on a GPU machine).
 */
class CudaSmokeTest {
    private static CudaContext context;
    private static CachingAllocator<CUdeviceptr> allocator;

    @BeforeAll
    static void openDevice() {
        if (!CudaProbe.available()) {
            System.out.println("CudaSmokeTest skipped: " + CudaProbe.reason());
            return;
        }
        context = CudaContext.open(0);
        allocator = new CachingAllocator<>(new DriverMemory());
        System.out.println("CudaSmokeTest on " + context.deviceName() + " (sm_" + context.computeCapability() + "), "
                + CudaProbe.reason());
    }

    @BeforeEach
    void needDevice() {
        // Per test rather than in @BeforeAll, so every test is reported as skipped with the reason.
        assumeTrue(CudaProbe.available(), "no usable CUDA device: " + CudaProbe.reason());
    }

    @AfterAll
    static void closeDevice() {
        if (allocator != null) allocator.close();  // throws if a test leaked a block
        if (context != null) context.close();
    }

    private static CachingAllocator.Block<CUdeviceptr> upload(float[] host) {
        var block = allocator.allocate((long) host.length * Sizeof.FLOAT);
        JCudaDriver.cuMemcpyHtoD(block.handle(), Pointer.to(host), (long) host.length * Sizeof.FLOAT);
        return block;
    }

    private static float[] download(CachingAllocator.Block<CUdeviceptr> block, int n) {
        float[] host = new float[n];
        JCudaDriver.cuMemcpyDtoH(Pointer.to(host), block.handle(), (long) n * Sizeof.FLOAT);
        return host;
    }

    private static float[] random(int n, long seed) {
        Random r = new Random(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian();
        return a;
    }

    @Test
    void hostDeviceHostRoundTripThroughTheCache() {
        context.makeCurrent();
        float[] x = random(1000, 1);
        var block = upload(x);
        assertArrayEquals(x, download(block, x.length));
        CUdeviceptr first = block.handle();
        allocator.release(block);
        long hits = allocator.cacheHits();
        var again = allocator.allocate(1000L * Sizeof.FLOAT);
        assertSame(first, again.handle(), "the released block must be reused");
        assertEquals(hits + 1, allocator.cacheHits());
        allocator.release(again);
    }

    @Test
    void everyModuleLoadsAndResolvesItsKernels() {
        context.makeCurrent();
        for (String name : PtxSource.MODULES) {
            if (name.equals("sgemm_tf32") && context.computeCapability() < 80) continue;
            try (KernelModule module = KernelModule.load(name)) {
                for (String kernel : module.entries()) assertNotNull(module.function(kernel), name + "." + kernel);
            }
        }
    }

    @Test
    void addBroadcastsLikeTheCpu() {
        context.makeCurrent();
        float[] a = random(15, 2), b = random(20, 3);  // a [3, 1, 5], b [4, 5] -> [3, 4, 5]
        long[] out = {3, 4, 5};
        var da = upload(a);
        var db = upload(b);
        var dy = allocator.allocate(60L * Sizeof.FLOAT);
        try (KernelModule m = KernelModule.load("elementwise")) {
            long[] ad = CudaTensorDesc.pack(out, CudaTensorDesc.broadcastStrides(new long[] {3, 1, 5}, new long[] {5, 5, 1}, out), 0);
            long[] bd = CudaTensorDesc.pack(out, CudaTensorDesc.broadcastStrides(new long[] {4, 5}, new long[] {5, 1}, out), 0);
            m.launch("ember_add_f32", LaunchConfig.elementwise(60), null,
                    new KernelArgs().ptr(da.handle()).struct(ad).ptr(db.handle()).struct(bd).ptr(dy.handle()).i64(60));
            context.synchronize();
        }
        float[] y = download(dy, 60);
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 4; j++)
                for (int k = 0; k < 5; k++) assertEquals(a[i * 5 + k] + b[j * 5 + k], y[(i * 4 + j) * 5 + k], 0f);
        allocator.release(da);
        allocator.release(db);
        allocator.release(dy);
    }

    @Test
    void sgemmMatchesCpuForAllTransposes() {
        context.makeCurrent();
        boolean tf32 = context.computeCapability() >= 80;
        try (KernelModule fp32 = KernelModule.load("sgemm");
             KernelModule tc = tf32 ? KernelModule.load("sgemm_tf32") : null) {
            for (int ta = 0; ta <= 1; ta++)
                for (int tb = 0; tb <= 1; tb++) {
                    checkSgemm(fp32, "ember_sgemm_f32", LaunchConfig.sgemm(100, 70, 1), ta, tb, 1e-4f);
                    if (tc != null) checkSgemm(tc, "ember_sgemm_tf32", LaunchConfig.sgemmTf32(100, 70, 1), ta, tb, 3e-2f);
                }
        }
    }

    private static void checkSgemm(KernelModule module, String kernel, LaunchConfig config, int ta, int tb, float tol) {
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
        var da = upload(a);
        var db = upload(b);
        var dc = upload(c);
        module.launch(kernel, config, null, new KernelArgs().i32(ta).i32(tb).i32(m).i32(n).i32(k).f32(alpha)
                .ptr(da.handle()).i64(lda).i64(0).ptr(db.handle()).i64(ldb).i64(0).f32(beta)
                .ptr(dc.handle()).i64(n).i64(0));
        context.synchronize();
        float[] got = download(dc, m * n);
        for (int i = 0; i < m * n; i++) {
            assertEquals(want[i], got[i], tol * (1 + Math.abs(want[i])), kernel + " transA=" + ta + " transB=" + tb + " at " + i);
        }
        allocator.release(da);
        allocator.release(db);
        allocator.release(dc);
    }
}
