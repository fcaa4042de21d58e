package dev.ember.examples;

import dev.ember.engine.Tensor;
import dev.ember.engine.autograd.GradMode;
import dev.ember.engine.data.DataLoader;
import dev.ember.engine.data.TensorDataset;
import dev.ember.engine.nn.BCEWithLogitsLoss;
import dev.ember.engine.nn.Linear;
import dev.ember.engine.optim.SGD;

/**
 * Tutorial walkthrough: a one-layer perceptron on two Gaussian blobs, trained with BCEWithLogitsLoss
 * over a shuffled DataLoader.
 */
public final class Perceptron {
    /** Two blobs around (-2, -2) (label 0) and (2, 2) (label 1). */
    static Tensor[] blobs(int perClass) {
        Tensor a = Tensor.randn(perClass, 2).sub(2), b = Tensor.randn(perClass, 2).add(2);
        Tensor x = Tensor.cat(0, a, b);
        Tensor y = Tensor.cat(0, Tensor.zeros(perClass, 1), Tensor.ones(perClass, 1));
        return new Tensor[]{x, y};
    }

    /** Returns the training accuracy after `epochs`. */
    static double train(int epochs) {
        Tensor.manualSeed(0);
        Tensor[] data = blobs(200);
        DataLoader<Tensor[]> loader = DataLoader.builder(new TensorDataset(data)).batchSize(32).shuffle(true).seed(0).build();
        Linear model = new Linear(2, 1);
        BCEWithLogitsLoss loss = new BCEWithLogitsLoss();
        SGD opt = new SGD(model.parameters(), 0.1);
        for (int epoch = 1; epoch <= epochs; epoch++) {
            double sum = 0;
            for (Tensor[] batch : loader) {
                opt.zeroGrad();
                Tensor l = loss.forward(model.forward(batch[0]), batch[1]);
                l.backward();
                opt.step();
                sum += l.item() * batch[0].size(0);
            }
            System.out.printf("epoch %2d  loss %.4f%n", epoch, sum / data[0].size(0));
        }
        try (var g = GradMode.noGrad()) {
            return model.forward(data[0]).gt(0).toFloat().eq(data[1]).toFloat().mean().item();
        }
    }

    public static void main(String[] args) {
        System.out.printf("training accuracy %.3f%n", train(10));
    }
}
