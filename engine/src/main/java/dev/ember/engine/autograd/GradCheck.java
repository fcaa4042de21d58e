package dev.ember.engine.autograd;

import dev.ember.engine.DType;
import dev.ember.engine.Generator;
import dev.ember.engine.Shape;
import dev.ember.engine.Tensor;

import java.util.function.Function;

/**
 * torch.autograd.gradcheck: compares the gradients backward computes with central finite differences.
 * Inputs should be float64 leaves that require grad; they may be non-contiguous views.
 */
public final class GradCheck {
    private GradCheck() {}

    /** Checks with eps 1e-6, atol 1e-5, rtol 1e-3; throws AssertionError describing the first mismatch. */
    public static void check(Function<Tensor[], Tensor> f, Tensor... inputs) { check(f, 1e-6, 1e-5, 1e-3, inputs); }

    public static void check(Function<Tensor[], Tensor> f, double eps, double atol, double rtol, Tensor... inputs) {
        for (int i = 0; i < inputs.length; i++) {
            if (inputs[i].dtype() != DType.FLOAT64) throw new IllegalArgumentException("gradcheck wants float64 inputs for accuracy; input " + i + " is " + inputs[i].dtype());
        }
        Tensor out = f.apply(inputs);
        if (!out.requiresGrad()) throw new AssertionError("gradcheck: the output does not require grad; no input reached it through a differentiable op");
        // Project the output on a few random directions v and compare v^T J from backward and from differences.
        Generator g = new Generator(1234);
        int projections = out.numel() <= 16 ? out.numel() : 3;
        for (int p = 0; p < projections; p++) {
            Tensor v = (out.numel() <= 16 ? oneHot(out.shape(), p) : Tensor.randn(out.shape(), DType.FLOAT64, g)).to(out.device());
            Tensor[] analytic = Backward.grad(new Tensor[]{f.apply(inputs)}, new Tensor[]{v}, inputs, false, false, true);
            for (int i = 0; i < inputs.length; i++) {
                Tensor x = inputs[i];
                if (!x.requiresGrad()) continue;
                if (analytic[i] != null && !java.util.Arrays.equals(analytic[i].shape(), x.shape())) {
                    throw new AssertionError("gradient for input " + i + " has shape " + Shape.str(analytic[i].shape()) + " but the input has shape " + Shape.str(x.shape()));
                }
                double[] a = analytic[i] == null ? new double[x.numel()] : analytic[i].toDoubleArray();
                for (int e = 0; e < x.numel(); e++) {
                    double plus, minus;
                    try (var m = GradMode.noGrad()) {
                        // A 0-d view of element e, written through tensor ops so any device works.
                        Tensor element = element(x.detach(), e);
                        double orig = element.item();
                        element.fill_(orig + eps);
                        plus = f.apply(inputs).toDouble().mul(v).sum().item();
                        element.fill_(orig - eps);
                        minus = f.apply(inputs).toDouble().mul(v).sum().item();
                        element.fill_(orig);
                    }
                    double numeric = (plus - minus) / (2 * eps);
                    if (!(Math.abs(numeric - a[e]) <= atol + rtol * Math.abs(numeric))) {
                        throw new AssertionError("Jacobian mismatch for input " + i + " (shape " + Shape.str(x.shape()) + "), element " + e + ", projection " + p
                                + ": numerical " + numeric + " vs analytical " + a[e]);
                    }
                }
            }
        }
    }

    private static Tensor oneHot(int[] shape, int index) {
        Tensor v = Tensor.zeros(shape, DType.FLOAT64);
        v.storage().setDouble(index, 1);
        return v;
    }

    /** The 0-d view of x's element e in row-major order (x may be a strided view). */
    private static Tensor element(Tensor x, int e) {
        int[] shape = x.shape();
        int[] index = new int[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            index[d] = e % shape[d];
            e /= shape[d];
        }
        Tensor view = x;
        for (int d = 0; d < shape.length; d++) view = view.select(0, index[d]);
        return view;
    }
}
