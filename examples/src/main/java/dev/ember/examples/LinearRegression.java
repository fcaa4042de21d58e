package dev.ember.examples;

import dev.ember.engine.Tensor;
import dev.ember.engine.nn.Linear;
import dev.ember.engine.nn.MSELoss;
import dev.ember.engine.optim.SGD;

/** Tutorial walkthrough: fit y = 1 + 2x + noise with Linear(1, 1), MSELoss and SGD; recovers 1 and 2. */
public final class LinearRegression {
    /** Returns {bias, weight} after training. */
    static double[] fit(int epochs) {
        Tensor.manualSeed(42);
        Tensor x = Tensor.rand(100, 1);
        Tensor y = x.mul(2).add(1).add(Tensor.randn(100, 1).mul(0.1));
        Linear model = new Linear(1, 1);
        MSELoss loss = new MSELoss();
        SGD opt = new SGD(model.parameters(), 0.1);
        for (int epoch = 0; epoch < epochs; epoch++) {
            opt.zeroGrad();
            Tensor l = loss.forward(model.forward(x), y);
            l.backward();
            opt.step();
            if (epoch % 100 == 0) System.out.printf("epoch %4d  loss %.5f%n", epoch, l.item());
        }
        return new double[]{model.bias.item(), model.weight.item()};
    }

    public static void main(String[] args) {
        double[] p = fit(1000);
        System.out.printf("learned y = %.3f + %.3f x  (true: 1 + 2x)%n", p[0], p[1]);
    }
}
