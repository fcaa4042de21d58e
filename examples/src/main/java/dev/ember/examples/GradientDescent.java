package dev.ember.examples;

import dev.ember.engine.Tensor;
import dev.ember.engine.autograd.GradMode;

/** Tutorial walkthrough: minimize f(x1, x2) = (x1 - 3)^2 + (x2 + 2)^2 by plain gradient descent. */
public final class GradientDescent {
    /** Runs `steps` updates of x -= lr * grad from (0, 0); returns the final (x1, x2). */
    static float[] minimize(int steps, double lr) {
        Tensor x = Tensor.zeros(2).requiresGrad_();
        Tensor target = Tensor.tensor(3f, -2f);
        for (int i = 0; i < steps; i++) {
            Tensor f = x.sub(target).pow(2).sum();
            x.zeroGrad();
            f.backward();
            try (var g = GradMode.noGrad()) { x.sub_(x.grad().mul(lr)); }
            if (i % 10 == 0 || i == steps - 1) System.out.printf("step %3d  f = %.6f  x = %s%n", i, f.item(), java.util.Arrays.toString(x.toFloatArray()));
        }
        return x.toFloatArray();
    }

    public static void main(String[] args) {
        float[] x = minimize(50, 0.1);
        System.out.printf("minimum found at (%.4f, %.4f); the exact minimum is (3, -2)%n", x[0], x[1]);
    }
}
