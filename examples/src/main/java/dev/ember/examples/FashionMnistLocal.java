package dev.ember.examples;

import dev.ember.engine.DType;
import dev.ember.engine.Generator;
import dev.ember.engine.Tensor;
import dev.ember.engine.autograd.GradMode;
import dev.ember.engine.backend.cpu.Parallel;
import dev.ember.engine.data.Idx;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Fashion-MNIST with nothing but engine tensors and autograd: an MLP 784-256-128-10 trained by
 * minibatch SGD with momentum, written out the way the PyTorch "from scratch" tutorials do.
 * Args: [epochs=5] [threads=all cores]. Data: /usr/share/datasets/fashion-mnist (Debian's dataset-fashion-mnist).
 */
public final class FashionMnistLocal {
    static final Path DATA = Path.of(System.getProperty("ember.fashion.dir", "/usr/share/datasets/fashion-mnist"));

    public static void main(String[] args) throws Exception {
        int epochs = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        if (args.length > 1) Parallel.setNumThreads(Integer.parseInt(args[1]));
        Tensor[] train = load("train"), test = load("t10k");
        System.out.printf("Fashion-MNIST: %d training and %d test images; %d threads%n", train[0].size(0), test[0].size(0), Parallel.numThreads());

        Tensor.manualSeed(0);
        Tensor w1 = init(784, 256), b1 = Tensor.zeros(256).requiresGrad_();
        Tensor w2 = init(256, 128), b2 = Tensor.zeros(128).requiresGrad_();
        Tensor w3 = init(128, 10), b3 = Tensor.zeros(10).requiresGrad_();
        List<Tensor> params = List.of(w1, b1, w2, b2, w3, b3);
        Tensor[] velocity = params.stream().map(Tensor::zerosLike).toArray(Tensor[]::new);
        double lr = 0.05, momentum = 0.9;
        int batch = 128, n = train[0].size(0);
        Generator shuffle = new Generator(1);

        for (int epoch = 1; epoch <= epochs; epoch++) {
            long start = System.nanoTime();
            Tensor order = Tensor.randperm(n, shuffle);
            double lossSum = 0;
            int steps = 0;
            for (int at = 0; at < n; at += batch) {
                Tensor idx = order.narrow(0, at, Math.min(batch, n - at));
                Tensor x = train[0].indexSelect(0, idx), y = train[1].indexSelect(0, idx);
                Tensor logits = x.matmul(w1).add(b1).relu().matmul(w2).add(b2).relu().matmul(w3).add(b3);
                Tensor loss = crossEntropy(logits, y);
                for (Tensor p : params) p.zeroGrad();
                loss.backward();
                try (var g = GradMode.noGrad()) {
                    for (int i = 0; i < params.size(); i++) {
                        velocity[i].mul_(momentum).add_(params.get(i).grad());
                        params.get(i).sub_(velocity[i].mul(lr));
                    }
                }
                lossSum += loss.item();
                steps++;
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            double acc;
            try (var g = GradMode.noGrad()) {
                Tensor logits = test[0].matmul(w1).add(b1).relu().matmul(w2).add(b2).relu().matmul(w3).add(b3);
                acc = logits.argmax(1).eq(test[1]).toDouble().mean().item();
            }
            System.out.printf("epoch %d  loss %.4f  test accuracy %.4f  %.0f samples/s  %.1f s%n", epoch, lossSum / steps, acc, n / seconds, seconds);
        }
    }

    /** Kaiming-normal weights for a ReLU layer, stored [in, out] so the forward pass is x @ w. */
    static Tensor init(int in, int out) {
        return Tensor.randn(in, out).mul(Math.sqrt(2.0 / in)).requiresGrad_();
    }

    /** Mean of logsumexp(logits) - logits[target]: cross-entropy from log-sum-exp, stable for large logits. */
    static Tensor crossEntropy(Tensor logits, Tensor target) {
        return logits.logsumexp(1, false).sub(logits.gather(1, target.unsqueeze(1)).squeeze(1)).mean();
    }

    /** Images as normalized float32 [N, 784] and labels as int64 [N]. */
    static Tensor[] load(String split) throws Exception {
        Path images = DATA.resolve(split + "-images-idx3-ubyte.gz"), labels = DATA.resolve(split + "-labels-idx1-ubyte.gz");
        if (!Files.exists(images)) {
            throw new IllegalStateException("Fashion-MNIST not found at " + images + ": install it with `apt-get install -y dataset-fashion-mnist`"
                    + " or point -Dember.fashion.dir at a folder with the IDX files");
        }
        Tensor x = Idx.read(images).to(DType.FLOAT32).div(255.0).sub(0.2860).div(0.3530);
        return new Tensor[]{x.reshape(x.size(0), -1), Idx.read(labels).to(DType.INT64)};
    }
}
