package dev.ember.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;

import org.junit.jupiter.api.Test;

/**
 * Tensor factories and dtype conversions. Expected values are hand-computed or taken from PyTorch 1.13
 * (e.g. {@code torch.arange(0, 1, 0.25)}, {@code torch.linspace(-1, 1, 1)}, {@code torch.tensor([1.7, -1.7]).long()}).
 */
class CreationTest {

    // ------------------------------------------------------------ Tensor.of / tensor(...)

    @Test void ofFloatMatrix() {
        Tensor t = Tensor.of(new float[][]{{1, 2, 3}, {4, 5, 6}});
        assertArrayEquals(new int[]{2, 3}, t.shape());
        assertEquals(DType.FLOAT32, t.dtype());
        assertArrayEquals(new float[]{1, 2, 3, 4, 5, 6}, t.toFloatArray());
    }

    @Test void ofDouble3dBecomesFloat32() {
        Tensor t = Tensor.of(new double[][][]{{{1.5}, {2.5}}, {{3.5}, {4.5}}});
        assertArrayEquals(new int[]{2, 2, 1}, t.shape());
        assertEquals(DType.FLOAT32, t.dtype());
        assertArrayEquals(new float[]{1.5f, 2.5f, 3.5f, 4.5f}, t.toFloatArray());
    }

    @Test void ofLongIsInt64AndExact() {
        long big = (1L << 53) + 1; // not representable as a double
        Tensor t = Tensor.of(new long[]{big, -7});
        assertEquals(DType.INT64, t.dtype());
        assertArrayEquals(new long[]{big, -7}, t.toLongArray());
    }

    @Test void ofIntIsInt32() {
        Tensor t = Tensor.of(new int[]{3, -4, 5});
        assertEquals(DType.INT32, t.dtype());
        assertArrayEquals(new long[]{3, -4, 5}, t.toLongArray());
    }

    @Test void ofBooleanMatrixIsBool() {
        Tensor t = Tensor.of(new boolean[][]{{true, false}, {false, true}});
        assertEquals(DType.BOOL, t.dtype());
        assertArrayEquals(new int[]{2, 2}, t.shape());
        assertArrayEquals(new long[]{1, 0, 0, 1}, t.toLongArray());
    }

    @Test void ofRaggedIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tensor.of(new float[][]{{1, 2}, {3}}));
        assertTrue(e.getMessage().contains("ragged"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Tensor.of(new double[][][]{{{1}, {2}}, {{3}, {4, 5}}}));
        assertTrue(e.getMessage().contains("ragged"), e.getMessage());
    }

    @Test void ofNonArrayIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> Tensor.of("not an array"));
        assertThrows(IllegalArgumentException.class, () -> Tensor.of(new String[]{"a"}));
    }

    @Test void ofExplicitDtype() {
        Tensor d = Tensor.of(new double[]{0.1, 1e-300}, DType.FLOAT64);
        assertEquals(DType.FLOAT64, d.dtype());
        assertArrayEquals(new double[]{0.1, 1e-300}, d.toDoubleArray()); // kept exactly, no float32 detour
        // float -> int64 truncates toward zero: torch.tensor([1.7, -1.7, 2.5, -2.5]).long() == [1, -1, 2, -2]
        Tensor l = Tensor.of(new float[]{1.7f, -1.7f, 2.5f, -2.5f}, DType.INT64);
        assertEquals(DType.INT64, l.dtype());
        assertArrayEquals(new long[]{1, -1, 2, -2}, l.toLongArray());
        Tensor f = Tensor.of(new boolean[]{true, false}, DType.FLOAT32);
        assertArrayEquals(new float[]{1, 0}, f.toFloatArray());
    }

    @Test void tensorVarargs() {
        Tensor f = Tensor.tensor(1.5f, 2.5f);
        assertEquals(DType.FLOAT32, f.dtype());
        assertArrayEquals(new int[]{2}, f.shape());
        Tensor d = Tensor.tensor(0.5, 0.25, 0.125);
        assertEquals(DType.FLOAT32, d.dtype()); // Java doubles follow torch.tensor's default dtype
        assertArrayEquals(new float[]{0.5f, 0.25f, 0.125f}, d.toFloatArray());
        assertEquals(DType.INT64, Tensor.tensor(1L, 2L).dtype());
        assertEquals(DType.INT32, Tensor.tensor(1, 2).dtype());
        Tensor b = Tensor.tensor(true, false, true);
        assertEquals(DType.BOOL, b.dtype());
        assertArrayEquals(new long[]{1, 0, 1}, b.toLongArray());
    }

    @Test void tensorCopiesItsArgument() {
        float[] src = {1, 2};
        Tensor t = Tensor.tensor(src);
        src[0] = 99;
        assertArrayEquals(new float[]{1, 2}, t.toFloatArray());
    }

    // ------------------------------------------------------------ constant factories

    @Test void zerosOnesFullEmpty() {
        Tensor z = Tensor.zeros(2, 3);
        assertArrayEquals(new int[]{2, 3}, z.shape());
        assertEquals(DType.FLOAT32, z.dtype());
        assertArrayEquals(new float[6], z.toFloatArray());
        Tensor o = Tensor.ones(new int[]{4}, DType.INT64);
        assertArrayEquals(new long[]{1, 1, 1, 1}, o.toLongArray());
        Tensor f = Tensor.full(new int[]{2, 2}, 7.5);
        assertArrayEquals(new float[]{7.5f, 7.5f, 7.5f, 7.5f}, f.toFloatArray());
        Tensor fi = Tensor.full(new int[]{3}, 3, DType.INT32);
        assertEquals(DType.INT32, fi.dtype());
        assertArrayEquals(new long[]{3, 3, 3}, fi.toLongArray());
        Tensor e = Tensor.empty(3, 0, 2);
        assertArrayEquals(new int[]{3, 0, 2}, e.shape());
        assertEquals(0, e.numel());
        Tensor s = Tensor.zeros();
        assertEquals(0, s.dim());
        assertEquals(1, s.numel());
    }

    @Test void eye() {
        assertArrayEquals(new float[]{1, 0, 0, 0, 1, 0, 0, 0, 1}, Tensor.eye(3).toFloatArray());
        Tensor r = Tensor.eye(2, 3, DType.INT64); // torch.eye(2, 3) == [[1, 0, 0], [0, 1, 0]]
        assertArrayEquals(new int[]{2, 3}, r.shape());
        assertEquals(DType.INT64, r.dtype());
        assertArrayEquals(new long[]{1, 0, 0, 0, 1, 0}, r.toLongArray());
        assertArrayEquals(new long[]{1, 0, 0, 1, 0, 0}, Tensor.eye(3, 2, DType.INT64).toLongArray());
    }

    @Test void negativeDimNamesTheShape() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(2, -1));
        assertTrue(e.getMessage().contains("[2, -1]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Tensor.ones(-3));
        assertTrue(e.getMessage().contains("[-3]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Tensor.randn(4, -2));
        assertTrue(e.getMessage().contains("[4, -2]"), e.getMessage());
    }

    // ------------------------------------------------------------ ranges

    @Test void arangeWholeNumbersIsInt64() {
        Tensor a = Tensor.arange(5);
        assertEquals(DType.INT64, a.dtype());
        assertArrayEquals(new long[]{0, 1, 2, 3, 4}, a.toLongArray());
        Tensor b = Tensor.arange(10, 0, -3); // torch.arange(10, 0, -3) == [10, 7, 4, 1]
        assertEquals(DType.INT64, b.dtype());
        assertArrayEquals(new long[]{10, 7, 4, 1}, b.toLongArray());
        assertEquals(0, Tensor.arange(0).numel());
        assertEquals(0, Tensor.arange(3, 3, 1).numel());
    }

    @Test void arangeFractionalIsFloat32() {
        Tensor a = Tensor.arange(0, 1, 0.25); // torch.arange(0, 1, 0.25) == [0, .25, .5, .75]
        assertEquals(DType.FLOAT32, a.dtype());
        assertArrayEquals(new float[]{0, 0.25f, 0.5f, 0.75f}, a.toFloatArray());
        assertArrayEquals(new float[]{0.5f, 1.5f, 2.5f}, Tensor.arange(0.5, 3, 1).toFloatArray());
        assertArrayEquals(new float[]{1, 1.5f, 2}, Tensor.arange(1, 2.5, 0.5).toFloatArray());
        assertEquals(10, Tensor.arange(0, 1, 0.1).numel()); // as torch: end is excluded
        Tensor d = Tensor.arange(0, 3, 1, DType.FLOAT64);
        assertEquals(DType.FLOAT64, d.dtype());
        assertArrayEquals(new double[]{0, 1, 2}, d.toDoubleArray());
    }

    @Test void arangeBadArgs() {
        assertThrows(IllegalArgumentException.class, () -> Tensor.arange(0, 10, 0));
        assertThrows(IllegalArgumentException.class, () -> Tensor.arange(0, 10, -1));
        assertThrows(IllegalArgumentException.class, () -> Tensor.arange(5, 0, 1));
    }

    @Test void linspace() {
        Tensor t = Tensor.linspace(0, 1, 5);
        assertEquals(DType.FLOAT32, t.dtype());
        assertArrayEquals(new float[]{0, 0.25f, 0.5f, 0.75f, 1}, t.toFloatArray());
        assertArrayEquals(new float[]{2, 1, 0, -1, -2}, Tensor.linspace(2, -2, 5).toFloatArray());
        assertArrayEquals(new float[]{-1}, Tensor.linspace(-1, 1, 1).toFloatArray()); // torch gives [start]
        assertEquals(0, Tensor.linspace(0, 1, 0).numel());
    }

    @Test void linspaceEndpointsExact() {
        float[] v = Tensor.linspace(0.1, 0.7, 7).toFloatArray();
        assertEquals(0.1f, v[0]);
        assertEquals(0.7f, v[6]);
        float[] w = Tensor.linspace(-3.3, 12.9, 101).toFloatArray();
        assertEquals(-3.3f, w[0]);
        assertEquals(12.9f, w[100]);
        for (int i = 0; i < 101; i++) assertEquals(-3.3 + 0.162 * i, w[i], 1e-5);
    }

    @Test void linspaceNegativeStepsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tensor.linspace(0, 1, -1));
        assertTrue(e.getMessage().contains("non-negative"), e.getMessage());
    }

    // ------------------------------------------------------------ random

    @Test void manualSeedMakesRandReproducible() {
        Tensor.manualSeed(42);
        float[] a = Tensor.rand(50).toFloatArray();
        float[] an = Tensor.randn(50).toFloatArray();
        Tensor.manualSeed(42);
        float[] b = Tensor.rand(50).toFloatArray();
        float[] bn = Tensor.randn(50).toFloatArray();
        assertArrayEquals(a, b);
        assertArrayEquals(an, bn);
        Tensor.manualSeed(43);
        assertFalse(Arrays.equals(a, Tensor.rand(50).toFloatArray()));
        assertFalse(Arrays.equals(an, Tensor.randn(50).toFloatArray()));
    }

    @Test void explicitGeneratorIsIndependentOfDefault() {
        Tensor a = Tensor.rand(new int[]{20}, DType.FLOAT64, new Generator(7));
        Tensor.rand(5); // consuming the default generator must not matter
        Tensor b = Tensor.rand(new int[]{20}, DType.FLOAT64, new Generator(7));
        assertArrayEquals(a.toDoubleArray(), b.toDoubleArray());
        assertEquals(DType.FLOAT64, a.dtype());
    }

    @Test void randIsInUnitInterval() {
        Tensor.manualSeed(0);
        Tensor t = Tensor.rand(3, 4);
        assertArrayEquals(new int[]{3, 4}, t.shape());
        assertEquals(DType.FLOAT32, t.dtype());
        float[] v = Tensor.rand(200_000).toFloatArray();
        double sum = 0;
        for (float x : v) {
            assertTrue(x >= 0 && x < 1, "rand value " + x + " outside [0, 1)");
            sum += x;
        }
        assertEquals(0.5, sum / v.length, 0.01);
    }

    @Test void randnStatistics() {
        Tensor.manualSeed(123);
        double[] v = Tensor.randn(100_000).toDoubleArray();
        double sum = 0, sq = 0;
        for (double x : v) sum += x;
        double mean = sum / v.length;
        for (double x : v) sq += (x - mean) * (x - mean);
        double std = Math.sqrt(sq / (v.length - 1));
        assertEquals(0, mean, 0.02);
        assertEquals(1, std, 0.02);
    }

    @Test void randOfIntegerDtypeIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> Tensor.rand(new int[]{2}, DType.INT64, new Generator(1)));
        assertThrows(IllegalArgumentException.class, () -> Tensor.randn(new int[]{2}, DType.INT32, new Generator(1)));
    }

    @Test void randintRange() {
        Tensor.manualSeed(5);
        Tensor t = Tensor.randint(-3, 3, 10_000);
        assertEquals(DType.INT64, t.dtype());
        boolean[] seen = new boolean[6];
        for (long x : t.toLongArray()) {
            assertTrue(x >= -3 && x < 3, "randint value " + x + " outside [-3, 3)");
            seen[(int) x + 3] = true;
        }
        for (boolean s : seen) assertTrue(s, "every value in [-3, 3) should appear in 10000 draws");
        assertArrayEquals(new int[]{2, 5}, Tensor.randint(0, 10, 2, 5).shape());
        assertArrayEquals(new long[]{4, 4, 4}, Tensor.randint(4, 5, 3).toLongArray());
    }

    @Test void randintLowNotBelowHighRejected() {
        assertThrows(IllegalArgumentException.class, () -> Tensor.randint(5, 5, 3));
        assertThrows(IllegalArgumentException.class, () -> Tensor.randint(6, 5, 3));
    }

    @Test void randperm() {
        Tensor.manualSeed(9);
        Tensor p = Tensor.randperm(100);
        assertEquals(DType.INT64, p.dtype());
        long[] v = p.toLongArray();
        long[] sorted = v.clone();
        Arrays.sort(sorted);
        long[] expected = new long[100];
        for (int i = 0; i < 100; i++) expected[i] = i;
        assertArrayEquals(expected, sorted);
        assertFalse(Arrays.equals(expected, v)); // identity has probability 1/100!
        assertEquals(0, Tensor.randperm(0).numel());
        Tensor.manualSeed(9);
        assertArrayEquals(v, Tensor.randperm(100).toLongArray());
    }

    // ------------------------------------------------------------ *Like

    @Test void likeFactoriesKeepShapeAndDtype() {
        Tensor d = Tensor.of(new double[][]{{1, 2, 3}, {4, 5, 6}}, DType.FLOAT64);
        Tensor z = d.zerosLike();
        assertArrayEquals(new int[]{2, 3}, z.shape());
        assertEquals(DType.FLOAT64, z.dtype());
        assertArrayEquals(new double[6], z.toDoubleArray());
        assertArrayEquals(new double[]{1, 1, 1, 1, 1, 1}, d.onesLike().toDoubleArray());
        assertArrayEquals(new double[]{-2, -2, -2, -2, -2, -2}, d.fullLike(-2).toDoubleArray());
        assertArrayEquals(new int[]{2, 3}, d.emptyLike().shape());
        assertEquals(DType.FLOAT64, d.emptyLike().dtype());
        assertArrayEquals(new float[]{0, 0}, Tensor.zerosLike(Tensor.tensor(5f, 6f)).toFloatArray());
        assertArrayEquals(new long[]{1, 1}, Tensor.onesLike(Tensor.tensor(5L, 6L)).toLongArray());
    }

    @Test void randomLikeFactories() {
        Tensor.manualSeed(1);
        Tensor d = Tensor.zeros(new int[]{3, 4}, DType.FLOAT64);
        Tensor r = d.randLike();
        assertEquals(DType.FLOAT64, r.dtype());
        assertArrayEquals(new int[]{3, 4}, r.shape());
        for (double x : r.toDoubleArray()) assertTrue(x >= 0 && x < 1);
        Tensor n = d.randnLike();
        assertEquals(DType.FLOAT64, n.dtype());
        assertArrayEquals(new int[]{3, 4}, n.shape());
        Tensor ri = Tensor.zeros(5, 5).randintLike(2, 4);
        assertEquals(DType.FLOAT32, ri.dtype());
        for (float x : ri.toFloatArray()) assertTrue(x == 2 || x == 3, "randintLike value " + x);
        assertThrows(IllegalArgumentException.class, () -> Tensor.tensor(1L, 2L).randLike());
    }

    // ------------------------------------------------------------ conversions and scalars

    @Test void dtypeConversions() {
        Tensor f = Tensor.tensor(1.7f, -1.7f, 0f, 2.5f);
        Tensor l = f.toLong();
        assertEquals(DType.INT64, l.dtype());
        assertArrayEquals(new long[]{1, -1, 0, 2}, l.toLongArray()); // truncation, as torch
        Tensor i = f.toInt();
        assertEquals(DType.INT32, i.dtype());
        assertArrayEquals(new long[]{1, -1, 0, 2}, i.toLongArray());
        Tensor b = f.toBool(); // torch.tensor([1.7, -1.7, 0, 2.5]).bool() == [True, True, False, True]
        assertEquals(DType.BOOL, b.dtype());
        assertArrayEquals(new long[]{1, 1, 0, 1}, b.toLongArray());
        Tensor d = f.toDouble();
        assertEquals(DType.FLOAT64, d.dtype());
        assertArrayEquals(new double[]{1.7f, -1.7f, 0f, 2.5f}, d.toDoubleArray());
        Tensor back = Tensor.tensor(3L, -4L).toFloat();
        assertEquals(DType.FLOAT32, back.dtype());
        assertArrayEquals(new float[]{3, -4}, back.toFloatArray());
        Tensor u = Tensor.tensor(255, 7).to(DType.UINT8);
        assertEquals(DType.UINT8, u.dtype());
        assertArrayEquals(new long[]{255, 7}, u.toLongArray());
        assertArrayEquals(new float[]{1, 0}, Tensor.tensor(true, false).toFloat().toFloatArray());
        assertEquals(DType.FLOAT32, f.to(DType.FLOAT32).dtype());
    }

    @Test void toSameDtypeReturnsSameTensorAndOtherDtypeCopies() {
        Tensor f = Tensor.tensor(1f, 2f);
        assertTrue(f.to(DType.FLOAT32) == f);
        assertNotSame(f, f.toDouble());
    }

    @Test void itemAndItemLong() {
        assertEquals(3.5, Tensor.scalar(3.5).item());
        assertEquals(-2.0, Tensor.tensor(-2f).item());
        long big = (1L << 62) + 1;
        assertEquals(big, Tensor.tensor(big).itemLong());
        assertEquals(1.0, Tensor.tensor(true).item());
        assertEquals(7, Tensor.of(new int[][]{{7}}).itemLong());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Tensor.tensor(1f, 2f).item());
        assertTrue(e.getMessage().contains("2 elements"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> Tensor.zeros(0).itemLong());
    }

    @Test void scalarIsZeroDim() {
        Tensor s = Tensor.scalar(2.25, DType.FLOAT64);
        assertEquals(0, s.dim());
        assertEquals(1, s.numel());
        assertEquals(DType.FLOAT64, s.dtype());
        assertEquals(2.25, s.item());
    }
}
