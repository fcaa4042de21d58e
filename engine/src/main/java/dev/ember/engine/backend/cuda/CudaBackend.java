package dev.ember.engine.backend.cuda;

import dev.ember.engine.DType;
import dev.ember.engine.Device;
import dev.ember.engine.backend.Backend;
import dev.ember.engine.backend.Buffer;
import dev.ember.engine.backend.View;
import dev.ember.engine.backend.cpu.CpuBuffer;

import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@link Backend} of one CUDA device: {@link CudaBuffer}s from the device's caching allocator,
 * the generic kernels of {@link CudaOps}, host copies through pinned staging memory. Results match
 * the CPU backend's within the stated tolerances (floating values are computed in double and
 * rounded once; float32 matrix products use the tiled float32 kernel, TF32 only when
 * {@code ember.cuda.allowTf32=true}, PyTorch's default too).
 */
public final class CudaBackend implements Backend {
    private static final ConcurrentHashMap<Integer, CudaBackend> BACKENDS = new ConcurrentHashMap<>();
    private static final boolean ALLOW_TF32 = Boolean.getBoolean("ember.cuda.allowTf32");

    private final CudaDevice device;
    private final CudaOps ops;

    private CudaBackend(CudaDevice device) {
        this.device = device;
        this.ops = device.ops();
    }

    /** The backend of device {@code index}. @throws IllegalStateException naming why CUDA is unavailable */
    public static CudaBackend of(int index) {
        return BACKENDS.computeIfAbsent(index, i -> new CudaBackend(CudaDevice.get(i)));
    }

    /** The device this backend runs on. */
    public CudaDevice cudaDevice() { return device; }

    @Override public Device device() { return device.device(); }

    @Override public String toString() { return "cuda (" + device.name() + ")"; }

    private CudaBuffer cuda(Buffer b) {
        if (b instanceof CudaBuffer c && c.cudaDevice() == device) return c;
        throw new IllegalArgumentException("a buffer on " + b.device() + " reached the backend of " + device.device());
    }

    private DeviceView view(Buffer b, View v) {
        if (b.device().isCpu() && isScalar(v)) return hostScalar(b, v);
        return new DeviceView(cuda(b).address(), b.dtype(), longs(v.shape()), longs(v.strides()), v.offset());
    }

    private static boolean isScalar(View v) {
        for (int s : v.strides()) if (s != 0) return v.numel() == 1;
        return true;
    }

    /**
     * A cpu scalar (PyTorch lets 0-dim cpu tensors meet tensors of any device) copied into a one-element
     * device buffer. Kernels run in launch order, so the buffer goes back to the cache right away:
     * a later allocation that reuses it is written only after this op has read it.
     */
    private DeviceView hostScalar(Buffer b, View v) {
        Object array = java.lang.reflect.Array.newInstance(CpuBuffer.of(b).array().getClass().getComponentType(), 1);
        System.arraycopy(CpuBuffer.of(b).array(), v.offset(), array, 0, 1);
        CudaBuffer scalar = device.allocate(b.dtype(), 1);
        device.upload(array, scalar.address());
        long address = scalar.address();
        scalar.release();
        return new DeviceView(address, b.dtype(), longs(v.shape()), new long[v.shape().length], 0);
    }

    private DeviceView whole(Buffer b, int[] shape) {
        return DeviceView.contiguous(cuda(b).address(), b.dtype(), longs(shape));
    }

    private static long[] longs(int[] a) {
        long[] out = new long[a.length];
        for (int i = 0; i < a.length; i++) out[i] = a[i];
        return out;
    }

    @Override
    public Buffer allocate(DType dtype, int length) {
        CudaBuffer b = device.allocate(dtype, length);
        if (length > 0) ops.fill(DeviceView.contiguous(b.address(), dtype, length), 0);
        return b;
    }

    @Override public void fromHost(Object array, Buffer dst) { device.upload(array, cuda(dst).address()); }

    @Override public void toHost(Buffer src, Object array) { device.download(cuda(src).address(), array); }

    @Override
    public void copy(Buffer dst, View dstView, Buffer src, View srcView) {
        if (dstView.numel() > 0) ops.copy(view(src, srcView), view(dst, dstView));
    }

    @Override
    public void fill(Buffer dst, View dstView, double value) {
        if (dstView.numel() > 0) ops.fill(view(dst, dstView), value);
    }

    @Override
    public void unary(Unary op, Buffer out, Buffer x, View xView) {
        if (xView.numel() == 0) return;
        DType compute = op == Unary.LOGICAL_NOT ? x.dtype() : out.dtype();
        ops.unary(op.ordinal(), view(x, xView), whole(out, xView.shape()), compute);
    }

    @Override
    public void binary(Binary op, Buffer out, View outView, Buffer a, View aView, Buffer b, View bView) {
        if (outView.numel() == 0) return;
        DType compute = op.isComparison() ? DType.promote(a.dtype(), b.dtype()) : out.dtype();
        ops.binary(op.ordinal(), view(a, aView), view(b, bView), view(out, outView), compute);
    }

    @Override
    public void where(Buffer out, Buffer cond, View condView, Buffer a, View aView, Buffer b, View bView) {
        if (condView.numel() == 0) return;
        ops.where(view(cond, condView), view(a, aView), view(b, bView), whole(out, condView.shape()));
    }

    @Override
    public void reduce(Reduce op, Buffer out, Buffer x, View xView, int[] dims) {
        if (out.length() == 0) return;
        DType compute = op == Reduce.SUM || op == Reduce.PROD ? out.dtype() : x.dtype();
        ops.reduce(op.ordinal(), view(x, xView), dims, DeviceView.contiguous(cuda(out).address(), out.dtype(), out.length()), compute);
    }

    @Override
    public void argReduce(boolean max, Buffer out, Buffer x, View xView, int dim) {
        if (out.length() == 0) return;
        ops.argReduce(max, view(x, xView), dim, DeviceView.contiguous(cuda(out).address(), DType.INT64, out.length()));
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k, Buffer a, int aOffset, int lda,
                     Buffer b, int bOffset, int ldb, Buffer c, int cOffset, int ldc, boolean accumulate) {
        if (m == 0 || n == 0) return;
        DType t = c.dtype();
        if (a.dtype() != t || b.dtype() != t) {
            throw new IllegalArgumentException("gemm needs one dtype, got " + a.dtype() + " @ " + b.dtype() + " -> " + t);
        }
        long item = t.itemSize();
        if (k == 0) {
            if (!accumulate) ops.fill(new DeviceView(cuda(c).address(), t, new long[] {m, n}, new long[] {ldc, 1}, cOffset), 0);
            return;
        }
        ops.gemm(t, transA, transB, m, n, k, 1.0,
                cuda(a).address() + aOffset * item, lda, 0, cuda(b).address() + bOffset * item, ldb, 0,
                accumulate ? 1.0 : 0.0, cuda(c).address() + cOffset * item, ldc, 0, 1, ALLOW_TF32);
    }
}
