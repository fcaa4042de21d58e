package dev.ember.examples;

import dev.ember.engine.Tensor;
import dev.ember.engine.Threads;
import dev.ember.engine.nn.LSTM;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code examples/run bench-rnn [reps=10] [T ...]}: LSTM(32, 128), batch 32, forward + backward of output.sum() for
 * T = 25, 50, 100, 200 (or the given T) on one thread, best of reps, next to PyTorch ({@code /usr/bin/python3}, one thread).
 * Time per step should stay flat as T grows: backward through time is linear in T.
 */
public final class BenchRnn {
    static final int INPUT = 32, HIDDEN = 128, BATCH = 32;

    public static void main(String[] args) throws Exception {
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        int[] lengths = args.length > 1 ? Arrays.stream(args, 1, args.length).mapToInt(Integer::parseInt).toArray() : new int[]{25, 50, 100, 200};
        Threads.setNumThreads(1);
        Map<Integer, Double> ref = torch(reps, lengths);
        System.out.printf("LSTM(%d, %d), batch %d, forward+backward, 1 thread, best of %d%n", INPUT, HIDDEN, BATCH, reps);
        System.out.printf("%-5s %12s %12s %12s %12s %8s%n", "T", "ember ms", "ember ms/t", "torch ms", "torch ms/t", "ratio");
        Tensor.manualSeed(0);
        LSTM lstm = new LSTM(INPUT, HIDDEN);
        // JIT warm-up: C2 compiles the larger kernels only after thousands of calls, so give it seconds, not a few runs.
        for (long start = System.nanoTime(); System.nanoTime() - start < 4_000_000_000L; ) time(lstm, 50);
        for (int steps : lengths) {
            double best = Double.MAX_VALUE;
            for (int r = 0; r < reps; r++) best = Math.min(best, time(lstm, steps));
            Double t = ref.get(steps);
            System.out.printf("%-5d %12.2f %12.3f %12s %12s %8s%n", steps, best * 1e3, best * 1e3 / steps,
                    t == null ? "n/a" : String.format("%.2f", t * 1e3), t == null ? "n/a" : String.format("%.3f", t * 1e3 / steps),
                    t == null ? "n/a" : String.format("%.2fx", best / t));
        }
    }

    /** Seconds for one forward and backward pass over a fresh [steps, batch, input] sequence. */
    static double time(LSTM lstm, int steps) {
        Tensor x = Tensor.randn(steps, BATCH, INPUT).requiresGrad_();
        lstm.zeroGrad();
        long start = System.nanoTime();
        lstm.forward(x).sum().backward();
        return (System.nanoTime() - start) / 1e9;
    }

    /** Seconds per sequence by T from the PyTorch script; empty (with the reason printed) without PyTorch. */
    static Map<Integer, Double> torch(int reps, int[] lengths) throws Exception {
        List<String> args = new ArrayList<>(List.of("" + INPUT, "" + HIDDEN, "" + BATCH, "" + reps));
        for (int steps : lengths) args.add("" + steps);
        Pattern line = Pattern.compile("\"T\": ([0-9]+), \"seconds\": ([0-9.eE+-]+)");
        Map<Integer, Double> out = new HashMap<>();
        for (String s : PyTorchReference.run("bench_rnn_torch.py", 1, args.toArray(new String[0]))) {
            Matcher m = line.matcher(s);
            if (m.find()) out.put(Integer.parseInt(m.group(1)), Double.parseDouble(m.group(2)));
        }
        return out;
    }
}
