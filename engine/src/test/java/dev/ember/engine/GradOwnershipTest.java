package dev.ember.engine;

import static dev.ember.engine.TensorOpsTest.assertValues;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.ember.engine.autograd.Function;
import org.junit.jupiter.api.Test;

/**
 * Backward keeps a gradient it computed for one leaf alone instead of copying it; every gradient that
 * is shared (with another leaf, the caller, or a node) must still be copied, or in-place updates of one
 * {@code grad} would change another.
 */
class GradOwnershipTest {
    /** y = 3x whose backward keeps a reference to the gradient it makes, so the test can see where it ends up. */
    private static final class TripleRemembering extends Function {
        Tensor made;

        @Override
        protected Tensor forward(Tensor... x) { return x[0].mul(3); }

        @Override
        protected Tensor[] backward(Tensor grad) {
            // Memory allocated during the backward pass and handed to one leaf only. (Kernel results wrap their own
            // arrays, which autograd cannot tell from a caller's, so this allocates explicitly.)
            made = Tensor.zeros(grad.shape()).add_(grad.mul(3));
            return new Tensor[]{made};
        }
    }

    @Test
    void aGradientComputedForOneLeafIsKeptWithoutACopy() {
        Tensor w = Tensor.of(new float[][]{{1, 2}, {3, 4}}).requiresGrad_();
        TripleRemembering triple = new TripleRemembering();
        triple.apply(w).sum().backward();
        assertSame(triple.made.storage(), w.grad().storage(), "the leaf must keep the gradient made for it alone, not a copy");
        assertValues(w.grad(), 3, 3, 3, 3);
    }

    @Test
    void oneGradientHandedToTwoLeavesIsCopiedForEach() {
        Tensor a = Tensor.tensor(1f, 2f).requiresGrad_(), b = Tensor.tensor(3f, 4f).requiresGrad_();
        a.add(b).sum().backward(); // Add's backward passes the same tensor to both inputs
        assertNotSame(a.grad().storage(), b.grad().storage());
        a.grad().mul_(10);
        assertValues(a.grad(), 10, 10);
        assertValues(b.grad(), 1, 1);
    }

    @Test
    void theCallersGradientIsNeverTakenOver() {
        Tensor x = Tensor.tensor(1f, 2f).requiresGrad_();
        Tensor g = Tensor.tensor(5f, 6f);
        x.clone().backward(g); // clone's backward passes g through unchanged
        assertNotSame(g.storage(), x.grad().storage());
        x.grad().zero_();
        assertValues(g, 5, 6);

        Tensor leaf = Tensor.tensor(7f, 8f).requiresGrad_();
        leaf.backward(g);
        assertNotSame(g.storage(), leaf.grad().storage());
    }

    @Test
    void aGradientAlsoSentOnThroughTheGraphIsCopied() {
        // y = a + a*2: a gets one gradient straight from Add and one through Mul; both sum into a.grad.
        Tensor a = Tensor.tensor(1f, 2f).requiresGrad_();
        Tensor b = Tensor.tensor(3f, 4f).requiresGrad_();
        Tensor s = a.add(b);
        s.add(s.mul(2)).sum().backward();
        assertValues(a.grad(), 3, 3);
        assertValues(b.grad(), 3, 3);
        assertNotSame(a.grad().storage(), b.grad().storage());
    }
}
