package dev.ember.engine.backend.cuda;

import dev.ember.engine.DType;
import dev.ember.engine.Device;
import dev.ember.engine.backend.AdamStep;
import dev.ember.engine.backend.Backend;
import dev.ember.engine.backend.Conv2dGeometry;
import dev.ember.engine.backend.PoolWindow;
import dev.ember.engine.backend.Buffer;
import dev.ember.engine.backend.View;
import dev.ember.engine.backend.cpu.CpuBackend;
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
    private static volatile boolean allowTf32 = Boolean.getBoolean("ember.cuda.allowTf32");

    /** Whether float32 GEMMs may use TF32 tensor cores ({@code Device.setAllowTf32}; {@code -Dember.cuda.allowTf32=true} at start). */
    public static void setAllowTf32(boolean allow) { allowTf32 = allow; }

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
        ops.unary(CudaCodes.unary(op), view(x, xView), whole(out, xView.shape()), compute);
    }

    @Override
    public void binary(Binary op, Buffer out, View outView, Buffer a, View aView, Buffer b, View bView) {
        if (outView.numel() == 0) return;
        DType compute = op.isComparison() ? DType.promote(a.dtype(), b.dtype()) : out.dtype();
        ops.binary(CudaCodes.binary(op), view(a, aView), view(b, bView), view(out, outView), compute);
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
        ops.reduce(CudaCodes.reduce(op), view(x, xView), dims, DeviceView.contiguous(cuda(out).address(), out.dtype(), out.length()), compute);
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
                accumulate ? 1.0 : 0.0, cuda(c).address() + cOffset * item, ldc, 0, 1, allowTf32);
    }

    /** The device address of element {@code offset} of b. */
    private long at(Buffer b, long offset) {
        return cuda(b).address() + offset * b.dtype().itemSize();
    }

    @Override
    public void indexSelect(Buffer out, Buffer src, Buffer starts, int rowLength) {
        if (starts.length() == 0 || rowLength == 0) return;
        ops.rowsSelect(at(out, 0), at(src, 0), src.dtype(), at(starts, 0), starts.length(), rowLength);
    }

    @Override
    public void indexPut(Buffer out, Buffer starts, int rowLength, Buffer src, int srcOffset, boolean accumulate) {
        if (starts.length() == 0 || rowLength == 0) return;
        ops.rowsPut(at(out, 0), at(starts, 0), starts.length(), rowLength, at(src, 0), srcOffset, out.dtype(), accumulate);
    }

    private static int[] sizes(Conv2dGeometry g) {
        return new int[] {g.n, g.c, g.h, g.w, g.o, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.groups, g.oh, g.ow, g.cg, g.og, g.kk, g.ohw};
    }

    /** Unfolded patches [n, kk, ohw] of one group: a temporary given back when the op is done (launch order keeps it safe). */
    private CudaBuffer columns(Conv2dGeometry g, DType t) {
        return device.allocate(t, Math.max(1, g.n * g.kk * g.ohw));
    }

    /** Per group, y[i] += W_g [og, kk] @ col[i] [kk, ohw], batched over the samples, onto the bias. */
    @Override
    public void conv2d(Conv2dGeometry g, Buffer x, Buffer w, Buffer bias, Buffer y) {
        DType t = y.dtype();
        int[] conv = sizes(g);
        ops.convBias(at(y, 0), bias == null ? 0 : at(bias, 0), t, conv);
        if (g.n == 0 || g.ohw == 0) return;
        CudaBuffer col = columns(g, t);
        try {
            for (int gr = 0; gr < g.groups; gr++) {
                ops.im2col(at(x, 0), col.address(), t, conv, gr);
                ops.gemm(t, false, false, g.og, g.ohw, g.kk, 1.0, at(w, (long) gr * g.og * g.kk), g.kk, 0,
                        col.address(), g.ohw, (long) g.kk * g.ohw, 1.0,
                        at(y, (long) gr * g.og * g.ohw), g.ohw, (long) g.o * g.ohw, g.n, allowTf32);
            }
        } finally {
            col.release();
        }
    }

    /** Per group, col[i] = W_g^T @ gy[i], folded back onto the group's input channels. */
    @Override
    public void conv2dInputGrad(Conv2dGeometry g, Buffer gradOutput, Buffer w, Buffer gradInput) {
        DType t = gradInput.dtype();
        int[] conv = sizes(g);
        if (g.n == 0) return;
        CudaBuffer col = columns(g, t);
        try {
            for (int gr = 0; gr < g.groups; gr++) {
                ops.gemm(t, true, false, g.kk, g.ohw, g.og, 1.0, at(w, (long) gr * g.og * g.kk), g.kk, 0,
                        at(gradOutput, (long) gr * g.og * g.ohw), g.ohw, (long) g.o * g.ohw, 0.0,
                        col.address(), g.ohw, (long) g.kk * g.ohw, g.n, allowTf32);
                ops.col2im(col.address(), at(gradInput, 0), t, conv, gr);
            }
        } finally {
            col.release();
        }
    }

    /** Per group, gw_g = the sum over samples of gy[i] @ col[i]^T: one batched GEMM into [n, og, kk], then a fixed-order sum. */
    @Override
    public void conv2dWeightGrad(Conv2dGeometry g, Buffer gradOutput, Buffer x, Buffer gradWeight) {
        DType t = gradWeight.dtype();
        int[] conv = sizes(g);
        if (g.n == 0) {
            ops.fill(DeviceView.contiguous(at(gradWeight, 0), t, gradWeight.length()), 0);
            return;
        }
        CudaBuffer col = columns(g, t), perSample = device.allocate(t, g.n * g.og * g.kk);
        try {
            for (int gr = 0; gr < g.groups; gr++) {
                ops.im2col(at(x, 0), col.address(), t, conv, gr);
                ops.gemm(t, false, true, g.og, g.kk, g.ohw, 1.0, at(gradOutput, (long) gr * g.og * g.ohw), g.ohw, (long) g.o * g.ohw,
                        col.address(), g.ohw, (long) g.kk * g.ohw, 0.0,
                        perSample.address(), g.kk, (long) g.og * g.kk, g.n, allowTf32);
                DeviceView all = DeviceView.contiguous(perSample.address(), t, g.n, (long) g.og * g.kk);
                DeviceView into = new DeviceView(cuda(gradWeight).address(), t, new long[] {(long) g.og * g.kk}, new long[] {1},
                        (long) gr * g.og * g.kk);
                ops.reduce(CudaCodes.REDUCE_SUM, all, new int[] {0}, into, t);
            }
        } finally {
            col.release();
            perSample.release();
        }
    }

    private static int[] sizes(PoolWindow p) {
        return new int[] {p.planes, p.h, p.w, p.kh, p.kw, p.sh, p.sw, p.ph, p.pw, p.dh, p.dw, p.oh, p.ow};
    }

    @Override
    public void maxPool2d(PoolWindow win, Buffer x, Buffer y, Buffer indices) {
        if (y.length() > 0) ops.maxPool2d(at(x, 0), at(y, 0), at(indices, 0), y.dtype(), sizes(win));
    }

    @Override
    public void maxPool2dBackward(PoolWindow win, Buffer gradOutput, Buffer indices, Buffer gradInput) {
        if (gradOutput.length() > 0) ops.maxPool2dBackward(at(gradOutput, 0), at(indices, 0), at(gradInput, 0), gradInput.dtype(), sizes(win));
    }

    @Override
    public void maxPool2dGather(PoolWindow win, Buffer x, Buffer indices, Buffer y) {
        if (y.length() > 0) ops.maxPool2dGather(at(x, 0), at(indices, 0), at(y, 0), y.dtype(), sizes(win));
    }

    @Override
    public void windowSum(PoolWindow win, Buffer bounds, Buffer scale, Buffer x, Buffer out) {
        if (out.length() > 0) ops.windowSum(at(bounds, 0), at(scale, 0), at(x, 0), at(out, 0), out.dtype(), sizes(win));
    }

    @Override
    public void windowSpread(PoolWindow win, Buffer bounds, Buffer scale, Buffer gradOutput, Buffer gradInput) {
        if (gradOutput.length() > 0) ops.windowSpread(at(bounds, 0), at(scale, 0), at(gradOutput, 0), at(gradInput, 0), gradInput.dtype(), sizes(win));
    }

    /**
     * LU on the host: small batched float64 systems (inverse, det) go to the cpu backend and back, as
     * PyTorch sends small linalg problems to MAGMA's host path.
     */
    @Override
    public int inverse(Buffer a, Buffer out, int batch, int n) {
        double[] ha = new double[a.length()], ho = new double[out.length()];
        toHost(a, ha);
        int singular = CpuBackend.INSTANCE.inverse(CpuBuffer.of(ha), CpuBuffer.of(ho), batch, n);
        fromHost(ha, a);
        fromHost(ho, out);
        return singular;
    }

    @Override
    public void det(Buffer a, Buffer out, int batch, int n) {
        double[] ha = new double[a.length()], ho = new double[out.length()];
        toHost(a, ha);
        CpuBackend.INSTANCE.det(CpuBuffer.of(ha), CpuBuffer.of(ho), batch, n);
        fromHost(ha, a);
        fromHost(ho, out);
    }

    @Override
    public void adamStep(AdamStep s, int n, Buffer param, int paramOffset, Buffer grad, int gradOffset,
                         Buffer expAvg, int expAvgOffset, Buffer expAvgSq, int expAvgSqOffset, Buffer maxExpAvgSq, int maxOffset) {
        if (n == 0) return;
        ops.adamStep(at(param, paramOffset), at(grad, gradOffset), at(expAvg, expAvgOffset), at(expAvgSq, expAvgSqOffset),
                maxExpAvgSq == null ? 0 : at(maxExpAvgSq, maxOffset), param.dtype(), n,
                s.beta1(), s.beta2(), s.eps(), s.stepSize(), s.bc2Sqrt(), s.decay(), s.l2(), s.maximize());
    }
}
