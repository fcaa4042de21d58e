package dev.ember.examples;

import dev.ember.engine.Tensor;
import dev.ember.engine.Threads;
import dev.ember.engine.data.DataLoader;
import dev.ember.engine.data.TensorDataset;
import dev.ember.engine.nn.Conv2d;
import dev.ember.engine.nn.CrossEntropyLoss;
import dev.ember.engine.nn.Flatten;
import dev.ember.engine.nn.Linear;
import dev.ember.engine.nn.MaxPool2d;
import dev.ember.engine.nn.Module;
import dev.ember.engine.nn.ReLU;
import dev.ember.engine.nn.Sequential;
import dev.ember.engine.optim.Adam;
import dev.ember.engine.optim.CosineAnnealingLR;
import dev.ember.engine.train.Accuracy;
import dev.ember.engine.train.History;
import dev.ember.engine.train.Trainer;

/**
 * Fashion-MNIST with the engine alone (no Spark): an MLP 784-256-128-10 or a small CNN, Adam with a cosine learning-rate schedule,
 * cross-entropy, a shuffled DataLoader and the fit loop. Args: {@code mlp|cnn [epochs] [threads]}.
 */
public final class FashionMnist {
    static Module mlp() {
        return new Sequential(new Flatten(), new Linear(784, 256), new ReLU(), new Linear(256, 128), new ReLU(), new Linear(128, 10));
    }

    /** Two conv layers with pooling: 28x28 -> 14x14 -> 7x7, then a small classifier. */
    static Module cnn() {
        return new Sequential(
                new Conv2d(1, 32, 3, 1, 1), new ReLU(), new MaxPool2d(2),
                new Conv2d(32, 64, 3, 1, 1), new ReLU(), new MaxPool2d(2),
                new Flatten(), new Linear(64 * 7 * 7, 128), new ReLU(), new Linear(128, 10));
    }

    /** Trains and returns the history; the last "val_accuracy" is the test accuracy. */
    static History train(String model, int epochs, boolean quiet) throws Exception {
        Tensor[] train = FashionMnistData.load("train"), test = FashionMnistData.load("t10k");
        Tensor.manualSeed(0);
        Module net = model.equals("cnn") ? cnn() : mlp();
        if (!quiet) System.out.println(net.summary());
        DataLoader<Tensor[]> trainLoader = DataLoader.builder(new TensorDataset(train)).batchSize(128).shuffle(true).seed(1).prefetch(2).build();
        DataLoader<Tensor[]> testLoader = DataLoader.builder(new TensorDataset(test)).batchSize(1000).build();
        Adam adam = new Adam(net.parameters(), 1e-3);
        Trainer.Builder b = Trainer.builder(net, new CrossEntropyLoss()::forward, adam)
                .epochs(epochs).metric(new Accuracy()).scheduler(new CosineAnnealingLR(adam, epochs));
        if (quiet) b.quiet();
        return b.build().fit(trainLoader, testLoader);
    }

    public static void main(String[] args) throws Exception {
        String model = args.length > 0 ? args[0] : "mlp";
        if (!model.equals("mlp") && !model.equals("cnn")) throw new IllegalArgumentException("model must be mlp or cnn, got '" + model + "'");
        int epochs = args.length > 1 ? Integer.parseInt(args[1]) : model.equals("cnn") ? 6 : 15;
        if (args.length > 2) Threads.setNumThreads(Integer.parseInt(args[2]));
        System.out.printf("Fashion-MNIST %s, %d epochs, %d threads%n", model, epochs, Threads.getNumThreads());
        History h = train(model, epochs, false);
        System.out.printf("test accuracy %.4f%n", h.last("val_accuracy"));
    }
}
