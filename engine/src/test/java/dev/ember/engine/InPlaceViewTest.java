package dev.ember.engine;

import dev.ember.engine.autograd.Backward;
import dev.ember.engine.autograd.GradCheck;
import dev.ember.engine.autograd.GradMode;
import org.junit.jupiter.api.Test;

import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Autograd through in-place ops on views (PyTorch's CopySlices). Gradients are checked against finite
 * differences and against the same function written out of place.
 */
class InPlaceViewTest {
    private static final DType F64 = DType.FLOAT64;

    private static Tensor rand(long seed, int... shape) {
        return Tensor.randn(shape, F64, new Generator(seed)).requiresGrad_();
    }

    /** Gradients of f's sum with respect to the inputs (fresh leaves each call). */
    private static Tensor[] grads(Function<Tensor[], Tensor> f, Tensor... inputs) {
        return Backward.grad(new Tensor[]{f.apply(inputs).sum()}, null, inputs, false, false, true);
    }

    private static void assertSameGrads(Function<Tensor[], Tensor> inPlace, Function<Tensor[], Tensor> outOfPlace, Tensor... inputs) {
        assertTrue(inPlace.apply(inputs).allclose(outOfPlace.apply(inputs), 1e-9, 1e-12), "forward values differ");
        Tensor[] a = grads(inPlace, inputs), b = grads(outOfPlace, inputs);
        for (int i = 0; i < a.length; i++) assertArrayEquals(b[i].toDoubleArray(), a[i].toDoubleArray(), 1e-9, "gradient of input " + i);
    }

    /** Row r of a [rows, cols] 0/1 mask, as float64 (a constant). */
    private static Tensor rowMask(int rows, int cols, int r) {
        Tensor m = Tensor.zeros(new int[]{rows, cols}, F64);
        m.select(0, r).fill_(1);
        return m;
    }

    @Test
    void briefExampleSelectMul() {
        Tensor x = Tensor.ones(3, 4).requiresGrad_();
        Tensor y = x.mul(2);
        y.select(0, 1).mul_(3);
        assertEquals("CopySlices", y.gradFn().name());
        y.sum().backward();
        // d/dx of 2x is 2, and 6 on row 1 (written as 3 * 2x).
        assertArrayEquals(new float[]{2, 2, 2, 2, 6, 6, 6, 6, 2, 2, 2, 2}, x.grad().toFloatArray());
        assertArrayEquals(new float[]{2, 2, 2, 2, 6, 6, 6, 6, 2, 2, 2, 2}, y.detach().toFloatArray());
    }

    @Test
    void narrowAddWithGradInputMatchesCat() {
        Function<Tensor[], Tensor> inPlace = in -> {
            Tensor y = in[0].mul(2);
            y.narrow(1, 0, 2).add_(in[1]);
            return y.pow(2);
        };
        Function<Tensor[], Tensor> outOfPlace = in -> {
            Tensor y = in[0].mul(2);
            return Tensor.cat(1, y.narrow(1, 0, 2).add(in[1]), y.narrow(1, 2, 2)).pow(2);
        };
        Tensor x = rand(1, 3, 4), z = rand(2, 3, 2);
        assertSameGrads(inPlace, outOfPlace, x, z);
        GradCheck.check(inPlace, x, z);
    }

    @Test
    void transposedViewMulMatchesMask() {
        // Column 2 of y (row 2 of y^T) is multiplied by w elementwise.
        Function<Tensor[], Tensor> inPlace = in -> {
            Tensor y = in[0].sin();   // sin saves its input, not y
            y.transpose(0, 1).select(0, 2).mul_(in[1]);
            return y.mul(y);
        };
        Function<Tensor[], Tensor> outOfPlace = in -> {
            Tensor y = in[0].sin();   // sin saves its input, not y
            Tensor col = rowMask(4, 3, 2).t();
            return Tensor.where(col.gt(0.5), y.mul(in[1].unsqueeze(1)), y).pow(2);
        };
        Tensor x = rand(3, 3, 4), w = rand(4, 3);
        assertSameGrads(inPlace, outOfPlace, x, w);
        GradCheck.check(inPlace, x, w);
    }

    @Test
    void stepSliceCopyFromGradInput() {
        Function<Tensor[], Tensor> f = in -> {
            Tensor y = in[0].sin();
            y.slice(1, 0, 4, 2).copy_(in[1]);
            return y.mul(in[0]);
        };
        Tensor x = rand(4, 2, 4), src = rand(5, 2, 2);
        GradCheck.check(f, x, src);
        // Overwritten elements no longer depend on the old y: x's gradient there is only from the final mul.
        Tensor[] g = grads(f, x, src);
        Tensor expected = x.detach().cos().mul(x.detach()).add(x.detach().sin());
        double[] gx = g[0].toDoubleArray(), ex = expected.toDoubleArray(), s = src.detach().toDoubleArray();
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 4; j++) {
                double want = j % 2 == 0 ? s[i * 2 + j / 2] : ex[i * 4 + j];
                assertEquals(want, gx[i * 4 + j], 1e-9, "x.grad[" + i + "][" + j + "]");
            }
        }
        assertArrayEquals(x.detach().slice(1, 0, 4, 2).contiguous().toDoubleArray(), g[1].toDoubleArray(), 1e-12);
    }

    @Test
    void zeroAndFillThroughViews() {
        Function<Tensor[], Tensor> f = in -> {
            Tensor y = in[0].mul(in[0]);
            y.narrow(0, 0, 1).zero_();
            y.select(1, 3).fill_(5);
            return y.exp();
        };
        Tensor x = rand(6, 3, 4);
        GradCheck.check(f, x);
        double[] g = grads(f, x)[0].toDoubleArray();
        for (int j = 0; j < 4; j++) assertEquals(0, g[j], 0, "row 0 was zeroed");
        for (int i = 0; i < 3; i++) assertEquals(0, g[i * 4 + 3], 0, "column 3 was filled");
        assertTrue(g[5] != 0);
    }

    @Test
    void twoWritesOnOverlappingViewsMatchOutOfPlace() {
        Function<Tensor[], Tensor> inPlace = in -> {
            Tensor y = in[0].mul(2);
            y.select(0, 1).mul_(3);
            y.select(1, 2).add_(in[1]);
            return y.pow(3);
        };
        Function<Tensor[], Tensor> outOfPlace = in -> {
            Tensor y = in[0].mul(2);
            Tensor row = rowMask(3, 4, 1), col = rowMask(4, 3, 2).t();
            y = y.mul(row.mul(2).add(1));                        // row 1 times 3
            y = y.add(col.mul(in[1].unsqueeze(1)));                // column 2 plus z
            return y.pow(3);
        };
        Tensor x = rand(7, 3, 4), z = rand(8, 3);
        assertSameGrads(inPlace, outOfPlace, x, z);
        GradCheck.check(inPlace, x, z);
    }

    @Test
    void viewOfAView() {
        Function<Tensor[], Tensor> f = in -> {
            Tensor y = in[0].sin();
            y.narrow(0, 1, 2).select(1, 1).mul_(in[1]);
            return y.mul(y);
        };
        GradCheck.check(f, rand(9, 4, 3), rand(10, 2));
    }

    @Test
    void writtenViewIsUsableAfterwards() {
        Function<Tensor[], Tensor> f = in -> {
            Tensor y = in[0].mul(2);
            Tensor v = y.select(0, 1);
            v.mul_(in[1]);
            // v's history is now "row 1 of the new y": it differentiates like y.select(0, 1) taken now.
            return v.exp().sum().add(y.pow(2).sum());
        };
        Tensor x = rand(11, 3, 4), w = rand(12, 4);
        GradCheck.check(f, x, w);
        Tensor y = x.mul(2), v = y.select(0, 1);
        v.mul_(w);
        assertEquals("AsStridedBackward0", v.gradFn().name());
        // Writing the same view twice chains the histories.
        GradCheck.check(in -> {
            Tensor yy = in[0].mul(2), vv = yy.narrow(1, 1, 2);
            vv.mul_(in[1]);
            vv.add_(in[1].mul(in[1]));
            return vv.exp().sum().add(yy.sum());
        }, x, rand(13, 3, 2));
    }

    @Test
    void viewsTakenBeforeTheWriteSeeTheNewHistory() {
        Function<Tensor[], Tensor> f = in -> {
            Tensor y = in[0].mul(2);
            Tensor early = y.narrow(1, 0, 2);   // overlaps the row written below
            y.select(0, 1).mul_(in[1]);
            return early.pow(2);
        };
        Function<Tensor[], Tensor> outOfPlace = in -> {
            Tensor y = in[0].mul(2);
            Tensor row = rowMask(3, 4, 1);
            y = Tensor.where(row.gt(0.5), y.mul(in[1]), y);
            return y.narrow(1, 0, 2).pow(2);
        };
        Tensor x = rand(14, 3, 4), w = rand(15, 4);
        assertSameGrads(f, outOfPlace, x, w);
        GradCheck.check(f, x, w);

        // An in-place op on the base itself also updates views taken earlier.
        Tensor a = Tensor.ones(2, 3).requiresGrad_();
        Tensor b = a.mul(2), early = b.narrow(1, 1, 2);
        b.mul_(3);
        early.sum().backward();
        assertArrayEquals(new float[]{0, 6, 6, 0, 6, 6}, a.grad().toFloatArray());
    }

    @Test
    void baseWithoutGradGetsHistoryFromCopiedSource() {
        Function<Tensor[], Tensor> f = in -> {
            Tensor buf = Tensor.zeros(new int[]{3, 4}, F64);
            Tensor early = buf.select(1, 1);
            buf.narrow(1, 1, 2).copy_(in[0]);
            return buf.mul(buf).sum().add(early.exp().sum());
        };
        Tensor src = rand(16, 3, 2);
        GradCheck.check(f, src);
        Tensor buf = Tensor.zeros(new int[]{3, 4}, F64);
        buf.narrow(1, 1, 2).copy_(src);
        assertTrue(buf.requiresGrad());
        assertEquals("CopySlices", buf.gradFn().name());
    }

    @Test
    void baseWithTransposedOrOffsetLayout() {
        // Roots need not be contiguous from 0: the region's gradient is read through the base's own layout.
        Function<Tensor[], Tensor> transposed = in -> {
            Tensor buf = Tensor.zeros(new int[]{4, 3}, F64).t().detach();   // strides [1, 3]
            buf.narrow(1, 1, 2).copy_(in[0]);
            buf.select(0, 2).mul_(in[1]);
            return buf.pow(2);
        };
        GradCheck.check(transposed, rand(18, 3, 2), rand(19, 4));
        Function<Tensor[], Tensor> offset = in -> {
            Tensor root = Tensor.zeros(new int[]{20}, F64).narrow(0, 5, 12).detach();   // offset 5
            Tensor grid = root.view(3, 4);
            root.add_(in[0]);
            grid.select(1, 0).mul_(in[1]);
            return grid.pow(2).sum().add(root.sin().sum());
        };
        GradCheck.check(offset, rand(20, 12), rand(21, 3));
    }

    @Test
    void doubleBackward() {
        // The gradient of an in-place-through-a-view function is itself differentiable.
        Function<Tensor[], Tensor> grad = in -> {
            try (var g = GradMode.enableGrad()) {
                Tensor y = in[0].pow(2);
                y.select(0, 1).mul_(in[0].select(0, 0));
                return Backward.grad(new Tensor[]{y.pow(2).sum()}, null, new Tensor[]{in[0]}, true, true, false)[0];
            }
        };
        GradCheck.check(grad, rand(17, 2, 3));
    }

    @Test
    void viewOfALeafThatRequiresGradIsRefused() {
        Tensor x = Tensor.ones(2, 3).requiresGrad_();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> x.narrow(0, 0, 1).mul_(2));
        assertEquals("a view of a leaf Variable that requires grad is being used in an in-place operation.", e.getMessage());
        assertThrows(IllegalStateException.class, () -> x.select(1, 0).zero_());
        // No-grad mode (optimizers, init) keeps writing through views as before.
        try (var g = GradMode.noGrad()) {
            x.narrow(0, 0, 1).mul_(3);
            x.select(1, 2).zero_();
        }
        assertArrayEquals(new float[]{3, 3, 0, 1, 1, 0}, x.detach().toFloatArray());
        assertTrue(x.isLeaf());
    }

    @Test
    void viewCreatedInNoGradModeIsRefused() {
        Tensor y = Tensor.ones(2, 3).requiresGrad_().mul(2);
        Tensor v;
        try (var g = GradMode.noGrad()) { v = y.narrow(0, 0, 1); }
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> v.mul_(2));
        assertTrue(e.getMessage().contains("no-grad mode"), e.getMessage());
    }

    @Test
    void savedTensorOverwrittenThroughAViewFailsBackward() {
        Tensor x = Tensor.ones(2, 3).requiresGrad_();
        Tensor y = x.mul(2);
        Tensor z = y.mul(y);       // saves y
        y.select(0, 1).add_(1);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> z.sum().backward());
        assertTrue(e.getMessage().contains("modified by an inplace operation"), e.getMessage());
        // y itself is still differentiable: its history now includes the write.
        y.sum().backward();
        assertArrayEquals(new float[]{2, 2, 2, 2, 2, 2}, x.grad().toFloatArray());
        assertFalse(y.isLeaf());

        // exp saves its output: writing into that output through a view must also be caught.
        Tensor e2 = x.exp();
        e2.narrow(1, 0, 1).mul_(2);
        assertThrows(IllegalStateException.class, () -> e2.sum().backward());
    }

    /** retainGrad follows the tensor through in-place writes (direct and through a view), as PyTorch's retains_grad does. */
    @Test
    void retainedGradientIsTheNewVersions() {
        Tensor x = Tensor.ones(2, 2).requiresGrad_();
        Tensor y = x.mul(2);
        y.retainGrad();
        y.narrow(0, 0, 1).mul_(3);
        y.sum().backward();
        assertArrayEquals(new double[]{1, 1, 1, 1}, y.grad().toDoubleArray(), 0, "d(sum)/dy of the written y");
        assertArrayEquals(new double[]{6, 6, 2, 2}, x.grad().toDoubleArray(), 0);

        Tensor a = Tensor.ones(3).requiresGrad_();
        Tensor b = a.mul(2);
        b.retainGrad();
        b.mul_(5);
        b.mul(b).sum().backward(); // d/db of b^2 at b = 10
        assertTrue(b.retainsGrad());
        assertArrayEquals(new double[]{20, 20, 20}, b.grad().toDoubleArray(), 0);
        assertArrayEquals(new double[]{200, 200, 200}, a.grad().toDoubleArray(), 0);
    }
}
