package dev.ember.examples;

import dev.ember.engine.Tensor;
import dev.ember.engine.autograd.GradMode;
import dev.ember.engine.backend.cpu.Parallel;
import dev.ember.engine.data.DataLoader;
import dev.ember.engine.data.TensorDataset;
import dev.ember.engine.nn.CrossEntropyLoss;
import dev.ember.engine.nn.Module;
import dev.ember.engine.optim.Adam;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code examples/run bench-mlp [epochs=2]}: Fashion-MNIST MLP 784-256-128-10, Adam lr 1e-3, batch 128,
 * samples/s over full epochs and test accuracy after each, at 1 and 2 threads, next to PyTorch
 * ({@code /usr/bin/python3}, torch.set_num_threads) running the same model in the same run.
 */
public final class BenchMlp {
    /** One epoch's figures; threads says how PyTorch's threads were split (null for Ember). */
    record Epoch(double samplesPerSecond, double accuracy, String threads) {}

    public static void main(String[] args) throws Exception {
        int epochs = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        Tensor[] train = FashionMnistData.load("train"), test = FashionMnistData.load("t10k");
        System.out.printf("Fashion-MNIST MLP 784-256-128-10, Adam 1e-3, batch 128, %d epoch(s) per setting%n", epochs);
        System.out.printf("%-8s %-6s %14s %14s %8s %10s %10s  %s%n", "threads", "epoch", "ember samp/s", "torch samp/s", "ratio", "ember acc", "torch acc", "torch threads");
        for (int threads : new int[]{1, 2}) {
            // PyTorch first, while this JVM is idle: after Ember's run its JIT compiler threads may still be busy.
            List<Epoch> ref = torch(epochs, threads);
            List<Epoch> ours = ember(train, test, epochs, threads);
            for (int e = 0; e < epochs; e++) {
                Epoch o = ours.get(e), r = e < ref.size() ? ref.get(e) : null;
                System.out.printf("%-8d %-6d %14.0f %14s %8s %10.4f %10s  %s%n", threads, e + 1, o.samplesPerSecond,
                        r == null ? "n/a" : String.format("%.0f", r.samplesPerSecond), r == null ? "n/a" : String.format("%.2fx", o.samplesPerSecond / r.samplesPerSecond),
                        o.accuracy, r == null ? "n/a" : String.format("%.4f", r.accuracy), r == null ? "" : r.threads);
            }
        }
    }

    static List<Epoch> ember(Tensor[] train, Tensor[] test, int epochs, int threads) {
        Parallel.setNumThreads(threads);
        warmUp(train);
        Tensor.manualSeed(0);
        Module model = FashionMnist.mlp();
        Adam opt = new Adam(model.parameters(), 1e-3);
        CrossEntropyLoss loss = new CrossEntropyLoss();
        DataLoader<Tensor[]> loader = DataLoader.builder(new TensorDataset(train)).batchSize(128).shuffle(true).seed(1).build();
        List<Epoch> out = new ArrayList<>();
        for (int e = 0; e < epochs; e++) {
            long start = System.nanoTime();
            for (Tensor[] b : loader) {
                opt.zeroGrad();
                loss.forward(model.forward(b[0]), b[1]).backward();
                opt.step();
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            double acc;
            try (var g = GradMode.noGrad()) { acc = model.forward(test[0]).argmax(1).eq(test[1]).toFloat().mean().item(); }
            out.add(new Epoch(train[0].size(0) / seconds, acc, null));
        }
        return out;
    }

    /** A few hundred steps on a throwaway model, so the JIT has compiled the kernels before the clock starts. */
    static void warmUp(Tensor[] train) {
        Module model = FashionMnist.mlp();
        Adam opt = new Adam(model.parameters(), 1e-3);
        CrossEntropyLoss loss = new CrossEntropyLoss();
        Tensor x = train[0].narrow(0, 0, 128), y = train[1].narrow(0, 0, 128);
        for (int i = 0; i < 300; i++) {
            opt.zeroGrad();
            loss.forward(model.forward(x), y).backward();
            opt.step();
        }
    }

    /**
     * The PyTorch reference's epochs; empty (with the reason printed) when PyTorch is not installed. On several
     * threads PyTorch's best split is kept: its OpenMP threads and OpenBLAS's each spin on their own, so both at
     * N threads oversubscribe the cores (on 2 cores, ~10k samples/s against ~80k with OpenBLAS alone threaded).
     */
    static List<Epoch> torch(int epochs, int threads) throws Exception {
        List<Epoch> best = torch(epochs, threads, threads);
        if (threads > 1) {
            for (int[] split : new int[][]{{1, threads}, {threads, 1}}) {
                List<Epoch> run = torch(epochs, split[0], split[1]);
                if (!run.isEmpty() && (best.isEmpty() || run.get(run.size() - 1).samplesPerSecond > best.get(best.size() - 1).samplesPerSecond)) best = run;
            }
        }
        return best;
    }

    private static List<Epoch> torch(int epochs, int torchThreads, int blasThreads) throws Exception {
        Pattern line = Pattern.compile("\"samples_per_s\": ([0-9.eE+-]+).*\"test_accuracy\": ([0-9.eE+-]+)");
        Pattern blas = Pattern.compile("\"blas\": \"(.*)\"");
        List<Epoch> out = new ArrayList<>();
        String[] args = {FashionMnistData.DIR.toString(), Integer.toString(epochs), Integer.toString(torchThreads)};
        for (String s : PyTorchReference.run("bench_mlp_torch.py", torchThreads, blasThreads, args)) {
            Matcher m = line.matcher(s), b = blas.matcher(s);
            if (m.find()) out.add(new Epoch(Double.parseDouble(m.group(1)), Double.parseDouble(m.group(2)), torchThreads + " torch + " + blasThreads + " OpenBLAS"));
            else if (b.find() && blasThreads == 1 && torchThreads == 1) System.out.println("PyTorch's BLAS: " + b.group(1));
        }
        return out;
    }
}
