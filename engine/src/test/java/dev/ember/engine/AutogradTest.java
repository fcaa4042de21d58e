package dev.ember.engine;

import dev.ember.engine.autograd.Backward;
import dev.ember.engine.autograd.GradMode;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import static dev.ember.engine.TensorOpsTest.assertValues;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The autograd engine: graph bookkeeping, backward variants, grad modes and in-place safety. */
class AutogradTest {

    static Tensor leaf(float... values) { return Tensor.tensor(values).requiresGrad_(); }

    static Tensor leaf64(double... values) { return Tensor.of(values, DType.FLOAT64).requiresGrad_(); }

    @Nested
    class Graph {
        @Test
        void leavesAndNonLeaves() {
            Tensor x = leaf(1, 2);
            assertTrue(x.requiresGrad());
            assertTrue(x.isLeaf());
            assertNull(x.gradFn());
            Tensor y = x.mul(2);
            assertTrue(y.requiresGrad());
            assertFalse(y.isLeaf());
            Tensor c = Tensor.tensor(1f, 2f);
            assertFalse(c.requiresGrad());
            assertFalse(c.add(1).requiresGrad(), "ops on tensors that don't require grad record nothing");
            assertNull(c.add(1).gradFn());
        }

        @Test
        void gradFnNames() {
            Tensor x = Tensor.randn(2, 3).requiresGrad_();
            assertEquals("MulBackward0", x.mul(2).gradFn().name());
            assertEquals("AddBackward0", x.add(x).gradFn().name());
            assertEquals("SubBackward0", x.sub(1).gradFn().name());
            assertEquals("DivBackward0", x.div(x).gradFn().name());
            assertEquals("NegBackward0", x.neg().gradFn().name());
            assertEquals("ExpBackward0", x.exp().gradFn().name());
            assertEquals("SumBackward0", x.sum().gradFn().name());
            assertEquals("MeanBackward0", x.mean().gradFn().name());
            assertEquals("MeanBackward0", x.mean(1).gradFn().name());
            assertEquals("PowBackward0", x.pow(3).gradFn().name());
            assertEquals("MmBackward0", x.mm(x.t()).gradFn().name());
            assertEquals("ViewBackward0", x.view(6).gradFn().name());
            assertEquals("TransposeBackward0", x.t().gradFn().name());
            assertEquals("PermuteBackward0", x.unsqueeze(0).permute(2, 0, 1).gradFn().name());
            assertEquals("ExpandBackward0", x.unsqueeze(0).expand(4, 2, 3).gradFn().name());
            assertEquals("SliceBackward0", x.narrow(1, 0, 2).gradFn().name());
            assertEquals("CatBackward0", Tensor.cat(0, x, x).gradFn().name());
            assertEquals("ToCopyBackward0", x.toDouble().gradFn().name());
            assertEquals("CloneBackward0", x.clone().gradFn().name());
            assertEquals("MaxBackward1", x.max().gradFn().name());
            assertEquals("MaxBackward0", x.max(1).values().gradFn().name());
            assertEquals("WhereBackward0", Tensor.where(x.gt(0), x, x.neg()).gradFn().name());
            assertEquals("<MulBackward0>", x.mul(2).gradFn().toString());
        }

        @Test
        void integerTensorsCannotRequireGrad() {
            Exception e = assertThrows(IllegalArgumentException.class, () -> Tensor.tensor(1L, 2L).requiresGrad_());
            assertTrue(e.getMessage().contains("floating point"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> Tensor.tensor(true).requiresGrad_());
        }

        @Test
        void integerResultsOfDifferentiableInputsDoNotRequireGrad() {
            Tensor x = leaf(1.5f, -2.5f);
            Tensor i = x.toLong();
            assertFalse(i.requiresGrad());
            assertNull(i.gradFn());
            assertFalse(x.gt(0).requiresGrad());
            assertFalse(x.argmax().requiresGrad());
            assertFalse(x.max(0).indices().requiresGrad());
        }

        @Test
        void requiresGradFlagOfNonLeafCannotBeCleared() {
            Tensor y = leaf(1).mul(2);
            assertThrows(IllegalStateException.class, () -> y.requiresGrad_(false));
        }

        @Test
        void detachSharesStorageButNotTheGraph() {
            Tensor x = leaf(1, 2);
            Tensor y = x.mul(3);
            Tensor d = y.detach();
            assertFalse(d.requiresGrad());
            assertTrue(d.isLeaf());
            assertSame(y.storage(), d.storage());
            assertValues(d, 3, 6);
        }
    }

    @Nested
    class BackwardPass {
        @Test
        void scalarBackward() {
            Tensor x = leaf(1, 2, 3);
            x.mul(x).sum().backward();
            assertValues(x.grad(), 2, 4, 6);
        }

        @Test
        void gradientsAccumulateAcrossCalls() {
            Tensor x = leaf(1, 2, 3);
            Tensor y = x.mul(x).sum();
            y.backward(null, true, false);
            y.backward();
            assertValues(x.grad(), 4, 8, 12);
            x.zeroGrad();
            assertNull(x.grad());
            x.mul(5).sum().backward();
            assertValues(x.grad(), 5, 5, 5);
        }

        @Test
        void secondBackwardNeedsRetainGraph() {
            Tensor x = leaf(1, 2, 3);
            Tensor y = x.mul(x).sum();
            y.backward();
            Exception e = assertThrows(IllegalStateException.class, y::backward);
            assertTrue(e.getMessage().contains("second time") && e.getMessage().contains("retainGraph"), e.getMessage());
        }

        @Test
        void vectorJacobianProduct() {
            Tensor x = leaf(1, 2, 3);
            x.mul(x).backward(Tensor.tensor(1f, 0.1f, 0.01f));
            assertValues(x.grad(), 2, 0.4, 0.06);

            // y = W v: dL/dW = g v^T, dL/dv = W^T g for g = [1, -1].
            Tensor w = Tensor.of(new float[][]{{1, 2}, {3, 4}}).requiresGrad_();
            Tensor v = leaf(1, 1);
            w.mv(v).backward(Tensor.tensor(1f, -1f));
            assertValues(w.grad(), 1, 1, -1, -1);
            assertValues(v.grad(), -2, -2);
        }

        @Test
        void nonScalarBackwardNeedsAGradient() {
            Tensor y = leaf(1, 2).mul(2);
            Exception e = assertThrows(IllegalStateException.class, y::backward);
            assertTrue(e.getMessage().contains("scalar"), e.getMessage());
            Exception shape = assertThrows(IllegalArgumentException.class, () -> y.backward(Tensor.ones(3)));
            assertTrue(shape.getMessage().contains("[3]") && shape.getMessage().contains("[2]"), shape.getMessage());
        }

        @Test
        void backwardOfATensorWithoutGradFails() {
            Exception e = assertThrows(IllegalStateException.class, () -> Tensor.ones(1).backward());
            assertTrue(e.getMessage().contains("does not require grad"), e.getMessage());
        }

        @Test
        void retainGradOnANonLeaf() {
            Tensor x = leaf(1, 2);
            Tensor y = x.mul(3).retainGrad();
            Tensor unretained = x.mul(3);
            y.square().sum().add(unretained.sum()).backward();
            assertValues(y.grad(), 6, 12);       // 2 y
            assertValues(x.grad(), 21, 39);      // 3 * 2y + 3
            assertNull(unretained.grad());
            assertThrows(IllegalStateException.class, () -> Tensor.ones(1).retainGrad());
        }

        @Test
        void reusedTensor() {
            Tensor x = leaf(-1, 0.5f, 2);
            x.mul(x).add(x).sum().backward();
            assertValues(x.grad(), -1, 2, 5);   // 2x + 1
        }

        @Test
        void diamond() {
            // a = e^x feeds both branches: z = (2a)(3a) = 6 e^{2x}, dz/dx = 12 e^{2x}.
            Tensor x = leaf64(0, 0.5);
            Tensor a = x.exp();
            a.mul(2).mul(a.mul(3)).sum().backward();
            assertValues(x.grad(), 12, 12 * Math.E);
        }

        @Test
        void longChainDoesNotOverflowTheStack() {
            Tensor x = leaf(1);
            Tensor y = x;
            for (int i = 0; i < 20000; i++) y = y.add(1).mul(1);
            y.sum().backward();
            assertValues(x.grad(), 1);
        }

        @Test
        void broadcastGradientsAreSummedBack() {
            Tensor row = leaf(1, 2, 3), col = Tensor.of(new float[][]{{1}, {10}}).requiresGrad_();
            row.mul(col).sum().backward();
            assertValues(row.grad(), 11, 11, 11);
            assertValues(col.grad(), 6, 6);
        }

        @Test
        void gradientOfAStridedLeaf() {
            Tensor x = Tensor.zeros(2, 3).requiresGrad_();
            x.t().select(0, 1).sum().backward();
            assertValues(x.grad(), 0, 1, 0, 0, 1, 0);
        }

        @Test
        void specialGradients() {
            Tensor m = leaf(1, 3, 3);
            m.max().backward();
            assertValues(m.grad(), 0, 0.5, 0.5);          // ties share

            Tensor a = Tensor.of(new float[][]{{7, 3, 7}}).requiresGrad_();
            a.amax(1, false).sum().backward();
            assertValues(a.grad(), 0.5, 0, 0.5);

            Tensor d = Tensor.of(new float[][]{{1, 5, 2}, {7, 3, 7}}).requiresGrad_();
            d.max(1).values().sum().backward();
            assertValues(d.grad(), 0, 1, 0, 1, 0, 0);     // the returned (first) index only

            Tensor p = leaf(2, 0, 3);
            p.prod().backward();
            assertValues(p.grad(), 0, 6, 0);
            Tensor p2 = leaf(0, 0, 3);
            p2.prod().backward();
            assertValues(p2.grad(), 0, 0, 0);

            Tensor k = leaf(-1, 0, 1, 2);
            k.relu().add(k.abs()).add(k.clamp(0, 1)).sum().backward();
            // relu' = [0,0,1,1], abs' = [-1,0,1,1], clamp' = 1 on [0,1] inclusive = [0,1,1,0]
            assertValues(k.grad(), -1, 1, 3, 2);

            Tensor c1 = leaf(1, 2), c2 = leaf(3);
            Tensor.cat(0, c1, c2).mul(Tensor.tensor(1f, 2f, 3f)).sum().backward();
            assertValues(c1.grad(), 1, 2);
            assertValues(c2.grad(), 3);
        }

        @Test
        void float32AndFloat64GradientsKeepTheirDtype() {
            Tensor x = leaf(1, 2);
            Tensor y = leaf64(3, 4);
            x.mul(y).sum().backward();   // promoted to float64 inside
            assertEquals(DType.FLOAT32, x.grad().dtype());
            assertEquals(DType.FLOAT64, y.grad().dtype());
            assertValues(x.grad(), 3, 4);
            assertValues(y.grad(), 1, 2);
        }
    }

    @Nested
    class Modes {
        @Test
        void noGradRecordsNothing() {
            Tensor x = leaf(1);
            try (var g = GradMode.noGrad()) {
                assertFalse(GradMode.isEnabled());
                Tensor y = x.mul(2);
                assertFalse(y.requiresGrad());
                assertNull(y.gradFn());
                try (var e = GradMode.enableGrad()) {
                    assertTrue(x.mul(2).requiresGrad(), "enableGrad inside noGrad records again");
                }
                assertFalse(GradMode.isEnabled());
            }
            assertTrue(GradMode.isEnabled());
        }

        @Test
        void inPlaceOnALeafIsAllowedUnderNoGrad() {
            Tensor w = leaf(1, 2);
            try (var g = GradMode.noGrad()) {
                w.sub_(Tensor.tensor(0.5f, 0.5f));
                w.mul_(2);
            }
            assertValues(w, 1, 3);
            assertTrue(w.isLeaf());
            assertTrue(w.requiresGrad());
        }
    }

    @Nested
    class FunctionalGrad {
        @Test
        void gradLeavesDotGradAlone() {
            Tensor x = leaf(1, 2);
            Tensor[] g = Backward.grad(new Tensor[]{x.mul(x).sum()}, new Tensor[]{null}, new Tensor[]{x}, false, false, false);
            assertValues(g[0], 2, 4);
            assertNull(x.grad());
        }

        @Test
        void secondDerivative() {
            Tensor x = leaf64(2);
            Tensor y = x.pow(3);
            Tensor dy = Backward.grad(new Tensor[]{y}, null, new Tensor[]{x}, false, true, false)[0];
            assertEquals(12, dy.item(), 1e-12);       // 3 x^2
            assertTrue(dy.requiresGrad());
            Tensor d2 = Backward.grad(new Tensor[]{dy}, null, new Tensor[]{x}, false, true, false)[0];
            assertEquals(12, d2.item(), 1e-12);       // 6 x
            Tensor d3 = Backward.grad(new Tensor[]{d2}, null, new Tensor[]{x}, false, false, false)[0];
            assertEquals(6, d3.item(), 1e-12);
        }

        @Test
        void secondDerivativeThroughSavedOutputs() {
            // exp saves its output; createGraph must keep the first graph alive for the second pass.
            Tensor x = leaf64(1);
            Tensor d1 = Backward.grad(new Tensor[]{x.exp()}, null, new Tensor[]{x}, false, true, false)[0];
            Tensor d2 = Backward.grad(new Tensor[]{d1}, null, new Tensor[]{x}, false, false, false)[0];
            assertEquals(Math.E, d2.item(), 1e-12);
            // tanh'' = -2 tanh (1 - tanh^2)
            Tensor t = leaf64(0.5);
            Tensor g1 = Backward.grad(new Tensor[]{t.tanh()}, null, new Tensor[]{t}, false, true, false)[0];
            Tensor g2 = Backward.grad(new Tensor[]{g1}, null, new Tensor[]{t}, false, false, false)[0];
            double th = Math.tanh(0.5);
            assertEquals(-2 * th * (1 - th * th), g2.item(), 1e-12);
        }

        @Test
        void backwardWithCreateGraphGivesDifferentiableGrad() {
            Tensor x = leaf64(3);
            x.pow(2).backward(null, false, true);
            assertTrue(x.grad().requiresGrad());
            Tensor g = x.grad();
            x.zeroGrad();
            g.backward();
            assertEquals(2, x.grad().item(), 1e-12);
        }

        @Test
        void gradWithRespectToANonLeaf() {
            Tensor x = leaf(1, 2);
            Tensor y = x.mul(2);
            Tensor[] g = Backward.grad(new Tensor[]{y.square().sum()}, null, new Tensor[]{y}, false, false, false);
            assertValues(g[0], 4, 8);
        }

        @Test
        void unusedInputs() {
            Tensor x = leaf(1), unused = leaf(2);
            Tensor out = x.mul(3).sum();
            Tensor[] g = Backward.grad(new Tensor[]{out}, null, new Tensor[]{x, unused}, true, false, true);
            assertValues(g[0], 3);
            assertNull(g[1]);
            Exception e = assertThrows(IllegalArgumentException.class,
                    () -> Backward.grad(new Tensor[]{out}, null, new Tensor[]{x, unused}, false, false, false));
            assertTrue(e.getMessage().contains("allowUnused"), e.getMessage());
        }
    }

    @Nested
    class InPlaceSafety {
        @Test
        void modifyingASavedTensorIsDetected() {
            Tensor x = leaf(1, 2);
            Tensor y = x.exp();
            y.add_(1);
            Exception e = assertThrows(IllegalStateException.class, () -> y.sum().backward());
            assertTrue(e.getMessage().contains("modified by an inplace operation"), e.getMessage());
        }

        @Test
        void modifyingASavedInputThroughAViewIsDetected() {
            Tensor x = leaf(1, 2);
            Tensor base = Tensor.tensor(3f, 4f);
            Tensor y = x.mul(base);
            base.narrow(0, 0, 1).fill_(0);
            Exception e = assertThrows(IllegalStateException.class, () -> y.sum().backward());
            assertTrue(e.getMessage().contains("modified by an inplace operation"), e.getMessage());
        }

        @Test
        void inPlaceOnALeafThatRequiresGradFails() {
            Tensor x = leaf(1, 2);
            for (Runnable r : new Runnable[]{() -> x.add_(1), () -> x.mul_(2), () -> x.zero_(), () -> x.fill_(1),
                    () -> x.copy_(Tensor.ones(2)), () -> x.clamp_(0, 1)}) {
                Exception e = assertThrows(IllegalStateException.class, r::run);
                assertTrue(e.getMessage().contains("leaf"), e.getMessage());
            }
            assertValues(x, 1, 2);
        }

        @Test
        void inPlaceOnANonLeafKeepsCorrectGradients() {
            Tensor x = leaf(1, 2);
            Tensor y = x.mul(2);
            y.add_(1);
            y.mul_(3);
            assertValues(y, 9, 15);
            y.sum().backward();
            assertValues(x.grad(), 6, 6);
        }

        @Test
        void inPlaceMulBySelfIsDetectedLikePyTorch() {
            // y.mul_(y) saves y as the other operand, then overwrites it: backward cannot be exact.
            Tensor x = leaf(1, 3);
            Tensor y = x.add(0);
            y.mul_(y);
            assertValues(y, 1, 9);
            Exception e = assertThrows(IllegalStateException.class, () -> y.sum().backward());
            assertTrue(e.getMessage().contains("modified by an inplace operation"), e.getMessage());
        }

        @Test
        void graphEdgesAreFixedWhenAnOpIsRecorded() {
            // z was computed from y before y was modified in place: z's gradient must not see the later mul_.
            Tensor x = leaf(1, 1, 1);
            Tensor y = x.mul(2);
            Tensor z = y.add(1);
            y.mul_(3);
            z.sum().backward();
            assertValues(x.grad(), 2, 2, 2);
        }

        @Test
        void overwritingANonLeafCutsItsHistory() {
            Tensor x = leaf(1, 1, 1);
            Tensor y = x.mul(2);
            y.zero_();
            y.add(x).sum().backward();
            assertValues(x.grad(), 1, 1, 1);

            Tensor x2 = leaf(1, 1), w = leaf(5, 6);
            Tensor y2 = x2.mul(2);
            y2.copy_(w);
            y2.sum().backward();
            assertValues(x2.grad(), 0, 0);
            assertValues(w.grad(), 1, 1);
        }

        @Test
        void copyIntoAPlainTensorRecordsTheSource() {
            Tensor w = leaf(1, 2);
            Tensor buf = Tensor.zeros(2, 2);
            buf.copy_(w);
            assertTrue(buf.requiresGrad());
            buf.sum().backward();
            assertValues(w.grad(), 2, 2);
        }
    }
}
