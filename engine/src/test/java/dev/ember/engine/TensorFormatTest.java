package dev.ember.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * Tensor printing against PyTorch 1.13: every expected string below was produced by {@code repr(...)} of the
 * equivalent tensor in real PyTorch (CPU), not by Ember.
 */
class TensorFormatTest {
    private static void check(String expected, Tensor t) {
        assertEquals(expected, t.toString());
    }

    @Test void ints1d() {
        check("tensor([1., 2., 3.])",
                Tensor.tensor(1f, 2f, 3f));
    }

    @Test void matrix() {
        check("tensor([[1.5000, 2.0000],\n"
                + "        [3.0000, 4.0000]])",
                Tensor.of(new float[][]{{1.5f, 2}, {3, 4}}));
    }

    @Test void decimals() {
        check("tensor([0.1000, 0.2000, 0.3000])",
                Tensor.tensor(0.1f, 0.2f, 0.3f));
    }

    @Test void sciSmall() {
        check("tensor([1.0000e-05, 1.0000e+00])",
                Tensor.tensor(1e-5f, 1f));
    }

    @Test void sciIntWide() {
        check("tensor([1.0000e+00, 1.0000e+09])",
                Tensor.tensor(1f, 1e9f));
    }

    @Test void sciIntRatio() {
        check("tensor([1.0000e+00, 1.0000e+04])",
                Tensor.tensor(1f, 10000f));
    }

    @Test void sciMixed() {
        check("tensor([ 1.0000e-10,  1.0000e+10, -5.5000e+00,  0.0000e+00])",
                Tensor.tensor(1e-10f, 1e10f, -5.5f, 0f));
    }

    @Test void nonFinite() {
        check("tensor([   nan,    inf,   -inf, 1.5000])",
                Tensor.tensor(Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 1.5f));
    }

    @Test void nonFiniteInt() {
        check("tensor([nan, 1., 2.])",
                Tensor.tensor(Float.NaN, 1f, 2f));
    }

    @Test void onlyNan() {
        check("tensor([nan, nan])",
                Tensor.tensor(Float.NaN, Float.NaN));
    }

    @Test void zeros() {
        check("tensor([0., 0.])",
                Tensor.zeros(2));
    }

    @Test void negZero() {
        check("tensor([-0., 1.])",
                Tensor.tensor(-0f, 1f));
    }

    @Test void negatives() {
        check("tensor([-1.5000,  2.2500, -3.1250])",
                Tensor.tensor(-1.5f, 2.25f, -3.125f));
    }

    @Test void tieHalfEven() {
        check("tensor([0.0312, 1.0000])",
                Tensor.tensor(0.03125f, 1f));
    }

    @Test void padded() {
        check("tensor([123.4560,   1.5000])",
                Tensor.tensor(123.456f, 1.5f));
    }

    @Test void int64() {
        check("tensor([1, 2, 3])",
                Tensor.tensor(1L, 2L, 3L));
    }

    @Test void intWidths() {
        check("tensor([-100,    5,   20])",
                Tensor.tensor(-100L, 5L, 20L));
    }

    @Test void int32() {
        check("tensor([1, 2, 3], dtype=torch.int32)",
                Tensor.tensor(1, 2, 3));
    }

    @Test void uint8() {
        check("tensor([  0, 255], dtype=torch.uint8)",
                Tensor.of(new byte[]{0, (byte) 255}));
    }

    @Test void bool() {
        check("tensor([ True, False])",
                Tensor.tensor(true, false));
    }

    @Test void boolAllTrue() {
        check("tensor([True, True])",
                Tensor.tensor(true, true));
    }

    @Test void bool2d() {
        check("tensor([[ True, False],\n"
                + "        [False,  True]])",
                Tensor.of(new boolean[][]{{true, false}, {false, true}}));
    }

    @Test void scalar() {
        check("tensor(3.5000)",
                Tensor.scalar(3.5));
    }

    @Test void scalarInt() {
        check("tensor(7)",
                Tensor.scalar(7, DType.INT64));
    }

    @Test void scalarWhole() {
        check("tensor(2.)",
                Tensor.scalar(2));
    }

    @Test void scalarF64() {
        check("tensor(-0.2500, dtype=torch.float64)",
                Tensor.scalar(-0.25, DType.FLOAT64));
    }

    @Test void empty() {
        check("tensor([])",
                Tensor.tensor(new float[0]));
    }

    @Test void emptyLong() {
        check("tensor([], dtype=torch.int64)",
                Tensor.tensor(new long[0]));
    }

    @Test void emptyBool() {
        check("tensor([], dtype=torch.bool)",
                Tensor.tensor(new boolean[0]));
    }

    @Test void empty0x3() {
        check("tensor([], size=(0, 3))",
                Tensor.zeros(0, 3));
    }

    @Test void empty2x0x3Int() {
        check("tensor([], size=(2, 0, 3), dtype=torch.int32)",
                Tensor.zeros(new int[]{2, 0, 3}, DType.INT32));
    }

    @Test void float64() {
        check("tensor([1.5000, 2.5000], dtype=torch.float64)",
                Tensor.of(new double[]{1.5, 2.5}, DType.FLOAT64));
    }

    @Test void requiresGrad() {
        check("tensor([1., 2.], requires_grad=True)",
                Tensor.tensor(1f, 2f).requiresGrad_());
    }

    @Test void float64Grad() {
        check("tensor([1.5000, 2.0000], dtype=torch.float64, requires_grad=True)",
                Tensor.of(new double[]{1.5, 2}, DType.FLOAT64).requiresGrad_());
    }

    @Test void mulBackward() {
        check("tensor([2., 4.], grad_fn=<MulBackward0>)",
                Tensor.tensor(1f, 2f).requiresGrad_().mul(2));
    }

    @Test void addBackward() {
        check("tensor([2., 3.], grad_fn=<AddBackward0>)",
                Tensor.tensor(1f, 2f).requiresGrad_().add(1));
    }

    @Test void sumBackward() {
        check("tensor(3., grad_fn=<SumBackward0>)",
                Tensor.tensor(1f, 2f).requiresGrad_().sum());
    }

    @Test void cube() {
        check("tensor([[[ 0,  1,  2,  3],\n"
                + "         [ 4,  5,  6,  7],\n"
                + "         [ 8,  9, 10, 11]],\n"
                + "\n"
                + "        [[12, 13, 14, 15],\n"
                + "         [16, 17, 18, 19],\n"
                + "         [20, 21, 22, 23]]])",
                Tensor.arange(24).reshape(2, 3, 4));
    }

    @Test void cubeFloat() {
        check("tensor([[[0.0000, 0.1000, 0.2000, 0.3000],\n"
                + "         [0.4000, 0.5000, 0.6000, 0.7000],\n"
                + "         [0.8000, 0.9000, 1.0000, 1.1000]],\n"
                + "\n"
                + "        [[1.2000, 1.3000, 1.4000, 1.5000],\n"
                + "         [1.6000, 1.7000, 1.8000, 1.9000],\n"
                + "         [2.0000, 2.1000, 2.2000, 2.3000]]])",
                Tensor.arange(0, 24, 1, DType.FLOAT32).div(10).reshape(2, 3, 4));
    }

    @Test void fourD() {
        check("tensor([[[[ 0,  1],\n"
                + "          [ 2,  3]],\n"
                + "\n"
                + "         [[ 4,  5],\n"
                + "          [ 6,  7]]],\n"
                + "\n"
                + "\n"
                + "        [[[ 8,  9],\n"
                + "          [10, 11]],\n"
                + "\n"
                + "         [[12, 13],\n"
                + "          [14, 15]]]])",
                Tensor.arange(16).reshape(2, 2, 2, 2));
    }

    @Test void wrapInts() {
        check("tensor([ 0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14, 15, 16, 17,\n"
                + "        18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35,\n"
                + "        36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53,\n"
                + "        54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 71,\n"
                + "        72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89,\n"
                + "        90, 91, 92, 93, 94, 95, 96, 97, 98, 99])",
                Tensor.arange(100));
    }

    @Test void wrapFloats() {
        check("tensor([0.0000, 0.0345, 0.0690, 0.1034, 0.1379, 0.1724, 0.2069, 0.2414, 0.2759,\n"
                + "        0.3103, 0.3448, 0.3793, 0.4138, 0.4483, 0.4828, 0.5172, 0.5517, 0.5862,\n"
                + "        0.6207, 0.6552, 0.6897, 0.7241, 0.7586, 0.7931, 0.8276, 0.8621, 0.8966,\n"
                + "        0.9310, 0.9655, 1.0000])",
                Tensor.linspace(0, 1, 30));
    }

    @Test void wrapRows() {
        check("tensor([[0.0000, 0.1429, 0.2857, 0.4286, 0.5714, 0.7143, 0.8571, 1.0000, 1.1429,\n"
                + "         1.2857, 1.4286, 1.5714, 1.7143, 1.8571, 2.0000, 2.1429, 2.2857, 2.4286,\n"
                + "         2.5714, 2.7143, 2.8571, 3.0000, 3.1429, 3.2857, 3.4286, 3.5714, 3.7143,\n"
                + "         3.8571, 4.0000, 4.1429],\n"
                + "        [4.2857, 4.4286, 4.5714, 4.7143, 4.8571, 5.0000, 5.1429, 5.2857, 5.4286,\n"
                + "         5.5714, 5.7143, 5.8571, 6.0000, 6.1429, 6.2857, 6.4286, 6.5714, 6.7143,\n"
                + "         6.8571, 7.0000, 7.1429, 7.2857, 7.4286, 7.5714, 7.7143, 7.8571, 8.0000,\n"
                + "         8.1429, 8.2857, 8.4286]])",
                Tensor.arange(0, 60, 1, DType.FLOAT32).reshape(2, 30).div(7));
    }

    @Test void summary1d() {
        check("tensor([   0,    1,    2,  ..., 1997, 1998, 1999])",
                Tensor.arange(2000));
    }

    @Test void summary2d() {
        check("tensor([[0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 4.7000e+01, 4.8000e+01,\n"
                + "         4.9000e+01],\n"
                + "        [5.0000e+01, 5.1000e+01, 5.2000e+01,  ..., 9.7000e+01, 9.8000e+01,\n"
                + "         9.9000e+01],\n"
                + "        [1.0000e+02, 1.0100e+02, 1.0200e+02,  ..., 1.4700e+02, 1.4800e+02,\n"
                + "         1.4900e+02],\n"
                + "        ...,\n"
                + "        [1.8500e+03, 1.8510e+03, 1.8520e+03,  ..., 1.8970e+03, 1.8980e+03,\n"
                + "         1.8990e+03],\n"
                + "        [1.9000e+03, 1.9010e+03, 1.9020e+03,  ..., 1.9470e+03, 1.9480e+03,\n"
                + "         1.9490e+03],\n"
                + "        [1.9500e+03, 1.9510e+03, 1.9520e+03,  ..., 1.9970e+03, 1.9980e+03,\n"
                + "         1.9990e+03]])",
                Tensor.arange(0, 2000, 1, DType.FLOAT32).reshape(40, 50));
    }

    @Test void summary3d() {
        check("tensor([[[   0,    1,    2,  ...,   27,   28,   29],\n"
                + "         [  30,   31,   32,  ...,   57,   58,   59],\n"
                + "         [  60,   61,   62,  ...,   87,   88,   89],\n"
                + "         ...,\n"
                + "         [ 210,  211,  212,  ...,  237,  238,  239],\n"
                + "         [ 240,  241,  242,  ...,  267,  268,  269],\n"
                + "         [ 270,  271,  272,  ...,  297,  298,  299]],\n"
                + "\n"
                + "        [[ 300,  301,  302,  ...,  327,  328,  329],\n"
                + "         [ 330,  331,  332,  ...,  357,  358,  359],\n"
                + "         [ 360,  361,  362,  ...,  387,  388,  389],\n"
                + "         ...,\n"
                + "         [ 510,  511,  512,  ...,  537,  538,  539],\n"
                + "         [ 540,  541,  542,  ...,  567,  568,  569],\n"
                + "         [ 570,  571,  572,  ...,  597,  598,  599]],\n"
                + "\n"
                + "        [[ 600,  601,  602,  ...,  627,  628,  629],\n"
                + "         [ 630,  631,  632,  ...,  657,  658,  659],\n"
                + "         [ 660,  661,  662,  ...,  687,  688,  689],\n"
                + "         ...,\n"
                + "         [ 810,  811,  812,  ...,  837,  838,  839],\n"
                + "         [ 840,  841,  842,  ...,  867,  868,  869],\n"
                + "         [ 870,  871,  872,  ...,  897,  898,  899]],\n"
                + "\n"
                + "        ...,\n"
                + "\n"
                + "        [[2100, 2101, 2102,  ..., 2127, 2128, 2129],\n"
                + "         [2130, 2131, 2132,  ..., 2157, 2158, 2159],\n"
                + "         [2160, 2161, 2162,  ..., 2187, 2188, 2189],\n"
                + "         ...,\n"
                + "         [2310, 2311, 2312,  ..., 2337, 2338, 2339],\n"
                + "         [2340, 2341, 2342,  ..., 2367, 2368, 2369],\n"
                + "         [2370, 2371, 2372,  ..., 2397, 2398, 2399]],\n"
                + "\n"
                + "        [[2400, 2401, 2402,  ..., 2427, 2428, 2429],\n"
                + "         [2430, 2431, 2432,  ..., 2457, 2458, 2459],\n"
                + "         [2460, 2461, 2462,  ..., 2487, 2488, 2489],\n"
                + "         ...,\n"
                + "         [2610, 2611, 2612,  ..., 2637, 2638, 2639],\n"
                + "         [2640, 2641, 2642,  ..., 2667, 2668, 2669],\n"
                + "         [2670, 2671, 2672,  ..., 2697, 2698, 2699]],\n"
                + "\n"
                + "        [[2700, 2701, 2702,  ..., 2727, 2728, 2729],\n"
                + "         [2730, 2731, 2732,  ..., 2757, 2758, 2759],\n"
                + "         [2760, 2761, 2762,  ..., 2787, 2788, 2789],\n"
                + "         ...,\n"
                + "         [2910, 2911, 2912,  ..., 2937, 2938, 2939],\n"
                + "         [2940, 2941, 2942,  ..., 2967, 2968, 2969],\n"
                + "         [2970, 2971, 2972,  ..., 2997, 2998, 2999]]])",
                Tensor.arange(3000).reshape(10, 10, 30));
    }

    @Test void summaryFew() {
        check("tensor([[0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 3.9700e+02, 3.9800e+02,\n"
                + "         3.9900e+02],\n"
                + "        [4.0000e+02, 4.0100e+02, 4.0200e+02,  ..., 7.9700e+02, 7.9800e+02,\n"
                + "         7.9900e+02],\n"
                + "        [8.0000e+02, 8.0100e+02, 8.0200e+02,  ..., 1.1970e+03, 1.1980e+03,\n"
                + "         1.1990e+03]])",
                Tensor.arange(0, 1200, 1, DType.FLOAT32).reshape(3, 400));
    }

    @Test void transposed() {
        check("tensor([[1., 4.],\n"
                + "        [2., 5.],\n"
                + "        [3., 6.]])",
                Tensor.of(new float[][]{{1, 2, 3}, {4, 5, 6}}).t());
    }

    @Test void wrapSuffix() {
        check("tensor([0.0000, 0.0909, 0.1818, 0.2727, 0.3636, 0.4545, 0.5455, 0.6364, 0.7273,\n"
                + "        0.8182, 0.9091, 1.0000], requires_grad=True)",
                Tensor.linspace(0, 1, 12).requiresGrad_());
    }

    @Test void wrapSuffix2() {
        check("tensor([0.0000, 0.3000, 0.6000, 0.9000, 1.2000, 1.5000, 1.8000, 2.1000, 2.4000,\n"
                + "        2.7000, 3.0000], grad_fn=<MulBackward0>)",
                Tensor.linspace(0, 1, 11).requiresGrad_().mul(3));
    }

    @Test void matrixGrad() {
        check("tensor([[1., 2.],\n"
                + "        [4., 8.]], grad_fn=<MulBackward0>)",
                Tensor.of(new float[][]{{0.5f, 1}, {2, 4}}).requiresGrad_().mul(2));
    }

    @Test void bigFixed() {
        check("tensor([12345.6777, 99999.5000])",
                Tensor.tensor(12345.678f, 99999.5f));
    }

    @Test void sciRoundUp() {
        check("tensor([1.0000e-04, 1.0000e+00])",
                Tensor.tensor(9.99996e-5f, 1f));
    }

    @Test void suffixNewline() {
        check("tensor([0.0000, 0.1250, 0.2500, 0.3750, 0.5000, 0.6250, 0.7500, 0.8750, 1.0000],\n"
                + "       requires_grad=True)",
                Tensor.linspace(0, 1, 9).requiresGrad_());
    }

    @Test void suffixNewline2() {
        check("tensor([0.0000, 0.1250, 0.2500, 0.3750, 0.5000, 0.6250, 0.7500, 0.8750, 1.0000],\n"
                + "       dtype=torch.float64, requires_grad=True)",
                Tensor.linspace(0, 1, 9).toDouble().requiresGrad_());
    }

    @Test void sciColumn() {
        check("tensor([[ 1.0000e-05],\n"
                + "        [-2.5000e+03],\n"
                + "        [ 3.0000e+00]])",
                Tensor.of(new float[][]{{1e-5f}, {-2.5e3f}, {3}}));
    }

    @Test void longSummaryWrap() {
        check("tensor([   0.0000,    1.5000,    3.0000,  ..., 1497.0000, 1498.5000,\n"
                + "        1500.0000])",
                Tensor.arange(0, 1001, 1, DType.FLOAT32).mul(1.5));
    }
}
