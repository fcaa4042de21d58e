package dev.ember.engine.backend.cuda;

import dev.ember.engine.DType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleBinaryOperator;
import java.util.function.DoubleUnaryOperator;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The generic tensor kernels (tensor.cu) through {@link CudaOps}, on the first CUDA device this
 * machine has (the emulated one where g++ is; a GPU under gpu-tests.sh), against plain Java loops
 * written here: every unary and binary op code, casts between the dtypes, broadcasting and strided
 * views, reductions over any set of dimensions, arg-reductions' tie and NaN rules, and GEMM.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class CudaOpsTest {
    private static CudaDriver driver;
    private static CachingAllocator<Long> memory;
    private static CudaOps ops;
    private static final List<CachingAllocator.Block<Long>> blocks = new ArrayList<>();

    @BeforeAll
    static void open() {
        driver = CudaDevices.open(CudaDevices.names().get(0));
        memory = new CachingAllocator<>(driver);
        ops = new CudaOps(driver);
    }

    @AfterAll
    static void close() {
        if (memory != null) {
            blocks.forEach(memory::release);
            memory.close();  // throws if anything leaked
        }
        if (driver != null) driver.close();
    }

    private static long alloc(long bytes) {
        var b = memory.allocate(Math.max(bytes, 1));
        blocks.add(b);
        return b.handle();
    }

    /** A device buffer of {@code dtype} holding {@code values} (converted like a Java cast). */
    private static DeviceView upload(DType dtype, double[] values, long... shape) {
        ByteBuffer h = driver.allocatePinned((long) values.length * dtype.itemSize());
        for (int i = 0; i < values.length; i++) {
            double v = values[i];
            switch (dtype) {
                case BOOL -> h.put(i, (byte) (v != 0 ? 1 : 0));
                case UINT8 -> h.put(i, (byte) (long) v);
                case INT32 -> h.putInt(4 * i, (int) (long) v);
                case INT64 -> h.putLong(8 * i, (long) v);
                case FLOAT32 -> h.putFloat(4 * i, (float) v);
                case FLOAT64 -> h.putDouble(8 * i, v);
            }
        }
        long address = alloc((long) values.length * dtype.itemSize());
        driver.copyToDevice(address, h, (long) values.length * dtype.itemSize());
        driver.freePinned(h);
        return DeviceView.contiguous(address, dtype, shape);
    }

    private static DeviceView empty(DType dtype, long... shape) {
        long n = 1;
        for (long s : shape) n *= s;
        return DeviceView.contiguous(alloc(n * dtype.itemSize()), dtype, shape);
    }

    /** The buffer's first {@code n} elements as doubles. */
    private static double[] download(DeviceView v, int n) {
        DType t = v.dtype();
        ByteBuffer h = driver.allocatePinned((long) n * t.itemSize());
        driver.synchronize();
        driver.copyToHost(h, v.address(), (long) n * t.itemSize());
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = switch (t) {
                case BOOL, UINT8 -> h.get(i) & 0xff;
                case INT32 -> h.getInt(4 * i);
                case INT64 -> h.getLong(8 * i);
                case FLOAT32 -> h.getFloat(4 * i);
                case FLOAT64 -> h.getDouble(8 * i);
            };
        }
        driver.freePinned(h);
        return out;
    }

    /**
     * The stated tolerance: results are computed in double and rounded once, so float32 may differ by
     * one float32 ulp where a GPU's libm is 1-2 double ulps off near a rounding tie; float64 by a few ulps.
     */
    private static double tolerance(DType out) {
        return out == DType.FLOAT32 ? 1.2e-7 : 1e-15;
    }

    /** Equal within a relative tolerance; NaN matches NaN and infinities match exactly. */
    private static void assertClose(double want, double got, double rel, String what) {
        if (Double.isNaN(want) || Double.isInfinite(want)) assertEquals(want, got, 0, what);
        else assertEquals(want, got, Math.abs(want) * rel, what);
    }

    private static double[] gaussian(int n, long seed) {
        Random r = new Random(seed);
        double[] a = new double[n];
        for (int i = 0; i < n; i++) a[i] = r.nextGaussian() * 2;
        return a;
    }

    @Test
    void copyCastsBroadcastsAndReadsTransposedViews() {
        double[] x = {1.5, -2.5, 0, 7, 3e9, -0.25};
        // float64 [2, 3] read transposed as [3, 2] into float32
        DeviceView src = upload(DType.FLOAT64, x, 2, 3);
        DeviceView t = new DeviceView(src.address(), DType.FLOAT64, new long[] {3, 2}, new long[] {1, 3}, 0);
        DeviceView y = empty(DType.FLOAT32, 3, 2);
        ops.copy(t, y);
        double[] want = {1.5, 7, -2.5, 3e9, 0, -0.25};
        double[] got = download(y, 6);
        for (int i = 0; i < 6; i++) assertEquals((float) want[i], got[i], 0, "transposed copy " + i);
        // float64 -> bool and -> int64 (truncation toward zero, like a Java cast)
        DeviceView b = empty(DType.BOOL, 2, 3), l = empty(DType.INT64, 2, 3);
        ops.copy(src, b);
        ops.copy(src, l);
        assertArrayEquals(new double[] {1, 1, 0, 1, 1, 1}, download(b, 6));
        assertArrayEquals(new double[] {1, -2, 0, 7, 3e9, 0}, download(l, 6));
        // a row [3] broadcast into [4, 3]; int64 values past 2^53 survive an int -> int copy
        DeviceView row = upload(DType.INT64, new double[] {1, 2, 3}, 3);
        DeviceView big = empty(DType.INT64, 4, 3);
        ops.copy(row, big);
        assertArrayEquals(new double[] {1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3}, download(big, 12));
        long huge = (1L << 53) + 1;
        DeviceView h = upload(DType.INT64, new double[] {0}, 1);
        ByteBuffer staging = driver.allocatePinned(8);
        staging.putLong(0, huge);
        driver.copyToDevice(h.address(), staging, 8);
        DeviceView h2 = empty(DType.INT64, 1);
        ops.copy(h, h2);
        driver.copyToHost(staging, h2.address(), 8);
        assertEquals(huge, staging.getLong(0));
        driver.freePinned(staging);
    }

    @Test
    void fillWritesOnlyTheView() {
        DeviceView y = upload(DType.FLOAT32, new double[12], 3, 4);
        DeviceView column = new DeviceView(y.address(), DType.FLOAT32, new long[] {3}, new long[] {4}, 1);
        ops.fill(column, 2.5);
        double[] got = download(y, 12);
        for (int i = 0; i < 12; i++) assertEquals(i % 4 == 1 ? 2.5 : 0, got[i], 0, "element " + i);
    }

    private static final DoubleUnaryOperator[] UNARY = {
            v -> -v, Math::abs, Math::signum, v -> v > 0 ? v : (Double.isNaN(v) ? v : 0), Math::floor, Math::ceil, Math::rint,
            Math::exp, Math::log, Math::sqrt, Math::sin, Math::cos, Math::tanh, v -> 1 / (1 + Math.exp(-v)), v -> 1 / v,
            v -> v == 0 ? 1 : 0};

    @Test
    void everyUnaryOpMatchesJavaMathInFloat32AndFloat64() {
        double[] x = gaussian(40, 1);
        x[0] = 0;
        x[1] = 2.5;   // rint: ties to even
        x[2] = -3.5;
        x[3] = Double.NaN;
        for (DType t : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            DeviceView dx = upload(t, x, 40);
            for (int op = 0; op < UNARY.length; op++) {
                DType out = op == 15 ? DType.BOOL : t;
                DeviceView y = empty(out, 40);
                ops.unary(op, dx, y, t);
                double[] got = download(y, 40);
                for (int i = 0; i < 40; i++) {
                    double in = t == DType.FLOAT32 ? (float) x[i] : x[i];
                    double want = UNARY[op].applyAsDouble(in);
                    if (out == DType.FLOAT32) want = (float) want;
                    if (out == DType.BOOL) want = in == 0 ? 1 : 0;
                    assertClose(want, got[i], tolerance(out), t + " unary op " + op + " of " + in);
                }
            }
        }
        long[] ints = {-7, 0, 5, Long.MIN_VALUE + 1};
        double[] asDouble = {-7, 0, 5, 0};
        DeviceView li = upload(DType.INT64, asDouble, 4);
        ByteBuffer s = driver.allocatePinned(32);
        for (int i = 0; i < 4; i++) s.putLong(8 * i, ints[i]);
        driver.copyToDevice(li.address(), s, 32);
        DeviceView neg = empty(DType.INT64, 4), abs = empty(DType.INT64, 4);
        ops.unary(0, li, neg, DType.INT64);
        ops.unary(1, li, abs, DType.INT64);
        driver.synchronize();
        driver.copyToHost(s, neg.address(), 32);
        for (int i = 0; i < 4; i++) assertEquals(-ints[i], s.getLong(8 * i), "int64 neg exact");
        driver.copyToHost(s, abs.address(), 32);
        for (int i = 0; i < 4; i++) assertEquals(Math.abs(ints[i]), s.getLong(8 * i), "int64 abs exact");
        driver.freePinned(s);
    }

    private static final DoubleBinaryOperator[] BINARY = {
            Double::sum, (u, v) -> u - v, (u, v) -> u * v, (u, v) -> u / v, Math::pow, Math::max, Math::min,
            (u, v) -> v > 0 ? u : 0, (u, v) -> u == v ? 1 : 0, (u, v) -> u != v ? 1 : 0, (u, v) -> u < v ? 1 : 0,
            (u, v) -> u <= v ? 1 : 0, (u, v) -> u > v ? 1 : 0, (u, v) -> u >= v ? 1 : 0,
            (u, v) -> u != 0 && v != 0 ? 1 : 0, (u, v) -> u != 0 || v != 0 ? 1 : 0};

    @Test
    void everyBinaryOpBroadcastsAndMatchesJava() {
        double[] a = gaussian(15, 2), b = gaussian(20, 3);  // a [3, 1, 5], b [4, 5] -> [3, 4, 5]
        a[0] = Double.NaN;
        b[1] = 0;
        b[2] = a[2];  // an equal pair for eq/le/ge
        for (int i = 0; i < 20; i++) if (i % 3 == 0) b[i] = Math.abs(b[i]);  // some positive bases for pow
        for (DType t : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            DeviceView da = upload(t, a, 3, 1, 5), db = upload(t, b, 4, 5);
            for (int op = 0; op < BINARY.length; op++) {
                DType out = op >= 8 ? DType.BOOL : t;
                DeviceView y = empty(out, 3, 4, 5);
                ops.binary(op, da, db, y, t);
                double[] got = download(y, 60);
                for (int i = 0; i < 3; i++)
                    for (int j = 0; j < 4; j++)
                        for (int k = 0; k < 5; k++) {
                            double u = a[i * 5 + k], v = b[j * 5 + k];
                            if (t == DType.FLOAT32) { u = (float) u; v = (float) v; }
                            double want = BINARY[op].applyAsDouble(u, v);
                            if (out == DType.FLOAT32) want = (float) want;
                            assertClose(want, got[(i * 4 + j) * 5 + k], tolerance(out), t + " binary op " + op + " of " + u + ", " + v);
                        }
            }
        }
        DeviceView ia = upload(DType.INT64, new double[] {3, -4, 7}, 3), ib = upload(DType.INT64, new double[] {2, 3, 0}, 3);
        DeviceView p = empty(DType.INT64, 3), m = empty(DType.INT64, 3);
        ops.binary(4, ia, ib, p, DType.INT64);
        ops.binary(2, ia, ib, m, DType.INT64);
        assertArrayEquals(new double[] {9, -64, 1}, download(p, 3));
        assertArrayEquals(new double[] {6, -12, 0}, download(m, 3));
    }

    @Test
    void wherePicksPerElementWithBroadcasting() {
        DeviceView c = upload(DType.BOOL, new double[] {1, 0, 1}, 3);
        DeviceView a = upload(DType.FLOAT32, new double[] {10, 20}, 2, 1);
        DeviceView b = upload(DType.FLOAT32, new double[] {-1}, 1);
        DeviceView y = empty(DType.FLOAT32, 2, 3);
        ops.where(c, a, b, y);
        assertArrayEquals(new double[] {10, -1, 10, 20, -1, 20}, download(y, 6));
    }

    @Test
    void reductionsOverAnyDimsMatchLoops() {
        int d0 = 3, d1 = 300, d2 = 4;  // d1 > threads per block: the strided share loop runs
        double[] x = gaussian(d0 * d1 * d2, 4);
        DeviceView dx = upload(DType.FLOAT64, x, d0, d1, d2);
        for (int op = 0; op < 4; op++) {
            DeviceView over1 = empty(DType.FLOAT64, d0, d2);
            ops.reduce(op, dx, new int[] {1}, over1, DType.FLOAT64);
            double[] got = download(over1, d0 * d2);
            for (int i = 0; i < d0; i++)
                for (int k = 0; k < d2; k++) {
                    double acc = op == 1 ? 1 : (op == 2 ? Double.NEGATIVE_INFINITY : (op == 3 ? Double.POSITIVE_INFINITY : 0));
                    for (int j = 0; j < d1; j++) acc = fold(op, acc, x[(i * d1 + j) * d2 + k]);
                    assertEquals(acc, got[i * d2 + k], Math.abs(acc) * 1e-12, "reduce op " + op + " over dim 1 at " + i + "," + k);
                }
            DeviceView over02 = empty(DType.FLOAT64, d1);
            ops.reduce(op, dx, new int[] {0, 2}, over02, DType.FLOAT64);
            double[] got2 = download(over02, d1);
            for (int j = 0; j < d1; j++) {
                double acc = op == 1 ? 1 : (op == 2 ? Double.NEGATIVE_INFINITY : (op == 3 ? Double.POSITIVE_INFINITY : 0));
                for (int i = 0; i < d0; i++) for (int k = 0; k < d2; k++) acc = fold(op, acc, x[(i * d1 + j) * d2 + k]);
                assertEquals(acc, got2[j], Math.abs(acc) * 1e-12, "reduce op " + op + " over dims 0,2 at " + j);
            }
        }
        // The sum of everything, in float32 accumulated in double; max propagates NaN; an empty sum is 0.
        double[] f = gaussian(1000, 5);
        DeviceView df = upload(DType.FLOAT32, f, 1000);
        DeviceView total = empty(DType.FLOAT32, 1);
        ops.reduce(CudaCodes.REDUCE_SUM, df, new int[] {0}, total, DType.FLOAT32);
        double want = 0;
        for (double v : f) want += (float) v;
        assertEquals((float) want, download(total, 1)[0], 0);
        f[500] = Double.NaN;
        DeviceView withNan = upload(DType.FLOAT32, f, 1000);
        ops.reduce(CudaCodes.REDUCE_MAX, withNan, new int[] {0}, total, DType.FLOAT32);
        assertTrue(Double.isNaN(download(total, 1)[0]), "max with a NaN is NaN");
        DeviceView none = empty(DType.FLOAT32, 2, 0), sums = empty(DType.FLOAT32, 2);
        ops.reduce(CudaCodes.REDUCE_SUM, none, new int[] {1}, sums, DType.FLOAT32);
        assertArrayEquals(new double[] {0, 0}, download(sums, 2));
        DeviceView li = upload(DType.INT64, new double[] {1, 2, 3, 4, 5, 6}, 2, 3), ls = empty(DType.INT64, 2);
        ops.reduce(CudaCodes.REDUCE_SUM, li, new int[] {1}, ls, DType.INT64);
        assertArrayEquals(new double[] {6, 15}, download(ls, 2));
    }

    private static double fold(int op, double acc, double v) {
        return switch (op) {
            case 0 -> acc + v;
            case 1 -> acc * v;
            case 2 -> Math.max(acc, v);
            default -> Math.min(acc, v);
        };
    }

    @Test
    void argReductionsTakeTheFirstOfTiesAndNaNWins() {
        double[] x = {1, 5, 5, -2, /* row 2 */ 0, Double.NaN, 9, Double.NaN, /* row 3 */ -1, -1, -1, -1};
        DeviceView dx = upload(DType.FLOAT32, x, 3, 4);
        DeviceView idx = empty(DType.INT64, 3);
        ops.argReduce(true, dx, 1, idx);
        assertArrayEquals(new double[] {1, 1, 0}, download(idx, 3));
        ops.argReduce(false, dx, 1, idx);
        assertArrayEquals(new double[] {3, 1, 0}, download(idx, 3));
        DeviceView cols = empty(DType.INT64, 4);
        ops.argReduce(true, dx, 0, cols);
        assertArrayEquals(new double[] {0, 1, 1, 1}, download(cols, 4));
    }

    @Test
    void batchedGemmInFloat32AndFloat64MatchesLoops() {
        int m = 33, n = 20, k = 17, batch = 2;
        for (DType t : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            for (int ta = 0; ta <= 1; ta++)
                for (int tb = 0; tb <= 1; tb++) {
                    double[] a = gaussian(batch * m * k, 6), b = gaussian(batch * k * n, 7), c = gaussian(batch * m * n, 8);
                    DeviceView da = upload(t, a, a.length), db = upload(t, b, b.length), dc = upload(t, c, c.length);
                    int lda = ta == 1 ? m : k, ldb = tb == 1 ? k : n;
                    ops.gemm(t, ta == 1, tb == 1, m, n, k, 1.5, da.address(), lda, (long) m * k, db.address(), ldb, (long) k * n,
                            0.5, dc.address(), n, (long) m * n, batch, false);
                    double[] got = download(dc, c.length);
                    for (int z = 0; z < batch; z++)
                        for (int i = 0; i < m; i++)
                            for (int j = 0; j < n; j++) {
                                double s = 0;
                                for (int q = 0; q < k; q++) {
                                    double av = a[z * m * k + (ta == 1 ? q * lda + i : i * lda + q)];
                                    double bv = b[z * k * n + (tb == 1 ? j * ldb + q : q * ldb + j)];
                                    if (t == DType.FLOAT32) { av = (float) av; bv = (float) bv; }
                                    s += av * bv;
                                }
                                double cv = t == DType.FLOAT32 ? (float) c[z * m * n + i * n + j] : c[z * m * n + i * n + j];
                                double want = 1.5 * s + 0.5 * cv;
                                double tol = t == DType.FLOAT32 ? 1e-4 * (1 + Math.abs(want)) : 1e-12 * (1 + Math.abs(want));
                                assertEquals(want, got[z * m * n + i * n + j], tol, t + " gemm ta=" + ta + " tb=" + tb + " at " + z + "," + i + "," + j);
                            }
                }
        }
    }

    @Test
    void rowKernelsSelectAndPutRowsByPositionAndAddDuplicates() {
        // rows of a [4, 3] table by element position: rows 3, 0, 3
        DeviceView table = upload(DType.FLOAT64, new double[] {0, 1, 2, 10, 11, 12, 20, 21, 22, 30, 31, 32}, 4, 3);
        DeviceView starts = upload(DType.INT32, new double[] {9, 0, 9}, 3), picked = empty(DType.FLOAT64, 3, 3);
        ops.rowsSelect(picked.address(), table.address(), DType.FLOAT64, starts.address(), 3, 3);
        assertArrayEquals(new double[] {30, 31, 32, 0, 1, 2, 30, 31, 32}, download(picked, 9));
        // put back with accumulate: row 3 gets both copies; a negative start skips its row
        for (DType t : new DType[] {DType.FLOAT32, DType.FLOAT64, DType.INT32, DType.INT64}) {
            DeviceView grad = upload(t, new double[12], 4, 3), src = upload(t, new double[] {1, 2, 3, 4, 5, 6, 7, 8, 9}, 3, 3);
            DeviceView to = upload(DType.INT32, new double[] {9, -1, 9}, 3);
            ops.rowsPut(grad.address(), to.address(), 3, 3, src.address(), 0, t, true);
            assertArrayEquals(new double[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 8, 10, 12}, download(grad, 12), t + " accumulate");
        }
        // without accumulate: a plain write at the source offset (one row from element 3 of src)
        DeviceView out = upload(DType.UINT8, new double[6], 6), src = upload(DType.UINT8, new double[] {9, 9, 9, 4, 5, 6}, 6);
        DeviceView at = upload(DType.INT32, new double[] {2}, 1);
        ops.rowsPut(out.address(), at.address(), 1, 3, src.address(), 3, DType.UINT8, false);
        assertArrayEquals(new double[] {0, 0, 4, 5, 6, 0}, download(out, 6));
        // uint8 and bool accumulate through their aligned words
        DeviceView bytes = upload(DType.UINT8, new double[] {1, 2, 3, 4}, 4), adds = upload(DType.UINT8, new double[] {10, 20}, 2);
        DeviceView pos = upload(DType.INT32, new double[] {1, 1}, 2);
        ops.rowsPut(bytes.address(), pos.address(), 2, 1, adds.address(), 0, DType.UINT8, true);
        assertArrayEquals(new double[] {1, 32, 3, 4}, download(bytes, 4));
    }
}
