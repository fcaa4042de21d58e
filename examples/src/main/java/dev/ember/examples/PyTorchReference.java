package dev.ember.examples;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs a PyTorch reference script ({@code examples/python/NAME}) with Debian's {@code /usr/bin/python3} on a
 * given number of threads, for the benchmarks that print Ember's figures next to PyTorch's in the same run.
 */
final class PyTorchReference {
    private PyTorchReference() {}

    /**
     * The script's output lines; empty, with the reason printed, when the script or Python is missing or the
     * script fails (e.g. PyTorch is not installed).
     */
    static List<String> run(String script, int threads, String... args) throws Exception {
        return run(script, threads, threads, args);
    }

    /** As {@link #run(String, int, String...)}, with PyTorch's own threads (OpenMP) and OpenBLAS's threads set apart. */
    static List<String> run(String script, int torchThreads, int blasThreads, String... args) throws Exception {
        Path path = Path.of("examples/python", script);
        List<String> lines = new ArrayList<>();
        if (!Files.exists(path) || !Files.exists(Path.of("/usr/bin/python3"))) {
            System.out.println("PyTorch reference " + path + " or /usr/bin/python3 not found; printing Ember's figures only");
            return lines;
        }
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/python3", path.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        // torch.set_num_threads does not reach Debian's OpenBLAS, which otherwise starts one thread per core
        // inside every matmul: a "1 thread" PyTorch run would use both cores.
        pb.environment().put("OPENBLAS_NUM_THREADS", Integer.toString(blasThreads));
        pb.environment().put("OMP_NUM_THREADS", Integer.toString(torchThreads));
        Process p = pb.start();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream()))) {
            for (String s; (s = r.readLine()) != null; ) lines.add(s);
        }
        if (p.waitFor() != 0) {
            System.out.println("PyTorch reference failed (install it with `apt-get install -y python3-torch libopenblas0-pthread`):\n" + String.join("\n", lines));
            lines.clear();
        }
        return lines;
    }
}
