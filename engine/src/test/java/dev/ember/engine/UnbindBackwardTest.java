package dev.ember.engine;

import dev.ember.engine.autograd.Backward;
import dev.ember.engine.autograd.GradCheck;
import dev.ember.engine.autograd.GradMode;
import org.junit.jupiter.api.Test;

import static dev.ember.engine.TensorOpsTest.assertValues;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * unbind, and backward through many slices of one tensor: without createGraph the slices' gradients are
 * added into one buffer (O(total slice size)); with createGraph the plain differentiable path still runs.
 */
class UnbindBackwardTest {
    private static Tensor randn64(long seed, int... shape) { return Tensor.randn(shape, DType.FLOAT64, new Generator(seed)).requiresGrad_(); }

    @Test void unbindReturnsViewsWithoutTheDim() {
        Tensor x = Tensor.arange(6).reshape(2, 3);
        Tensor[] cols = x.unbind(1);
        assertEquals(3, cols.length);
        assertValues(cols[1], 1, 4);
        assertTrue(cols[2].storage() == x.storage(), "a view");
        assertArrayEquals(new int[]{3}, x.unbind(-2)[0].shape());
    }

    @Test void gradcheckUnbindAndOverlappingSlices() {
        // Parts used unequally (one unused), along a middle dim; and the whole tensor used beside its parts.
        GradCheck.check(in -> {
            Tensor[] p = in[0].unbind(1);
            return p[0].mul(p[2]).add(p[1].exp()).sum().add(in[0].pow(2).sum());
        }, randn64(1, 2, 4, 3));
        // Overlapping slices add; the input is an intermediate (not a leaf) and non-contiguous.
        GradCheck.check(in -> {
            Tensor y = in[0].t().tanh();
            return y.narrow(0, 0, 3).mul(y.narrow(0, 1, 3)).add(y.slice(0, 0, 4, 2).sum(0)).sum();
        }, randn64(2, 3, 4));
        // A strided leaf, unbound along its last dim.
        Tensor x = randn64(3, 4, 5).detach().t().requiresGrad_();
        GradCheck.check(in -> {
            Tensor[] p = in[0].unbind(-1);
            Tensor s = p[0];
            for (int i = 1; i < p.length; i++) s = s.mul(p[i].sigmoid());
            return s;
        }, x);
    }

    @Test void doubleBackwardThroughUnbind() {
        // y = sum_t sum(x[t]^3): dy/dx = 3x^2 (built with createGraph), d/dx sum(3x^2) = 6x.
        Tensor x = Tensor.of(new double[][]{{1, -2}, {3, 0.5}, {-1, 2}}, DType.FLOAT64).requiresGrad_();
        Tensor y = Tensor.scalar(0, DType.FLOAT64);
        for (Tensor row : x.unbind(0)) y = y.add(row.pow(3).sum());
        Tensor g = Backward.grad(new Tensor[]{y}, null, new Tensor[]{x}, true, true, false)[0];
        assertTrue(g.requiresGrad(), "createGraph: the gradient is itself differentiable");
        assertValues(g, 3, 12, 27, 0.75, 3, 12);
        g.sum().backward();
        assertValues(x.grad(), 6, -12, 18, 3, -6, 12);
        // And against finite differences: the gradient of a gradient.
        GradCheck.check(in -> {
            try (var mode = GradMode.enableGrad()) { // the finite differences run without grad; this needs a graph
                Tensor s = Tensor.scalar(0, DType.FLOAT64);
                for (Tensor row : in[0].unbind(0)) s = s.add(row.sin().prod());
                return Backward.grad(new Tensor[]{s}, null, new Tensor[]{in[0]}, true, true, false)[0];
            }
        }, randn64(4, 3, 3));
    }

    @Test void gradientOfASlicedIntermediateAndRetainedGrad() {
        Tensor x = Tensor.of(new double[]{1, 2, 3}, DType.FLOAT64).requiresGrad_();
        Tensor y = x.mul(2).retainGrad();
        Tensor out = Tensor.scalar(0, DType.FLOAT64);
        Tensor[] p = y.unbind(0);
        for (int i = 0; i < p.length; i++) out = out.add(p[i].mul(i + 1));
        out.backward(null, true, false);
        assertValues(y.grad(), 1, 2, 3);
        assertValues(x.grad(), 2, 4, 6);
        assertValues(Backward.grad(new Tensor[]{out}, null, new Tensor[]{y}, false, false, false)[0], 1, 2, 3);
    }

    @Test void backwardThroughManySlicesAllocatesLinearly() {
        for (int steps : new int[]{64, 256}) {
            int n = 16;
            Tensor x = Tensor.randn(steps, n).requiresGrad_(), w = Tensor.randn(steps, n).requiresGrad_();
            Tensor loss = Tensor.scalar(0);
            for (Tensor a : x.unbind(0)) loss = loss.add(a.square().sum()); // slices of a leaf
            for (Tensor b : w.mul(2).unbind(0)) loss = loss.add(b.sum()); // slices of an intermediate
            long before = Storage.allocatedElements();
            loss.backward();
            long elements = Storage.allocatedElements() - before;
            // O(n) temporaries per slice and one buffer per sliced tensor; a full-size gradient per slice would be steps * steps * n.
            assertTrue(elements < 12L * steps * n, steps + " steps allocated " + elements + " elements");
            assertTrue(x.grad().allclose(x.detach().mul(2), 1e-6, 1e-6));
            assertTrue(w.grad().allclose(Tensor.full(new int[]{steps, n}, 2.0), 1e-6, 1e-6));
        }
    }
}
