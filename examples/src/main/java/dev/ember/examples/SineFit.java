package dev.ember.examples;

import dev.ember.engine.Tensor;
import dev.ember.engine.autograd.GradMode;
import dev.ember.engine.nn.Linear;
import dev.ember.engine.nn.MSELoss;
import dev.ember.engine.nn.Module;
import dev.ember.engine.nn.Sequential;
import dev.ember.engine.nn.Tanh;
import dev.ember.engine.optim.Adam;

/** Tutorial walkthrough: fit sin(x) on [-pi, pi] with a small MLP and Adam; the seed makes runs identical. */
public final class SineFit {
    /** Trains from seed and returns the final test MSE and the trained model's output at x = 1. */
    static double[] train(long seed, int steps) {
        Tensor.manualSeed(seed);
        Tensor x = Tensor.linspace(-Math.PI, Math.PI, 200).unsqueeze(1), y = x.sin();
        Module model = new Sequential(new Linear(1, 32), new Tanh(), new Linear(32, 32), new Tanh(), new Linear(32, 1));
        MSELoss loss = new MSELoss();
        Adam opt = new Adam(model.parameters(), 0.01);
        for (int step = 1; step <= steps; step++) {
            opt.zeroGrad();
            Tensor l = loss.forward(model.forward(x), y);
            l.backward();
            opt.step();
            if (step % 200 == 0) System.out.printf("step %4d  mse %.6f%n", step, l.item());
        }
        try (var g = GradMode.noGrad()) {
            Tensor xt = Tensor.rand(100, 1).mul(2 * Math.PI).sub(Math.PI);
            double mse = model.forward(xt).sub(xt.sin()).pow(2).mean().item();
            return new double[]{mse, model.forward(Tensor.of(new float[][]{{1f}})).item()};
        }
    }

    public static void main(String[] args) {
        double[] a = train(7, 1000), b = train(7, 1000);
        System.out.printf("test MSE %.6f; f(1) = %.6f vs sin(1) = %.6f; same seed reproduces: %b%n", a[0], a[1], Math.sin(1), a[1] == b[1]);
    }
}
