package dev.ember.engine.nn;

import dev.ember.engine.DType;
import dev.ember.engine.Generator;
import dev.ember.engine.Tensor;
import dev.ember.engine.autograd.GradCheck;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConvolutionTest {

    /** 0, 1, ..., n-1 as float32 in the given shape (torch.arange(n).float().reshape(shape)). */
    private static Tensor arange(int... shape) {
        int n = 1;
        for (int s : shape) n *= s;
        return Tensor.arange(0, n, 1, DType.FLOAT32).reshape(shape);
    }

    /** torch.arange(n).reshape(shape) % m, as float32. */
    private static Tensor modulo(int m, int... shape) {
        int n = 1;
        for (int s : shape) n *= s;
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = i % m;
        return Tensor.tensor(v).reshape(shape);
    }

    private static Tensor randn64(long seed, int... shape) {
        return Tensor.randn(shape, DType.FLOAT64, new Generator(seed)).requiresGrad_();
    }

    private static void assertClose(float[] expected, Tensor actual, double tol) {
        float[] a = actual.toFloatArray();
        assertEquals(expected.length, a.length, "element count");
        for (int i = 0; i < a.length; i++) assertEquals(expected[i], a[i], tol, "element " + i);
    }

    // ---------------------------------------------------------------- forward values (from PyTorch 1.13)

    @Test void conv2dGroupsStridePaddingBiasMatchesPyTorch() {
        // x = arange(100).reshape(1,4,5,5)/100; w = arange(108).reshape(6,2,3,3)/50 - 1; b = arange(6)/10
        // F.conv2d(x, w, b, stride=2, padding=1, groups=2)
        Tensor x = arange(1, 4, 5, 5).div(100), w = arange(6, 2, 3, 3).div(50).sub(1), b = arange(6).div(10);
        Tensor y = F.conv2d(x, w, b, new int[]{2}, new int[]{1}, new int[]{1}, 2);
        assertArrayEquals(new int[]{1, 6, 3, 3}, y.shape());
        assertClose(new float[]{-0.8832f, -1.4864f, -1.1024f, -2.1036f, -3.4194f, -2.4612f, -1.9776f, -3.1568f, -2.2352f, -0.3368f, -0.652f, -0.4696f,
                -1.01f, -1.7318f, -1.238f, -0.9992f, -1.6744f, -1.1704f, 0.2096f, 0.1824f, 0.1632f, 0.0836f, -0.0442001f, -0.0148f, -0.0208f, -0.192f,
                -0.1056f, 1.916f, 2.6968f, 1.876f, 2.7372f, 3.8934f, 2.6484f, 1.8776f, 2.6104f, 1.7992f, 3.9024f, 5.6912f, 3.9488f, 5.9908f, 8.821f,
                6.0316f, 4.296f, 6.2528f, 4.304f, 5.8888f, 8.6856f, 6.0216f, 9.2444f, 13.7486f, 9.4148f, 6.7144f, 9.8952f, 6.8088f}, y, 1e-4);
    }

    @Test void conv2dDilationAsymmetricStridePaddingMatchesPyTorch() {
        // x = arange(84).reshape(1,2,6,7)/10; w = arange(36).reshape(3,2,2,3) % 5 - 2
        // F.conv2d(x, w, None, stride=(1,2), padding=(1,2), dilation=2)
        Tensor x = arange(1, 2, 6, 7).div(10), w = modulo(5, 3, 2, 2, 3).sub(2);
        Tensor y = F.conv2d(x, w, null, new int[]{1, 2}, new int[]{1, 2}, new int[]{2}, 1);
        assertArrayEquals(new int[]{1, 3, 6, 4}, y.shape());
        assertClose(new float[]{-15.3f, -5.4f, -5.4f, 3.3f, -13f, -5.2f, -5.8f, -0.6f, -15.1f, -7.3f, -7.9f, -1.3f, -17.2f, -9.4f, -10f, -2f, -19.3f,
                -11.5f, -12.1f, -2.7f, 4.4f, -8.2f, -8.8f, -17.2f, 4.4f, -1.9f, -2.5f, -8.8f, 4.4f, 0.800001f, 0.999999f, 3.2f, 6.5f, 1.5f, 1.7f, 3.2f,
                8.6f, 2.2f, 2.4f, 3.2f, 10.7f, 2.9f, 3.1f, 3.2f, 8.4f, 16f, 16.8f, 26f, 2.1f, 7.6f, 8.4f, 17.6f, -0.200001f, -3.2f, -3.2f, 6f, -0.9f,
                -3.2f, -3.2f, 6.7f, -1.6f, -3.2f, -3.2f, 7.4f, -2.3f, -3.2f, -3.2f, 8.1f, -15.6f, -24.8f, -25.6f, -22.8f}, y, 1e-4);
    }

    @Test void conv1dStridePaddingBiasMatchesPyTorch() {
        // x = arange(42).reshape(2,3,7)/10; w = arange(36).reshape(4,3,3) % 7 - 3; b = [0.5, -0.5, 1, 0]
        // F.conv1d(x, w, b, stride=2, padding=1)
        Tensor x = arange(2, 3, 7).div(10), w = modulo(7, 4, 3, 3).sub(3);
        Tensor y = F.conv1d(x, w, Tensor.tensor(0.5f, -0.5f, 1f, 0f), 2, 1, 1, 1);
        assertArrayEquals(new int[]{2, 4, 4}, y.shape());
        assertClose(new float[]{-4.5f, -1.3f, -2.3f, -1.2f, -2.1f, -3.6f, -3.8f, -0.5f, 3.5f, 2.2f, 2.8f, -1.5f, 0.3f, 2f, 2f, 8.3f, -15f, -11.8f,
                -12.8f, -9.6f, -2.1f, -5.7f, -5.9f, 1.6f, 14f, 8.5f, 9.1f, -3.6f, -8.1f, 2f, 2f, 16.7f}, y, 1e-4);
    }

    @Test void unbatchedInputMatchesBatched() {
        Tensor x = Tensor.randn(3, 6, 6), w = Tensor.randn(4, 3, 3, 3), b = Tensor.randn(4);
        Tensor y = F.conv2d(x, w, b, new int[]{1}, new int[]{1}, new int[]{1}, 1);
        assertArrayEquals(new int[]{4, 6, 6}, y.shape());
        assertTrue(y.allclose(F.conv2d(x.unsqueeze(0), w, b, new int[]{1}, new int[]{1}, new int[]{1}, 1).squeeze(0)));
        Tensor x1 = Tensor.randn(3, 9), w1 = Tensor.randn(2, 3, 4);
        Tensor y1 = F.conv1d(x1, w1, null, 1, 0, 1, 1);
        assertArrayEquals(new int[]{2, 6}, y1.shape());
        assertTrue(y1.allclose(F.conv1d(x1.unsqueeze(0), w1, null, 1, 0, 1, 1).squeeze(0)));
    }

    @Test void shortOverloadIsStrideOneNoPadding() {
        Tensor x = Tensor.randn(2, 2, 5, 5), w = Tensor.randn(3, 2, 2, 2);
        Tensor y = F.conv2d(x, w, null);
        assertArrayEquals(new int[]{2, 3, 4, 4}, y.shape());
        // Hand check of one output: the 2x2x2 patch at (0, 0) of sample 0 dotted with filter 0.
        double expected = x.get(0).slice(1, 0, 2).slice(2, 0, 2).mul(w.get(0)).sum().item();
        assertEquals(expected, y.get(0).get(0).get(0).get(0).item(), 1e-5);
    }

    // ---------------------------------------------------------------- gradients

    @Test void gradcheckConv2dGroupsStridePadding() {
        Tensor x = randn64(1, 2, 4, 5, 5), w = randn64(2, 6, 2, 3, 3), b = randn64(3, 6);
        GradCheck.check(t -> F.conv2d(t[0], t[1], t[2], new int[]{2}, new int[]{1}, new int[]{1}, 2), x, w, b);
    }

    @Test void gradcheckConv2dDilationAsymmetric() {
        Tensor x = randn64(4, 1, 2, 6, 7), w = randn64(5, 3, 2, 2, 3);
        GradCheck.check(t -> F.conv2d(t[0], t[1], null, new int[]{1, 2}, new int[]{2, 1}, new int[]{2, 1}, 1), x, w);
    }

    @Test void gradcheckConv2dPointwiseGroupsAndUnbatched() {
        Tensor x = randn64(6, 4, 3, 3), w = randn64(7, 6, 2, 1, 1), b = randn64(8, 6);
        GradCheck.check(t -> F.conv2d(t[0], t[1], t[2], new int[]{1}, new int[]{0}, new int[]{1}, 2), x, w, b);
    }

    @Test void gradcheckConv1dStrideDilationGroups() {
        Tensor x = randn64(9, 2, 4, 9), w = randn64(10, 2, 2, 3), b = randn64(11, 2);
        GradCheck.check(t -> F.conv1d(t[0], t[1], t[2], 2, 2, 2, 2), x, w, b);
    }

    @Test void gradcheckConv2dModuleInFloat64() {
        Conv2d conv = new Conv2d(2, 3, new int[]{2, 3}, new int[]{2, 1}, new int[]{1, 0}, new int[]{1}, 1, true);
        conv.to(DType.FLOAT64);
        Tensor x = randn64(12, 2, 2, 5, 4);
        GradCheck.check(t -> conv.forward(t[0]), x);
        conv.forward(x).sum().backward();
        assertNotNull(conv.weight.grad());
        assertNotNull(conv.bias.grad());
    }

    /** The float32 lane (GEMM in float) must agree with the float64 lane that gradcheck verified. */
    @Test void float32GradientsAgreeWithFloat64() {
        Tensor x = Tensor.randn(3, 4, 7, 6), w = Tensor.randn(6, 2, 3, 3), b = Tensor.randn(6);
        Tensor[] f32 = {x.clone().requiresGrad_(), w.clone().requiresGrad_(), b.clone().requiresGrad_()};
        Tensor[] f64 = {x.toDouble().requiresGrad_(), w.toDouble().requiresGrad_(), b.toDouble().requiresGrad_()};
        Tensor weights = Tensor.randn(3, 6, 4, 2);
        F.conv2d(f32[0], f32[1], f32[2], new int[]{2, 1}, new int[]{1, 0}, new int[]{1, 2}, 2).mul(weights).sum().backward();
        F.conv2d(f64[0], f64[1], f64[2], new int[]{2, 1}, new int[]{1, 0}, new int[]{1, 2}, 2).mul(weights.toDouble()).sum().backward();
        for (int i = 0; i < 3; i++) assertTrue(f32[i].grad().allclose(f64[i].grad(), 1e-4, 1e-4), "gradient of input " + i);
    }

    @Test void noGradientWorkForInputsThatDoNotNeedIt() {
        Tensor x = Tensor.randn(1, 1, 4, 4), w = Tensor.randn(2, 1, 3, 3).requiresGrad_();
        Tensor y = F.conv2d(x, w, null);
        assertEquals("ConvolutionBackward0", y.gradFn().name());
        y.sum().backward();
        assertNull(x.grad());
        // d(sum y)/dw[o, 0, i, j] is the sum of the input window that w[i, j] touches.
        assertEquals(x.slice(2, 0, 2).slice(3, 0, 2).sum().item(), w.grad().get(1).get(0).get(0).get(0).item(), 1e-5);
    }

    // ---------------------------------------------------------------- module

    @Test void conv2dModuleShapesInitAndRepr() {
        Conv2d conv = new Conv2d(1, 32, 3, 1, 1);
        assertArrayEquals(new int[]{32, 1, 3, 3}, conv.weight.shape());
        assertArrayEquals(new int[]{32}, conv.bias.shape());
        assertEquals(java.util.List.of("weight", "bias"), new java.util.ArrayList<>(conv.namedParameters().keySet()));
        // kaiming_uniform(a=sqrt(5)) on fan_in 9 gives bound sqrt(2/6) * sqrt(3/9) = 1/3; the bias bound is 1/sqrt(9) too.
        double wmax = conv.weight.abs().max().item(), bmax = conv.bias.abs().max().item();
        assertTrue(wmax <= 1 / 3.0 && wmax > 0.25, "weight bound " + wmax);
        assertTrue(bmax <= 1 / 3.0, "bias bound " + bmax);
        // Strings printed by PyTorch 1.13.
        assertEquals("Conv2d(1, 32, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))", conv.toString());
        assertEquals("Conv2d(4, 4, kernel_size=(3, 5), stride=(2, 2), dilation=(2, 2), groups=2, bias=False)",
                new Conv2d(4, 4, new int[]{3, 5}, new int[]{2}, new int[]{0}, new int[]{2}, 2, false).toString());
        assertEquals("Conv1d(2, 4, kernel_size=(3,), stride=(1,))", new Conv1d(2, 4, 3).toString());
        assertArrayEquals(new int[]{8, 32, 28, 28}, conv.forward(Tensor.randn(8, 1, 28, 28)).shape());
    }

    @Test void conv1dModuleShapes() {
        Conv1d conv = new Conv1d(4, 6, 3, 1, 1, 1, 2, false);
        assertArrayEquals(new int[]{6, 2, 3}, conv.weight.shape());
        assertNull(conv.bias);
        assertArrayEquals(new int[]{5, 6, 10}, conv.forward(Tensor.randn(5, 4, 10)).shape());
    }

    // ---------------------------------------------------------------- errors (PyTorch's messages)

    @Test void wrongChannelCountNamesShapes() {
        Conv2d conv = new Conv2d(1, 16, 3);
        var e = assertThrows(IllegalArgumentException.class, () -> conv.forward(Tensor.zeros(8, 3, 28, 28)));
        assertEquals("Given groups=1, weight of size [16, 1, 3, 3], expected input[8, 3, 28, 28] to have 1 channels, but got 3 channels instead", e.getMessage());
    }

    @Test void kernelLargerThanPaddedInput() {
        var e = assertThrows(IllegalArgumentException.class, () -> F.conv2d(Tensor.zeros(8, 3, 2, 2), Tensor.zeros(16, 3, 3, 3), null));
        assertEquals("Calculated padded input size per channel: (2 x 2). Kernel size: (3 x 3). Kernel size can't be greater than actual input size", e.getMessage());
        var e1 = assertThrows(IllegalArgumentException.class, () -> F.conv1d(Tensor.zeros(8, 3, 2), Tensor.zeros(16, 3, 3), null, 1, 0, 1, 1));
        assertEquals("Calculated padded input size per channel: (2). Kernel size: (3). Kernel size can't be greater than actual input size", e1.getMessage());
    }

    @Test void channelsNotDivisibleByGroups() {
        assertEquals("in_channels must be divisible by groups, got in_channels=3, groups=2",
                assertThrows(IllegalArgumentException.class, () -> new Conv2d(3, 4, 3, 1, 0, 1, 2, true)).getMessage());
        assertEquals("out_channels must be divisible by groups, got out_channels=3, groups=2",
                assertThrows(IllegalArgumentException.class, () -> new Conv1d(4, 3, 3, 1, 0, 1, 2, true)).getMessage());
        assertEquals("Given groups=2, expected weight to be divisible by 2 at dimension 0, but got weight of size [3, 2, 3, 3] instead",
                assertThrows(IllegalArgumentException.class, () -> F.conv2d(Tensor.zeros(8, 4, 5, 5), Tensor.zeros(3, 2, 3, 3), null, new int[]{1}, new int[]{0}, new int[]{1}, 2)).getMessage());
    }

    @Test void badInputRankBiasAndArguments() {
        assertEquals("Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: [2, 3]",
                assertThrows(IllegalArgumentException.class, () -> F.conv2d(Tensor.zeros(2, 3), Tensor.zeros(4, 4, 3, 3), null)).getMessage());
        assertEquals("Given weight of size [4, 4, 3, 3], expected bias to be 1-dimensional with 4 elements, but got bias of size [3] instead",
                assertThrows(IllegalArgumentException.class, () -> F.conv2d(Tensor.zeros(8, 4, 5, 5), Tensor.zeros(4, 4, 3, 3), Tensor.zeros(3))).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> F.conv2d(Tensor.zeros(1, 4, 5, 5), Tensor.zeros(4, 4, 3, 3), null, new int[]{0}, new int[]{0}, new int[]{1}, 1))
                .getMessage().startsWith("non-positive stride is not supported"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> F.conv2d(Tensor.zeros(1, 4, 5, 5), Tensor.zeros(4, 4, 3, 3), null, new int[]{1}, new int[]{-1}, new int[]{1}, 1))
                .getMessage().startsWith("negative padding is not supported"));
        assertEquals("Expected 4-dimensional input for 4-dimensional weight [4, 4, 3, 3], but got 3-dimensional input of size [1, 4, 5] instead",
                assertThrows(IllegalArgumentException.class, () -> F.conv1d(Tensor.zeros(1, 4, 5), Tensor.zeros(4, 4, 3, 3), null, 1, 0, 1, 1)).getMessage());
    }
}
