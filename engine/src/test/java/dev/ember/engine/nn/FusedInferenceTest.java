package dev.ember.engine.nn;

import dev.ember.engine.DType;
import dev.ember.engine.Generator;
import dev.ember.engine.Tensor;
import dev.ember.engine.autograd.GradMode;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The fused inference kernels (addmm's bias in the GEMM output, softmax a block of rows at a time, ReLU in place
 * after a Linear) against hand-worked values and, bit for bit, against the composed ops they replace.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FusedInferenceTest {

    @Test void addmmAddsTheBiasToEachRowOfTheProduct() {
        Tensor bias = Tensor.of(new float[]{10, 20}), a = Tensor.of(new float[][]{{1, 2}, {3, 4}}), b = Tensor.of(new float[][]{{5, 6}, {7, 8}});
        // [[1*5 + 2*7, 1*6 + 2*8], [3*5 + 4*7, 3*6 + 4*8]] = [[19, 22], [43, 50]], plus [10, 20] on each row.
        assertArrayEquals(new float[]{29, 42, 53, 70}, bias.addmm(a, b).toFloatArray());
        Tensor full = Tensor.of(new float[][]{{1, 1}, {2, 2}});
        assertArrayEquals(new float[]{20, 23, 45, 52}, full.addmm(a, b).toFloatArray());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tensor.of(new float[]{1, 2, 3}).addmm(a, b));
        assertEquals("addmm: input of shape [3] does not broadcast to the product's [2, 2]", e.getMessage());
    }

    @Test void addmmGivesTheFloatsOfMmThenAdd() {
        Generator g = new Generator(7);
        // Narrow (the kernel's transposed path), wide, and an inner size past one k block (the unfused fallback).
        int[][] sizes = {{300, 64, 10}, {129, 64, 80}, {37, 500, 24}};
        for (int[] s : sizes) {
            Tensor x = Tensor.randn(new int[]{s[0], s[1]}, DType.FLOAT32, g), w = Tensor.randn(new int[]{s[2], s[1]}, DType.FLOAT32, g);
            float[] b = Tensor.randn(new int[]{s[2]}, DType.FLOAT32, g).toFloatArray();
            b[0] = -0f;
            b[1] = 0f;
            Tensor bias = Tensor.of(b);
            assertBits(x.mm(w.t()).add(bias), bias.addmm(x, w.t()));
            assertBits(x.mm(w.t()).add(bias), F.linear(x, w, bias));
        }
        // A zero product plus a -0 bias is +0, as 0-filled output then add gives.
        Tensor zero = Tensor.zeros(3, 4), negZero = Tensor.of(new float[]{-0f, -0f});
        assertBits(zero.mm(Tensor.zeros(4, 2)).add(negZero), negZero.addmm(zero, Tensor.zeros(4, 2)));
    }

    @Test void softmaxOfHandWorkedRows() {
        float ln3 = (float) Math.log(3);
        Tensor x = Tensor.of(new float[][]{{0, ln3}, {1000, 1000}, {Float.NEGATIVE_INFINITY, 0}, {-1000, 0}});
        float[] p = F.softmax(x, 1).toFloatArray();
        // e^0 / (e^0 + 3) and 3 / 4; equal logits, where logsumexp = 1000 + log 2 is rounded to a float (ulp 6e-5 there);
        // exp(-inf) = 0; e^-1000 underflows.
        float half = (float) Math.exp(1000f - (1000f + (float) Math.log(2)));
        float[] expected = {0.25f, 0.75f, half, half, 0f, 1f, 0f, 1f};
        for (int i = 0; i < expected.length; i++) assertEquals(expected[i], p[i], 1e-6, "element " + i);
    }

    @Test void softmaxGivesTheFloatsOfTheComposedOps() {
        Generator g = new Generator(11);
        for (int len : new int[]{1, 10, 33, 1000, 3000}) {
            int rows = Math.max(3, 20_000 / len);
            float[] v = Tensor.randn(new int[]{rows, len}, DType.FLOAT32, g).mul(30.0).toFloatArray();
            // Rows with NaN, +inf, -inf everywhere, and huge values.
            v[0] = Float.NaN;
            v[len] = Float.POSITIVE_INFINITY;
            for (int i = 0; i < len; i++) v[2 * len + i] = Float.NEGATIVE_INFINITY;
            if (len > 1) v[len + 1] = 3e38f;
            Tensor x = Tensor.of(v).reshape(rows, len);
            Tensor composed = F.logSoftmax(x, 1).exp();
            assertBits(composed, F.softmax(x, 1));
            assertBits(composed, F.softmax(x, -1));
        }
        // A softmax over another dim, or of a strided tensor, composes the ops.
        Tensor x = Tensor.randn(new int[]{6, 5}, DType.FLOAT32, g);
        assertBits(F.logSoftmax(x, 0).exp(), F.softmax(x, 0));
        assertBits(F.logSoftmax(x.t(), 1).exp(), F.softmax(x.t(), 1));
    }

    @Test void recordedSoftmaxKeepsItsGraph() {
        Tensor x = Tensor.randn(4, 3).requiresGrad_();
        Tensor p = F.softmax(x, 1);
        assertNotNull(p.gradFn());
        p.select(1, 0).sum().backward();
        // d p0 / d x_j = p0 (delta_0j - p_j): each row's gradient sums to 0.
        float[] grad = x.grad().sum(1).toFloatArray();
        for (float s : grad) assertEquals(0f, s, 1e-6);
    }

    @Test void inferenceForwardOfAnMlpIsTheRecordedForwardBitForBit() {
        Generator g = new Generator(3);
        Sequential mlp;
        try (var seed = Generator.useAsDefault(g)) {
            mlp = new Sequential(new Linear(64, 64), new ReLU(), new Linear(64, 32), new ReLU(), new Linear(32, 10));
        }
        Tensor x = Tensor.randn(new int[]{257, 64}, DType.FLOAT32, g);
        float[] input = x.toFloatArray();
        Tensor recorded = mlp.forward(x);
        assertNotNull(recorded.gradFn());
        Tensor inference;
        try (var noGrad = GradMode.noGrad()) {
            inference = mlp.forward(x);
        }
        assertBits(recorded, inference);
        assertArrayEquals(input, x.toFloatArray(), "the input is not overwritten");
    }

    @Test void reluInPlaceWritesAFreshTensorOnce() {
        Tensor x = Tensor.of(new float[]{-1, 2, -0f, Float.NaN});
        int version = x.version();
        assertSame(x, F.relu(x, true));
        assertBits(Tensor.of(new float[]{-1, 2, -0f, Float.NaN}).relu(), x);
        assertEquals(version + 1, x.version());
        assertEquals("a leaf Variable that requires grad is being used in an in-place operation.",
                assertThrows(IllegalStateException.class, () -> F.relu(Tensor.randn(3).requiresGrad_(), true)).getMessage());
    }

    private static void assertBits(Tensor expected, Tensor actual) {
        assertArrayEquals(expected.shape(), actual.shape());
        float[] e = expected.toFloatArray(), a = actual.toFloatArray();
        for (int i = 0; i < e.length; i++) {
            if (Float.floatToIntBits(e[i]) != Float.floatToIntBits(a[i])) {
                throw new AssertionError("element " + i + ": expected " + e[i] + " (bits " + Integer.toHexString(Float.floatToRawIntBits(e[i]))
                        + ") but was " + a[i] + " (bits " + Integer.toHexString(Float.floatToRawIntBits(a[i])) + ")");
            }
        }
    }
}
