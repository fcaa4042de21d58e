package dev.ember.examples;

import dev.ember.engine.Tensor;
import dev.ember.engine.autograd.Backward;

/**
 * Tutorial walkthrough: derivatives with autograd — y = f(x), partial derivatives of f(u, v),
 * vector-Jacobian products, and the graph of d = w1*a + w2*a.
 */
public final class AutogradBasics {
    /** dy/dx of y = x^2 + 2x + 1 at x = 3 (= 2x + 2 = 8). */
    static double derivativeOfQuadratic() {
        Tensor x = Tensor.tensor(3f).requiresGrad_();
        Tensor y = x.pow(2).add(x.mul(2)).add(1).sum();
        y.backward();
        return x.grad().item();
    }

    /** Partial derivatives of f(u, v) = u*v + u^2 at u = 1, v = 2: df/du = v + 2u = 4, df/dv = u = 1. */
    static double[] partialDerivatives() {
        Tensor u = Tensor.tensor(1f).requiresGrad_(), v = Tensor.tensor(2f).requiresGrad_();
        Tensor f = u.mul(v).add(u.pow(2)).sum();
        f.backward();
        return new double[]{u.grad().item(), v.grad().item()};
    }

    /** y = 2x elementwise; backward(v) gives J^T v = 2v. */
    static float[] vectorJacobianProduct() {
        Tensor x = Tensor.tensor(1f, 2f, 3f).requiresGrad_();
        Tensor y = x.mul(2);
        y.backward(Tensor.tensor(0.1f, 1f, 10f));
        return x.grad().toFloatArray();
    }

    public static void main(String[] args) {
        System.out.println("y = x^2 + 2x + 1, dy/dx at x=3: " + derivativeOfQuadratic());
        double[] p = partialDerivatives();
        System.out.println("f(u,v) = uv + u^2 at (1, 2): df/du = " + p[0] + ", df/dv = " + p[1]);
        System.out.println("vector-Jacobian product of y = 2x with v = [0.1, 1, 10]: " + java.util.Arrays.toString(vectorJacobianProduct()));

        Tensor a = Tensor.tensor(2f).requiresGrad_(), w1 = Tensor.tensor(3f).requiresGrad_(), w2 = Tensor.tensor(4f).requiresGrad_();
        Tensor d = w1.mul(a).add(w2.mul(a));
        System.out.println("d = w1*a + w2*a = " + d + "; d.gradFn = " + d.gradFn().name()
                + ", its inputs come from " + d.gradFn().inputs()[0].gradFn().name() + " and " + d.gradFn().inputs()[1].gradFn().name());
        d.backward();
        System.out.println("dd/da = w1 + w2 = " + a.grad().item() + ", dd/dw1 = a = " + w1.grad().item());

        Tensor x = Tensor.tensor(2f).requiresGrad_();
        Tensor y = x.pow(3);
        Tensor dy = Backward.grad(new Tensor[]{y}, new Tensor[]{null}, new Tensor[]{x}, true, true, false)[0];
        Tensor d2y = Backward.grad(new Tensor[]{dy}, new Tensor[]{null}, new Tensor[]{x}, false, false, false)[0];
        System.out.println("y = x^3 at x=2: dy/dx = " + dy.item() + ", d2y/dx2 = " + d2y.item());
    }
}
