package dev.ember.engine.nn;

import dev.ember.engine.DType;
import dev.ember.engine.Generator;
import dev.ember.engine.Tensor;
import dev.ember.engine.autograd.GradCheck;
import dev.ember.engine.ops.Pooling;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PoolingTest {

    /** (arange(n) * mul % mod) as float32 in the given shape: small values in a scrambled order. */
    private static Tensor scrambled(int mul, int mod, int... shape) {
        int n = 1;
        for (int s : shape) n *= s;
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (i * mul) % mod;
        return Tensor.tensor(v).reshape(shape);
    }

    private static Tensor arange(int... shape) { return scrambled(1, Integer.MAX_VALUE, shape); }

    private static Tensor randn64(long seed, int... shape) {
        return Tensor.randn(shape, DType.FLOAT64, new Generator(seed)).requiresGrad_();
    }

    private static void assertClose(float[] expected, Tensor actual) {
        float[] a = actual.toFloatArray();
        assertEquals(expected.length, a.length, "element count");
        for (int i = 0; i < a.length; i++) assertEquals(expected[i], a[i], 1e-4, "element " + i);
    }

    // ---------------------------------------------------------------- max pool (values from PyTorch 1.13)

    @Test void maxPoolValuesAndIndicesMatchPyTorch() {
        // x = ((arange(50) * 7) % 11).float().reshape(1,2,5,5); F.max_pool2d(x, 3, stride=2, padding=1, return_indices=True)
        Tensor x = scrambled(7, 11, 1, 2, 5, 5);
        Pooling.ValuesIndices r = Pooling.maxPool2dWithIndices(x, new int[]{3}, new int[]{2}, new int[]{1}, new int[]{1}, false);
        assertArrayEquals(new int[]{1, 2, 3, 3}, r.values().shape());
        assertClose(new float[]{9f, 10f, 10f, 9f, 9f, 10f, 8f, 9f, 7f, 10f, 9f, 9f, 10f, 10f, 9f, 7f, 10f, 6f}, r.values());
        assertArrayEquals(new long[]{6, 3, 3, 6, 6, 14, 20, 17, 23, 0, 3, 3, 11, 11, 14, 20, 22, 23}, r.indices().toLongArray());
        assertTrue(r.values().equal(F.maxPool2d(x, new int[]{3}, new int[]{2}, new int[]{1})));
    }

    @Test void maxPoolCeilModeMatchesPyTorch() {
        // x = (arange(25) * 3 % 13).float().reshape(1,1,5,5); F.max_pool2d(x, 2, stride=2, ceil_mode=True)
        Tensor y = new MaxPool2d(new int[]{2}, null, new int[]{0}, new int[]{1}, true).forward(scrambled(3, 13, 1, 1, 5, 5));
        assertArrayEquals(new int[]{1, 1, 3, 3}, y.shape());
        assertClose(new float[]{5f, 11f, 12f, 9f, 12f, 5f, 11f, 4f, 7f}, y);
    }

    @Test void maxPoolGradientAccumulatesOverOverlappingWindows() {
        // x = (arange(16) * 5 % 7).float().reshape(1,1,4,4); F.max_pool2d(x, 3, stride=1).sum().backward(); x.grad from PyTorch:
        Tensor x = scrambled(5, 7, 1, 1, 4, 4).requiresGrad_();
        Tensor y = F.maxPool2d(x, new int[]{3}, new int[]{1}, new int[]{0});
        assertEquals("MaxPool2DWithIndicesBackward0", y.gradFn().name());
        y.sum().backward();
        assertClose(new float[]{0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0}, x.grad());
    }

    @Test void gradcheckMaxPool() {
        // Random values: ties (where the finite difference is undefined) have probability zero.
        GradCheck.check(t -> F.maxPool2d(t[0], new int[]{3, 2}, new int[]{2, 1}, new int[]{1, 1}), randn64(1, 2, 2, 6, 5));
        GradCheck.check(t -> Pooling.maxPool2d(t[0], new int[]{2}, new int[]{2}, new int[]{0}, new int[]{2}, true), randn64(2, 1, 2, 7, 7));
    }

    // ---------------------------------------------------------------- average pools (values from PyTorch 1.13)

    @Test void avgPoolCountIncludePadAndExcludeMatchPyTorch() {
        // x = arange(50).float().reshape(1,2,5,5); F.avg_pool2d(x, 3, stride=2, padding=1[, count_include_pad=False])
        Tensor x = arange(1, 2, 5, 5);
        assertClose(new float[]{1.33333f, 3f, 2.66667f, 7f, 12f, 9f, 8f, 13f, 9.33333f, 12.4444f, 19.6667f, 13.7778f, 23.6667f, 37f, 25.6667f, 19.1111f, 29.6667f, 20.4444f},
                F.avgPool2d(x, new int[]{3}, new int[]{2}, new int[]{1}));
        assertClose(new float[]{3f, 4.5f, 6f, 10.5f, 12f, 13.5f, 18f, 19.5f, 21f, 28f, 29.5f, 31f, 35.5f, 37f, 38.5f, 43f, 44.5f, 46f},
                F.avgPool2d(x, new int[]{3}, new int[]{2}, new int[]{1}, false, false, 0));
        // F.avg_pool2d(x, 2, stride=2, ceil_mode=True): the last window is cut off by the border.
        Tensor c = F.avgPool2d(x, new int[]{2}, new int[]{2}, new int[]{0}, true, true, 0);
        assertArrayEquals(new int[]{1, 2, 3, 3}, c.shape());
        assertClose(new float[]{3f, 5f, 6.5f, 13f, 15f, 16.5f, 20.5f, 22.5f, 24f, 28f, 30f, 31.5f, 38f, 40f, 41.5f, 45.5f, 47.5f, 49f}, c);
        // divisor_override: the plain window sum divided by 1 (hand check: 0+1+5+6 = 12).
        assertEquals(12.0, F.avgPool2d(x, new int[]{2}, null, new int[]{0}, false, true, 1).toFloatArray()[0], 1e-6);
    }

    @Test void adaptiveAvgPoolMatchesPyTorch() {
        // x = arange(70).float().reshape(1,2,5,7); F.adaptive_avg_pool2d(x, (3,4)): overlapping windows of unequal size
        Tensor y = new AdaptiveAvgPool2d(new int[]{3, 4}).forward(arange(1, 2, 5, 7));
        assertArrayEquals(new int[]{1, 2, 3, 4}, y.shape());
        assertClose(new float[]{4f, 5.5f, 7.5f, 9f, 14.5f, 16f, 18f, 19.5f, 25f, 26.5f, 28.5f, 30f, 39f, 40.5f, 42.5f, 44f, 49.5f, 51f, 53f, 54.5f,
                60f, 61.5f, 63.5f, 65f}, y);
        // Output size 1 is the global average.
        Tensor x = Tensor.randn(2, 3, 4, 5);
        assertTrue(new AdaptiveAvgPool2d(1).forward(x).allclose(x.mean(new int[]{2, 3}, true), 1e-5, 1e-6));
    }

    @Test void gradcheckAvgPools() {
        GradCheck.check(t -> F.avgPool2d(t[0], new int[]{3}, new int[]{2}, new int[]{1}), randn64(3, 1, 2, 5, 6));
        GradCheck.check(t -> F.avgPool2d(t[0], new int[]{3, 2}, new int[]{2, 2}, new int[]{1, 0}, true, false, 0), randn64(4, 2, 1, 6, 5));
        GradCheck.check(t -> F.adaptiveAvgPool2d(t[0], new int[]{3, 2}), randn64(5, 1, 2, 5, 7));
    }

    @Test void gradcheckPoolModulesInFloat64() {
        Tensor x = randn64(6, 2, 4, 4);
        GradCheck.check(t -> new MaxPool2d(2).forward(t[0]), x);
        GradCheck.check(t -> new AvgPool2d(2).forward(t[0]), x);
        GradCheck.check(t -> new AdaptiveAvgPool2d(new int[]{3, 3}).forward(t[0]), x);
    }

    @Test void unbatchedInputMatchesBatched() {
        Tensor x = Tensor.randn(3, 6, 6);
        Tensor y = new MaxPool2d(2).forward(x);
        assertArrayEquals(new int[]{3, 3, 3}, y.shape());
        assertTrue(y.equal(new MaxPool2d(2).forward(x.unsqueeze(0)).squeeze(0)));
        assertTrue(new AvgPool2d(3, 1, 1).forward(x).allclose(new AvgPool2d(3, 1, 1).forward(x.unsqueeze(0)).squeeze(0)));
        assertArrayEquals(new int[]{3, 2, 2}, new AdaptiveAvgPool2d(2).forward(x).shape());
    }

    @Test void reprMatchesPyTorch() {
        assertEquals("MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)", new MaxPool2d(2).toString());
        assertEquals("AvgPool2d(kernel_size=2, stride=2, padding=0)", new AvgPool2d(2).toString());
        assertEquals("AdaptiveAvgPool2d(output_size=(1, 1))", new AdaptiveAvgPool2d(new int[]{1, 1}).toString());
        assertEquals("AdaptiveAvgPool2d(output_size=1)", new AdaptiveAvgPool2d(1).toString());
    }

    // ---------------------------------------------------------------- errors

    @Test void errorsNameTheBadSizes() {
        assertEquals("Given input size: (3x2x2). Calculated output size: (3x0x0). Output size is too small",
                assertThrows(IllegalArgumentException.class, () -> new MaxPool2d(3).forward(Tensor.zeros(1, 3, 2, 2))).getMessage());
        assertEquals("Given input size: (3x2x2). Calculated output size: (3x0x0). Output size is too small",
                assertThrows(IllegalArgumentException.class, () -> new AvgPool2d(3).forward(Tensor.zeros(1, 3, 2, 2))).getMessage());
        assertEquals("pad should be at most half of effective kernel size, but got pad=2 and kernel_size=3",
                assertThrows(IllegalArgumentException.class, () -> new MaxPool2d(3, 1, 2).forward(Tensor.zeros(1, 3, 5, 5))).getMessage());
        assertEquals("pad should be at most half of kernel size, but got pad=2 and kernel_size=3",
                assertThrows(IllegalArgumentException.class, () -> new AvgPool2d(3, 1, 2).forward(Tensor.zeros(1, 3, 5, 5))).getMessage());
        assertEquals("max_pool2d: Expected 3D or 4D (batch mode) non-empty tensor for input, but got [3, 5]",
                assertThrows(IllegalArgumentException.class, () -> new MaxPool2d(2).forward(Tensor.zeros(3, 5))).getMessage());
        assertEquals("adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got [3, 5]",
                assertThrows(IllegalArgumentException.class, () -> new AdaptiveAvgPool2d(2).forward(Tensor.zeros(3, 5))).getMessage());
        assertEquals("max_pool2d: stride should be greater than zero, but got stride=[0, 0]",
                assertThrows(IllegalArgumentException.class, () -> new MaxPool2d(3, 0, 0).forward(Tensor.zeros(1, 3, 5, 5))).getMessage());
    }

    @Test
    void float32TwoByTwoPoolAgreesWithAPlainLoopIncludingOddSizes() {
        Tensor x = Tensor.randn(2, 3, 7, 9); // floor mode drops the last row and column
        Tensor y = new MaxPool2d(2).forward(x);
        assertArrayEquals(new int[]{2, 3, 3, 4}, y.shape());
        float[] in = x.toFloatArray(), out = y.toFloatArray();
        for (int p = 0; p < 6; p++) {
            for (int oy = 0; oy < 3; oy++) {
                for (int ox = 0; ox < 4; ox++) {
                    float m = Float.NEGATIVE_INFINITY;
                    for (int i = 0; i < 2; i++) for (int j = 0; j < 2; j++) m = Math.max(m, in[p * 63 + (2 * oy + i) * 9 + 2 * ox + j]);
                    assertEquals(m, out[(p * 3 + oy) * 4 + ox]);
                }
            }
        }
    }

    @Test
    void float32TwoByTwoPoolIndicesKeepTheFirstOfTiesAndTheLastNaN() {
        Tensor x = Tensor.of(new float[][][][]{{{{1, 5, Float.NaN, 0}, {5, 2, 3, Float.NaN}}}});
        var r = Pooling.maxPool2dWithIndices(x, new int[]{2}, null, new int[]{0}, new int[]{1}, false);
        // Window 1: 5 at flat positions 1 and 4, the first wins. Window 2: NaN at 2 and 7, the last wins (as PyTorch).
        assertArrayEquals(new long[]{1, 7}, r.indices().toLongArray());
        assertEquals(5f, r.values().toFloatArray()[0]);
        assertTrue(Float.isNaN(r.values().toFloatArray()[1]));
    }
}
