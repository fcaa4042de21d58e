package dev.ember.engine.backend.cuda;

import dev.ember.engine.DType;
import dev.ember.engine.Device;

import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One CUDA device as the engine uses it, opened once per JVM: its driver ({@link CudaDriver#open}),
 * caching allocator and kernels ({@link CudaOps}), and a pinned staging buffer for host copies.
 * Spark executors thus hold one context per device, shared by the tasks that run on it.
 */
public final class CudaDevice {
    private static final ConcurrentHashMap<Integer, CudaDevice> OPEN = new ConcurrentHashMap<>();
    /** Host copies go through pinned memory in chunks of this size. */
    static final int STAGING_BYTES = 8 << 20;

    private final Device device;
    private final CudaDriver driver;
    private final CachingAllocator<Long> allocator;
    private final CudaOps ops;
    private final ByteBuffer staging;

    private CudaDevice(int index) {
        this.device = Device.cuda(index);
        this.driver = CudaDriver.open(index);
        this.allocator = new CachingAllocator<>(driver);
        this.ops = new CudaOps(driver);
        this.staging = driver.allocatePinned(STAGING_BYTES);
    }

    /** Device {@code index}, opened on first use. @throws IllegalStateException naming why CUDA is unavailable */
    public static CudaDevice get(int index) {
        return OPEN.computeIfAbsent(index, CudaDevice::new);
    }

    public Device device() { return device; }

    public CudaDriver driver() { return driver; }

    public CachingAllocator<Long> allocator() { return allocator; }

    public CudaOps ops() { return ops; }

    /** What the device is, for summaries: "NVIDIA H200 (sm_90)" or "emulated CUDA device 0 (g++)". */
    public String name() { return driver.deviceName(); }

    /**
     * Uninitialized device memory for {@code length} elements of {@code dtype}, owned by the current memory scope.
     *
     * @throws CudaOutOfMemoryError naming the requested and free bytes, when even a garbage collection frees too little
     */
    public CudaBuffer allocate(DType dtype, int length) {
        long bytes = Math.max(1L, (long) length * dtype.itemSize());
        CachingAllocator.Block<Long> block;
        try {
            block = allocator.allocate(bytes);
        } catch (CudaOutOfMemoryError full) {
            // Buffers nobody references any more may still hold memory until the GC finds them: let it, once.
            System.gc();
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw full;
            }
            block = allocator.allocate(bytes);
        }
        return new CudaBuffer(this, dtype, length, block);
    }

    /**
     * Copies a Java array ({@code float[]}, {@code double[]}, {@code long[]}, {@code int[]} or
     * {@code byte[]}) to device address {@code dst}, through the pinned staging buffer.
     */
    public synchronized void upload(Object array, long dst) {
        int item = itemSize(array), n = java.lang.reflect.Array.getLength(array), per = STAGING_BYTES / item;
        for (int from = 0; from < n; from += per) {
            int len = Math.min(per, n - from);
            staging.clear();
            if (array instanceof float[] a) staging.asFloatBuffer().put(a, from, len);
            else if (array instanceof double[] a) staging.asDoubleBuffer().put(a, from, len);
            else if (array instanceof long[] a) staging.asLongBuffer().put(a, from, len);
            else if (array instanceof int[] a) staging.asIntBuffer().put(a, from, len);
            else staging.put((byte[]) array, from, len);
            driver.copyToDevice(dst + (long) from * item, staging, (long) len * item);
        }
    }

    /** Copies device memory at {@code src} into a Java array (as for {@link #upload}), filling it. */
    public synchronized void download(long src, Object array) {
        int item = itemSize(array), n = java.lang.reflect.Array.getLength(array), per = STAGING_BYTES / item;
        driver.synchronize();
        for (int from = 0; from < n; from += per) {
            int len = Math.min(per, n - from);
            staging.clear();
            driver.copyToHost(staging, src + (long) from * item, (long) len * item);
            if (array instanceof float[] a) staging.asFloatBuffer().get(a, from, len);
            else if (array instanceof double[] a) staging.asDoubleBuffer().get(a, from, len);
            else if (array instanceof long[] a) staging.asLongBuffer().get(a, from, len);
            else if (array instanceof int[] a) staging.asIntBuffer().get(a, from, len);
            else staging.get((byte[]) array, from, len);
        }
    }

    private static int itemSize(Object array) {
        if (array instanceof float[] || array instanceof int[]) return 4;
        if (array instanceof double[] || array instanceof long[]) return 8;
        if (array instanceof byte[]) return 1;
        throw new IllegalArgumentException("host arrays are float[], double[], long[], int[] or byte[], got "
                + (array == null ? "null" : array.getClass().getSimpleName()));
    }
}
