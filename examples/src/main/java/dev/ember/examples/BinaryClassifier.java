package dev.ember.examples;

import dev.ember.engine.Tensor;
import dev.ember.engine.autograd.GradMode;
import dev.ember.engine.nn.BCELoss;
import dev.ember.engine.nn.Linear;
import dev.ember.engine.nn.Module;
import dev.ember.engine.nn.ReLU;
import dev.ember.engine.nn.Sequential;
import dev.ember.engine.nn.Sigmoid;
import dev.ember.engine.optim.Adam;

/**
 * Tutorial walkthrough: a two-layer binary classifier with a sigmoid output and BCELoss, on points inside
 * vs outside a circle (not linearly separable, so the hidden layer matters).
 */
public final class BinaryClassifier {
    /** Points in [-1, 1]^2, label 1 inside the circle of radius 0.6. */
    static Tensor[] circle(int n) {
        Tensor x = Tensor.rand(n, 2).mul(2).sub(1);
        Tensor y = x.pow(2).sum(1, true).lt(0.36).toFloat();
        return new Tensor[]{x, y};
    }

    /** Returns the accuracy on fresh test points. */
    static double train(int epochs) {
        Tensor.manualSeed(1);
        Tensor[] train = circle(1000), test = circle(500);
        Module model = new Sequential(new Linear(2, 16), new ReLU(), new Linear(16, 1), new Sigmoid());
        BCELoss loss = new BCELoss();
        Adam opt = new Adam(model.parameters(), 0.05);
        for (int epoch = 1; epoch <= epochs; epoch++) {
            opt.zeroGrad();
            Tensor l = loss.forward(model.forward(train[0]), train[1]);
            l.backward();
            opt.step();
            if (epoch % 50 == 0) System.out.printf("epoch %3d  loss %.4f%n", epoch, l.item());
        }
        try (var g = GradMode.noGrad()) {
            return model.forward(test[0]).gt(0.5).toFloat().eq(test[1]).toFloat().mean().item();
        }
    }

    public static void main(String[] args) {
        System.out.printf("test accuracy %.3f%n", train(300));
    }
}
