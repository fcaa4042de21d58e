package dev.ember.examples;

import dev.ember.engine.io.FileDigests;
import dev.ember.engine.nn.spec.ModelSpec;
import dev.ember.engine.io.SavedModel;
import dev.ember.engine.nn.Module;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import java.util.zip.CRC32C;
import java.util.zip.Checksum;

/**
 * Times {@link SavedModel#save} and {@link SavedModel#load} of a Fashion-MNIST MLP (784-256-128-10, 0.9 MB of
 * weights) and a larger one (784-4096-2048-1024-10, 55 MB), and the throughput of the digests a saved model could
 * carry (SHA-256, CRC32C, CRC32) over an in-memory buffer. Medians of several runs after warm-up; the files go to
 * the default temporary directory, so load times are page-cache reads, save times include the fsync.
 */
public final class BenchSaveLoad {
    private BenchSaveLoad() {}

    public static void main(String[] args) throws Exception {
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 9;
        digests(reps);
        model("784-256-128-10", new int[]{784, 256, 128, 10}, reps);
        model("784-4096-2048-1024-10", new int[]{784, 4096, 2048, 1024, 10}, reps);
    }

    private static void digests(int reps) throws Exception {
        byte[] data = new byte[64 << 20];
        new Random(1).nextBytes(data);
        System.out.printf("digest throughput over %d MB in memory (median of %d):%n", data.length >> 20, reps);
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        report("SHA-256", data.length, reps, () -> sha.digest(data));
        report("CRC32C", data.length, reps, () -> checksum(new CRC32C(), data));
        report("CRC32", data.length, reps, () -> checksum(new CRC32(), data));
    }

    private static long checksum(Checksum c, byte[] data) {
        // 1 MB slices, as a file is read.
        for (int at = 0; at < data.length; at += 1 << 20) c.update(ByteBuffer.wrap(data, at, Math.min(1 << 20, data.length - at)));
        return c.getValue();
    }

    private interface Body {
        Object run() throws Exception;
    }

    private static void report(String name, long bytes, int reps, Body body) throws Exception {
        double ms = medianMs(reps, body);
        System.out.printf("  %-8s %8.0f MB/s  (%.1f ms)%n", name, bytes / 1e6 / (ms / 1e3), ms);
    }

    private static double medianMs(int reps, Body body) throws Exception {
        for (int i = 0; i < 3; i++) body.run();
        double[] t = new double[reps];
        for (int i = 0; i < reps; i++) {
            long t0 = System.nanoTime();
            body.run();
            t[i] = (System.nanoTime() - t0) / 1e6;
        }
        Arrays.sort(t);
        return t[reps / 2];
    }

    private static void model(String name, int[] widths, int reps) throws Exception {
        List<ModelSpec.Layer> layers = new ArrayList<>();
        for (int i = 0; i + 1 < widths.length; i++) {
            if (i > 0) layers.add(ModelSpec.Layer.of("ReLU"));
            layers.add(ModelSpec.Layer.of("Linear", "in_features", widths[i], "out_features", widths[i + 1]));
        }
        ModelSpec spec = new ModelSpec(layers);
        Module model = spec.build();
        Path root = Files.createTempDirectory("bench-save-load-");
        try {
            Path dir = root.resolve("model");
            double save = medianMs(reps, () -> {
                SavedModel.save(spec, model, dir);
                return null;
            });
            double load = medianMs(reps, () -> SavedModel.load(dir));
            long bytes;
            try (Stream<Path> s = Files.list(dir)) {
                bytes = s.mapToLong(p -> p.toFile().length()).sum();
            }
            System.out.printf("%-22s %7.1f MB on disk: save %7.1f ms, load %7.1f ms (median of %d)%n", name, bytes / 1e6, save, load, reps);
            // What the digests add: one CRC32C pass over each file (page cache), on save and again on load.
            double digest = medianMs(reps, () -> {
                for (String f : new String[]{SavedModel.SPEC_FILE, SavedModel.WEIGHTS_FILE}) FileDigests.digest(FileDigests.CRC32C_NAME, dir.resolve(f));
                return null;
            });
            System.out.printf("%-22s CRC32C of the saved files from the page cache: %.1f ms%n", "", digest);
        } finally {
            deleteTree(root);
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) Files.deleteIfExists(p);
        }
    }
}
