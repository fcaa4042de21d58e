package dev.ember.engine.ops;

import dev.ember.engine.DType;
import dev.ember.engine.Generator;
import dev.ember.engine.Tensor;
import dev.ember.engine.autograd.Backward;
import dev.ember.engine.autograd.GradCheck;
import dev.ember.engine.autograd.GradMode;
import org.junit.jupiter.api.Test;

import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LinearSolveTest {

    private static Tensor f64(double[][] m) { return Tensor.of(m, DType.FLOAT64); }

    /** A random n×n float64 matrix made well conditioned by adding n on the diagonal. */
    private static Tensor wellConditioned(long seed, int n) {
        return Tensor.randn(new int[]{n, n}, DType.FLOAT64, new Generator(seed)).add(Tensor.eye(n, n, DType.FLOAT64).mul(n));
    }

    /** x -> d(sum f(x))/d(x[wrt]) with its graph kept, so GradCheck checks second derivatives (like gradgradcheck). */
    private static Function<Tensor[], Tensor> gradientOf(Function<Tensor[], Tensor> f, int wrt) {
        return in -> {
            try (var g = GradMode.enableGrad()) {
                return Backward.grad(new Tensor[]{f.apply(in).sum()}, new Tensor[]{null}, new Tensor[]{in[wrt]}, true, true, false)[0];
            }
        };
    }

    private static void assertValues(Tensor t, int[] shape, double tol, double... expected) {
        assertArrayEquals(shape, t.shape(), "shape");
        assertArrayEquals(expected, t.toDoubleArray(), tol);
    }

    private static void assertIdentity(Tensor m, double tol) {
        int n = m.size(-1);
        Tensor eye = Tensor.eye(n, n, DType.FLOAT64);
        assertTrue(m.toDouble().allclose(eye.expand(m.shape()), 0, tol), "expected identity, got " + m);
    }

    // ---------------------------------------------------------------- inverse

    @Test void inverseOf2x2ByHand() {
        // [[a, b], [c, d]]^-1 = [[d, -b], [-c, a]] / (ad - bc), here ad - bc = 10.
        assertValues(f64(new double[][]{{4, 7}, {2, 6}}).inverse(), new int[]{2, 2}, 1e-14, 0.6, -0.7, -0.2, 0.4);
    }

    @Test void inverseOfTridiagonalByHand() {
        Tensor a = f64(new double[][]{{2, -1, 0}, {-1, 2, -1}, {0, -1, 2}});
        assertValues(a.inverse(), new int[]{3, 3}, 1e-14, 0.75, 0.5, 0.25, 0.5, 1, 0.5, 0.25, 0.5, 0.75);
    }

    @Test void inverseNeedsPivoting() {
        // A zero in the top-left corner: only a row swap makes LU possible. A permutation's inverse is its transpose.
        Tensor p = f64(new double[][]{{0, 1, 0}, {0, 0, 1}, {1, 0, 0}});
        assertValues(p.inverse(), new int[]{3, 3}, 0, 0, 0, 1, 1, 0, 0, 0, 1, 0);
    }

    @Test void inverseTimesMatrixIsIdentity() {
        Tensor a = wellConditioned(1, 6);
        assertIdentity(a.matmul(a.inverse()), 1e-12);
        assertIdentity(a.inverse().matmul(a), 1e-12);
        Tensor f = a.toFloat();
        Tensor inv = f.inverse();
        assertEquals(DType.FLOAT32, inv.dtype());
        assertIdentity(f.matmul(inv), 1e-5);
    }

    @Test void inverseOfNonContiguousAndBatched() {
        Tensor at = wellConditioned(2, 4).t(); // a transposed view
        assertIdentity(at.matmul(at.inverse()), 1e-12);
        Tensor batch = Tensor.stack(0, wellConditioned(3, 3), wellConditioned(4, 3), wellConditioned(5, 3)).reshape(3, 1, 3, 3);
        Tensor inv = batch.inverse();
        assertArrayEquals(new int[]{3, 1, 3, 3}, inv.shape());
        assertIdentity(batch.matmul(inv), 1e-12);
    }

    @Test void inverseErrors() {
        var e = assertThrows(IllegalArgumentException.class, () -> f64(new double[][]{{1, 2}, {2, 4}}).inverse());
        assertTrue(e.getMessage().contains("singular") && e.getMessage().contains("pivot 2 is zero"), e.getMessage());
        Tensor batch = Tensor.stack(0, f64(new double[][]{{1, 0}, {0, 1}}), f64(new double[][]{{1, 2}, {2, 4}}));
        e = assertThrows(IllegalArgumentException.class, () -> batch.inverse());
        assertTrue(e.getMessage().contains("batch index [1]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(2, 3).inverse());
        assertTrue(e.getMessage().contains("[2, 3]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(4).inverse());
        assertTrue(e.getMessage().contains("[4]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(new int[]{2, 2}, DType.INT64).inverse());
        assertTrue(e.getMessage().contains("int64"), e.getMessage());
    }

    @Test void inverseGradient() {
        GradCheck.check(in -> in[0].inverse(), wellConditioned(6, 3).requiresGrad_());
        GradCheck.check(in -> in[0].inverse(), wellConditioned(7, 4).t().detach().requiresGrad_());
        Tensor batch = Tensor.stack(0, wellConditioned(8, 2), wellConditioned(9, 2)).detach().requiresGrad_();
        GradCheck.check(in -> in[0].inverse(), batch);
        // Second order, through the saved output.
        GradCheck.check(gradientOf(in -> in[0].inverse().pow(2), 0),
                wellConditioned(10, 2).requiresGrad_());
    }

    // ---------------------------------------------------------------- det

    @Test void detByHand() {
        assertEquals(10, f64(new double[][]{{4, 7}, {2, 6}}).det().item(), 1e-12);
        assertEquals(4, f64(new double[][]{{2, -1, 0}, {-1, 2, -1}, {0, -1, 2}}).det().item(), 1e-12);
        // A cyclic permutation is even; a single swap is odd.
        assertEquals(1, f64(new double[][]{{0, 1, 0}, {0, 0, 1}, {1, 0, 0}}).det().item(), 0);
        assertEquals(-1, f64(new double[][]{{0, 1}, {1, 0}}).det().item(), 0);
        assertEquals(0, f64(new double[][]{{1, 2}, {2, 4}}).det().item(), 0);
        assertEquals(0, Tensor.zeros(new int[]{3, 3}, DType.FLOAT64).det().item(), 0);
        assertEquals(1, Tensor.zeros(new int[]{0, 0}, DType.FLOAT64).det().item(), 0); // the empty product
    }

    @Test void detOfTriangularIsProductOfDiagonal() {
        Tensor upper = f64(new double[][]{{2, 5, 7}, {0, -3, 1}, {0, 0, 0.5}});
        assertEquals(2 * -3 * 0.5, upper.det().item(), 1e-12);
        assertEquals(2 * -3 * 0.5, upper.t().det().item(), 1e-12); // lower triangular, non-contiguous
        Tensor f = upper.toFloat();
        assertEquals(DType.FLOAT32, f.det().dtype());
        assertEquals(-3, f.det().item(), 1e-6);
    }

    @Test void detIsMultiplicative() {
        Tensor a = Tensor.randn(new int[]{4, 4}, DType.FLOAT64, new Generator(11));
        Tensor b = Tensor.randn(new int[]{4, 4}, DType.FLOAT64, new Generator(12));
        double expected = a.det().item() * b.det().item();
        assertEquals(expected, a.matmul(b).det().item(), 1e-10 * Math.max(1, Math.abs(expected)));
        assertEquals(1 / a.det().item(), a.inverse().det().item(), 1e-10 * Math.abs(1 / a.det().item()));
    }

    @Test void detBatched() {
        Tensor batch = Tensor.stack(0, f64(new double[][]{{3, 0}, {0, 2}}), f64(new double[][]{{1, 2}, {3, 4}}), f64(new double[][]{{0, 5}, {1, 0}}))
                .reshape(3, 1, 2, 2);
        assertValues(batch.det(), new int[]{3, 1}, 1e-12, 6, -2, -5);
        var e = assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(2, 3, 2).det());
        assertTrue(e.getMessage().contains("[2, 3, 2]"), e.getMessage());
    }

    @Test void detGradient() {
        GradCheck.check(in -> in[0].det(), Tensor.randn(new int[]{3, 3}, DType.FLOAT64, new Generator(13)).requiresGrad_());
        GradCheck.check(in -> in[0].det(), Tensor.randn(new int[]{4, 4}, DType.FLOAT64, new Generator(14)).t().detach().requiresGrad_());
        GradCheck.check(in -> in[0].det(), Tensor.randn(new int[]{2, 3, 3}, DType.FLOAT64, new Generator(15)).requiresGrad_());
        // d det / dA = det * A^-T; for [[a, b], [c, d]] that is [[d, -c], [-b, a]].
        Tensor a = f64(new double[][]{{4, 7}, {2, 6}}).requiresGrad_();
        a.det().backward();
        assertValues(a.grad(), new int[]{2, 2}, 1e-12, 6, -2, -7, 4);
    }

    @Test void detGradientOfSingularMatrixIsReported() {
        Tensor a = f64(new double[][]{{1, 2}, {2, 4}}).requiresGrad_();
        Tensor d = a.det();
        var e = assertThrows(IllegalArgumentException.class, d::backward);
        assertTrue(e.getMessage().contains("singular"), e.getMessage());
    }
}
