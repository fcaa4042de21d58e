package dev.ember.examples;

import dev.ember.engine.DType;
import dev.ember.engine.Device;
import dev.ember.engine.Generator;
import dev.ember.engine.Tensor;
import dev.ember.engine.nn.CrossEntropyLoss;
import dev.ember.engine.nn.Linear;
import dev.ember.engine.nn.Module;
import dev.ember.engine.nn.ReLU;
import dev.ember.engine.nn.Sequential;
import dev.ember.engine.optim.Adam;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Ember on cuda:0 next to references measured in the same run: float32 GEMM GFLOP/s (fp32, then TF32) against
 * PyTorch on the same GPU ({@code examples/python/bench_cuda_torch.py}, where torch with CUDA is installed) and
 * against Ember on the cpu; and MLP training samples/s (784-256-128-10, Adam, batch 128) on cuda, on the cpu
 * and in PyTorch. Usage: {@code BenchCuda [n ...]} (default 1024 2048 4096). Without a GPU it says why and stops;
 * on the emulated device ({@code -Dember.cuda.emulator=...}) it only shows that the path runs: use small n.
 */
public final class BenchCuda {
    private BenchCuda() {}

    public static void main(String[] args) throws Exception {
        if (!Device.isCudaAvailable()) {
            System.out.println("bench-cuda: no CUDA device: " + Device.cudaStatus());
            return;
        }
        Device cuda = Device.cuda(0);
        int[] sizes = args.length > 0 ? Arrays.stream(args).mapToInt(Integer::parseInt).toArray() : new int[] {1024, 2048, 4096};
        boolean emulated = Device.cudaStatus().startsWith("emulated");
        System.out.println("device: " + cuda.describe() + " (" + Device.cudaStatus() + ")");
        List<String> torch = torchReference(sizes, emulated);

        System.out.printf(Locale.ROOT, "%-6s %6s %14s %16s %10s %14s %10s%n", "gemm", "n", "ember GFLOP/s", "torch GFLOP/s", "vs torch",
                "ember cpu", "vs cpu");
        for (boolean tf32 : new boolean[] {false, true}) {
            Device.setAllowTf32(tf32);
            for (int n : sizes) {
                double gpu = gemmGflops(n, cuda), cpu = tf32 ? Double.NaN : gemmGflops(Math.min(n, 1024), Device.CPU);
                double ref = figure(torch, "\"what\": \"gemm\", \"tf32\": " + (tf32 ? "true" : "false") + ", \"n\": " + n + ",", "gflops");
                System.out.printf(Locale.ROOT, "%-6s %6d %14.1f %16s %10s %14s %10s%n", tf32 ? "tf32" : "fp32", n, gpu,
                        Double.isNaN(ref) ? "-" : String.format(Locale.ROOT, "%.1f", ref),
                        Double.isNaN(ref) ? "-" : String.format(Locale.ROOT, "%.2fx", gpu / ref),
                        Double.isNaN(cpu) ? "-" : String.format(Locale.ROOT, "%.1f (n=%d)", cpu, Math.min(n, 1024)),
                        Double.isNaN(cpu) ? "-" : String.format(Locale.ROOT, "%.1fx", gpu / cpu));
            }
        }
        Device.setAllowTf32(false);
        int steps = emulated ? 3 : 200;
        double gpu = mlpSamplesPerSecond(cuda, steps), cpu = mlpSamplesPerSecond(Device.CPU, Math.min(steps, 50));
        double ref = figure(torch, "\"what\": \"mlp\"", "samples_per_s");
        System.out.printf(Locale.ROOT, "mlp training (batch 128): ember cuda %.0f samples/s, ember cpu %.0f (%.1fx), torch cuda %s%n", gpu, cpu, gpu / cpu,
                Double.isNaN(ref) ? "-" : String.format(Locale.ROOT, "%.0f (%.2fx)", ref, gpu / ref));
        if (torch.isEmpty()) System.out.println("torch reference: not available here (needs python3 with a CUDA build of torch)");
    }

    /** GFLOP/s of an n x n float32 product on device, after a warm-up, over at least 0.5 s. */
    private static double gemmGflops(int n, Device device) {
        Generator g = new Generator(1);
        Tensor a = Tensor.randn(new int[] {n, n}, DType.FLOAT32, g).to(device), b = Tensor.randn(new int[] {n, n}, DType.FLOAT32, g).to(device);
        a.matmul(b);
        device.synchronize();
        int reps = 0;
        long start = System.nanoTime();
        do {
            a.matmul(b);
            reps++;
            device.synchronize();
        } while (System.nanoTime() - start < 500_000_000L && reps < 1000);
        return 2.0 * n * n * n * reps / ((System.nanoTime() - start) / 1e9) / 1e9;
    }

    private static double mlpSamplesPerSecond(Device device, int steps) {
        Tensor.manualSeed(0);
        Module model = new Sequential(new Linear(784, 256), new ReLU(), new Linear(256, 128), new ReLU(), new Linear(128, 10)).to(device);
        Adam opt = new Adam(model.parameters(), 1e-3);
        Generator g = new Generator(2);
        Tensor x = Tensor.randn(new int[] {128, 784}, DType.FLOAT32, g).to(device);
        Tensor y = Tensor.randint(0, 10, new int[] {128}, g).to(device);
        CrossEntropyLoss loss = new CrossEntropyLoss();
        Runnable step = () -> {
            opt.zeroGrad();
            loss.forward(model.forward(x), y).backward();
            opt.step();
        };
        step.run();
        device.synchronize();
        long start = System.nanoTime();
        for (int i = 0; i < steps; i++) step.run();
        device.synchronize();
        return 128.0 * steps / ((System.nanoTime() - start) / 1e9);
    }

    /** PyTorch's JSON lines, or none where python3 has no CUDA torch (or on the emulator, which torch cannot use). */
    private static List<String> torchReference(int[] sizes, boolean emulated) {
        List<String> lines = new ArrayList<>();
        if (emulated) return lines;
        List<String> cmd = new ArrayList<>(List.of("python3", "examples/python/bench_cuda_torch.py"));
        for (int n : sizes) cmd.add(Integer.toString(n));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) if (line.startsWith("{\"what\"")) lines.add(line);
            }
            p.waitFor();
        } catch (Exception e) {
            System.out.println("torch reference: " + e.getMessage());
        }
        return lines;
    }

    private static double figure(List<String> lines, String key, String field) {
        Pattern value = Pattern.compile("\"" + field + "\": ([0-9.eE+-]+)");
        for (String line : lines) {
            if (!line.contains(key)) continue;
            Matcher m = value.matcher(line);
            if (m.find()) return Double.parseDouble(m.group(1));
        }
        return Double.NaN;
    }
}
