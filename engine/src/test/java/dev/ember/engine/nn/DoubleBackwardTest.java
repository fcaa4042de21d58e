package dev.ember.engine.nn;

import dev.ember.engine.DType;
import dev.ember.engine.Tensor;
import dev.ember.engine.autograd.Backward;
import dev.ember.engine.autograd.GradCheck;
import dev.ember.engine.autograd.GradMode;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Second derivatives through convolution and pooling (createGraph = true), as a gradient penalty or a
 * Hessian-vector product needs: the first-order gradients are differentiated again and checked against
 * finite differences of those gradients.
 */
class DoubleBackwardTest {
    private static Tensor input(int... shape) { return Tensor.randn(shape).to(DType.FLOAT64).requiresGrad_(); }

    /**
     * Checks d/d(inputs) of sum_i (dL/d input_i . r_i) with L = sum(f(inputs)^2): every second derivative of f
     * that the first-order gradients depend on.
     */
    private static void checkSecondOrder(Function<Tensor[], Tensor> f, Tensor... inputs) {
        Tensor[] weights = new Tensor[inputs.length];
        for (int i = 0; i < inputs.length; i++) weights[i] = Tensor.randn(inputs[i].shape()).to(DType.FLOAT64);
        GradCheck.check(t -> {
            // Finite differences evaluate without grad and with plain tensors: give the inner gradient its own leaves then.
            Tensor[] u = new Tensor[t.length];
            for (int i = 0; i < t.length; i++) u[i] = t[i].requiresGrad() ? t[i] : t[i].detach().requiresGrad_();
            try (var mode = GradMode.enableGrad()) {
                Tensor loss = f.apply(u).pow(2).sum();
                Tensor[] grads = Backward.grad(new Tensor[]{loss}, null, u, true, true, false);
                Tensor total = null;
                for (int i = 0; i < grads.length; i++) {
                    Tensor term = grads[i].mul(weights[i]).sum();
                    total = total == null ? term : total.add(term);
                }
                return total;
            }
        }, inputs);
    }

    @Test
    void conv2dWithStridePaddingDilationGroupsAndBias() {
        checkSecondOrder(t -> F.conv2d(t[0], t[1], t[2], new int[]{2, 1}, new int[]{1}, new int[]{1, 2}, 2),
                input(2, 4, 5, 6), input(4, 2, 3, 2), input(4));
    }

    @Test
    void pointwiseConv2dAndConv1d() {
        checkSecondOrder(t -> F.conv2d(t[0], t[1], null, new int[]{1}, new int[]{0}, new int[]{1}, 1), input(2, 3, 3, 3), input(2, 3, 1, 1));
        checkSecondOrder(t -> F.conv1d(t[0], t[1], t[2], 2, 1, 1, 1), input(2, 2, 7), input(3, 2, 3), input(3));
    }

    @Test
    void maxPoolAveragePoolAndAdaptivePool() {
        // Pooling is linear almost everywhere, so the second derivatives come from the square in L and from a conv before it.
        checkSecondOrder(t -> F.maxPool2d(F.conv2d(t[0], t[1], null, new int[]{1}, new int[]{1}, new int[]{1}, 1), new int[]{2}, null, new int[]{0}),
                input(1, 2, 6, 6), input(3, 2, 3, 3));
        checkSecondOrder(t -> F.avgPool2d(t[0].mul(t[0]), new int[]{3}, new int[]{2}, new int[]{1}, true, false, 0), input(2, 2, 7, 5));
        checkSecondOrder(t -> F.adaptiveAvgPool2d(t[0].mul(t[0]), new int[]{2, 3}), input(1, 3, 5, 7));
    }
}
