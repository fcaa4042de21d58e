package dev.ember.engine.io;

import dev.ember.engine.Tensor;
import dev.ember.engine.autograd.GradMode;
import dev.ember.engine.nn.Module;
import dev.ember.engine.nn.spec.ModelSpec;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Saves a small model, then loads many seeded mutations of its files. Each load must end in a one-line
 * IOException naming the model's directory (a clear error) or in a model whose outputs are bit for bit the
 * original's; anything else (another exception, an Error such as OutOfMemoryError, different outputs) is recorded as
 * a failure with the case that caused it. Counts are kept per mutation class and outcome.
 *
 * <p>Classes: flips of 1-4 bytes in each file; truncation at every section boundary of the safetensors file (and
 * every offset of the JSON files) with digests and without; deleted and extra files; two same-shaped tensors
 * swapped; hostile safetensors headers with digests.json rewritten to match (so the safetensors reader alone must
 * refuse them): huge, negative and inconsistent header lengths, overlapping and out-of-range offsets, negative and
 * overflowing shapes, bad dtypes, non-UTF-8 bytes, duplicate keys, random values anywhere in the header; and headers
 * at the 100 MB size cap and one byte over it.
 */
final class SavedModelFuzzer {
    static final ModelSpec SPEC = ModelSpec.parse("""
            {"layers": [{"type": "Linear", "in_features": 4, "out_features": 6}, {"type": "ReLU"},
                        {"type": "Linear", "in_features": 6, "out_features": 6}, {"type": "Tanh"},
                        {"type": "Linear", "in_features": 6, "out_features": 3}]}
            """);
    private static final String SPEC_FILE = SavedModel.SPEC_FILE, WEIGHTS = SavedModel.WEIGHTS_FILE, DIGESTS = FileDigests.FILE;
    private static final Tensor X = Tensor.of(new float[][]{{0.5f, -1f, 2f, 0f}, {1f, 1f, -0.25f, 3f}, {-2f, 0.1f, 0f, -0.7f}});

    enum Outcome { CLEAR_ERROR, IDENTICAL }

    private final Path work;
    private final Random rnd;
    private final Map<String, byte[]> original = new LinkedHashMap<>();
    private final int[] expectedBits;
    /** The saved safetensors file's sections. */
    private final long headerLength;
    private final List<long[]> tensorRanges = new ArrayList<>();
    private final Map<String, Object> header;
    final Map<String, Map<Outcome, Integer>> counts = new TreeMap<>();
    final List<String> failures = new ArrayList<>();
    long slowestCaseMs;
    String slowestCase = "";

    SavedModelFuzzer(Path root, long seed) throws IOException {
        this.rnd = new Random(seed);
        Path saved = root.resolve("saved");
        Module model = SPEC.build();
        SavedModel.save(SPEC, model, saved);
        for (String name : List.of(SPEC_FILE, WEIGHTS, DIGESTS)) original.put(name, Files.readAllBytes(saved.resolve(name)));
        expectedBits = bits(outputs(model));
        work = root.resolve("case");
        byte[] w = original.get(WEIGHTS);
        headerLength = ByteBuffer.wrap(w, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        header = Json.parseObject(new String(w, 8, (int) headerLength, StandardCharsets.UTF_8).strip());
        header.forEach((k, v) -> {
            if (!k.equals("__metadata__") && v instanceof Map<?, ?> info) {
                List<?> offs = (List<?>) info.get("data_offsets");
                tensorRanges.add(new long[]{(Long) offs.get(0), (Long) offs.get(1)});
            }
        });
    }

    // ================================================================ running a case

    /** Writes the files (null: absent), loads the directory and records the outcome under {@code kind}. */
    private void load(String kind, String what, Map<String, byte[]> files) throws IOException {
        deleteTree(work);
        Files.createDirectories(work);
        for (Map.Entry<String, byte[]> f : files.entrySet()) {
            if (f.getValue() != null) Files.write(work.resolve(f.getKey()), f.getValue());
        }
        long t0 = System.nanoTime();
        Outcome outcome = null;
        try {
            Module m = SavedModel.load(work);
            if (Arrays.equals(bits(outputs(m)), expectedBits)) outcome = Outcome.IDENTICAL;
            else failures.add(kind + " [" + what + "]: loaded with different outputs (a silent change)");
        } catch (IOException e) {
            String msg = String.valueOf(e.getMessage());
            if (!msg.contains(work.toString())) failures.add(kind + " [" + what + "]: error names no file of " + work + ": " + msg);
            else if (msg.contains("\n")) failures.add(kind + " [" + what + "]: error spans several lines: " + msg);
            else outcome = Outcome.CLEAR_ERROR;
        } catch (Throwable t) { // OutOfMemoryError, StackOverflowError, a bare parser exception...: all failures
            failures.add(kind + " [" + what + "]: " + t);
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        if (ms > slowestCaseMs) {
            slowestCaseMs = ms;
            slowestCase = kind + " [" + what + "]";
        }
        if (outcome != null) counts.computeIfAbsent(kind, k -> new TreeMap<>()).merge(outcome, 1, Integer::sum);
    }

    private Map<String, byte[]> files() { return new LinkedHashMap<>(original); }

    /** The files with {@code name} replaced. */
    private Map<String, byte[]> with(String name, byte[] bytes) {
        Map<String, byte[]> f = files();
        f.put(name, bytes);
        return f;
    }

    /** The files with a new weights file and digests.json rewritten to match it: only the reader can refuse it. */
    private Map<String, byte[]> redigested(byte[] weights) throws IOException {
        Path tmp = Files.createTempFile(work.getParent(), "w", ".tmp");
        try {
            Files.write(tmp, weights);
            Files.write(tmp.resolveSibling("s.tmp"), original.get(SPEC_FILE));
            String json = FileDigests.create().add(SPEC_FILE, tmp.resolveSibling("s.tmp")).add(WEIGHTS, tmp).toJson();
            Map<String, byte[]> f = with(WEIGHTS, weights);
            f.put(DIGESTS, json.getBytes(StandardCharsets.UTF_8));
            return f;
        } finally {
            Files.deleteIfExists(tmp);
            Files.deleteIfExists(tmp.resolveSibling("s.tmp"));
        }
    }

    // ================================================================ mutation classes

    void flips(String file, int n) throws IOException {
        byte[] src = original.get(file);
        for (int i = 0; i < n; i++) {
            byte[] b = src.clone();
            int count = 1 + rnd.nextInt(4);
            StringBuilder what = new StringBuilder(file);
            for (int k = 0; k < count; k++) {
                int at = rnd.nextInt(b.length), mask = 1 + rnd.nextInt(255);
                b[at] ^= (byte) mask;
                what.append(" @").append(at).append("^").append(mask);
            }
            load("flip " + file, what.toString(), with(file, b));
        }
    }

    /** Every boundary of the safetensors file (±1) and every offset of the JSON files; at most {@code limit}, sampled. */
    void truncations(int limit, boolean withDigests) throws IOException {
        List<Object[]> cuts = new ArrayList<>();
        long dataStart = 8 + headerLength;
        List<Long> marks = new ArrayList<>(List.of(0L, 4L, 8L, 8 + (long) Json.write(header).length(), dataStart));
        for (long[] r : tensorRanges) {
            marks.add(dataStart + r[0]);
            marks.add(dataStart + r[1]);
        }
        int weightsLength = original.get(WEIGHTS).length;
        for (long m : marks) {
            for (long d = -1; d <= 1; d++) if (m + d >= 0 && m + d < weightsLength) cuts.add(new Object[]{WEIGHTS, (int) (m + d)});
        }
        for (String json : withDigests ? List.of(SPEC_FILE, DIGESTS) : List.of(SPEC_FILE)) {
            for (int at = 0; at < original.get(json).length; at++) cuts.add(new Object[]{json, at});
        }
        java.util.Collections.shuffle(cuts, rnd);
        String kind = withDigests ? "truncate" : "truncate, no digests";
        for (Object[] c : cuts.subList(0, Math.min(limit, cuts.size()))) {
            String file = (String) c[0];
            Map<String, byte[]> f = with(file, Arrays.copyOf(original.get(file), (int) c[1]));
            if (!withDigests) f.remove(DIGESTS);
            load(kind, file + " to " + c[1] + " bytes", f);
        }
    }

    void deletions() throws IOException {
        for (String name : original.keySet()) {
            Map<String, byte[]> f = files();
            f.remove(name);
            load("delete", name, f);
        }
        load("delete", "every file", new LinkedHashMap<>());
    }

    void extraFiles(int n) throws IOException {
        String[] names = {"model.safetensors.bak", "junk.bin", ".hidden", "digests.json~", "model.json.orig", "README", "0.weight", "model.pt"};
        for (int i = 0; i < n; i++) {
            Map<String, byte[]> f = files();
            int k = 1 + rnd.nextInt(3);
            for (int j = 0; j < k; j++) {
                byte[] junk = new byte[rnd.nextInt(4096)];
                rnd.nextBytes(junk);
                f.put(names[rnd.nextInt(names.length)], rnd.nextBoolean() ? junk : original.get(WEIGHTS));
            }
            load("extra files", f.keySet().toString(), f);
        }
    }

    /** Two same-shaped tensors swapped: their bytes in the data section, or their names in the header. */
    void swaps() throws IOException {
        byte[] w = original.get(WEIGHTS);
        List<String> names = new ArrayList<>();
        header.forEach((k, v) -> { if (!k.equals("__metadata__")) names.add(k); });
        for (int a = 0; a < names.size(); a++) {
            for (int b = a + 1; b < names.size(); b++) {
                Map<?, ?> ia = (Map<?, ?>) header.get(names.get(a)), ib = (Map<?, ?>) header.get(names.get(b));
                if (!ia.get("shape").equals(ib.get("shape"))) continue;
                long[] ra = tensorRanges.get(a), rb = tensorRanges.get(b);
                byte[] data = w.clone();
                int start = (int) (8 + headerLength);
                System.arraycopy(w, start + (int) ra[0], data, start + (int) rb[0], (int) (ra[1] - ra[0]));
                System.arraycopy(w, start + (int) rb[0], data, start + (int) ra[0], (int) (rb[1] - rb[0]));
                load("swap same-shaped tensors", "data of " + names.get(a) + " and " + names.get(b), with(WEIGHTS, data));
                Map<String, Object> h = deepCopy(header);
                Object t = h.get(names.get(a));
                h.put(names.get(a), h.get(names.get(b)));
                h.put(names.get(b), t);
                load("swap same-shaped tensors", "header entries of " + names.get(a) + " and " + names.get(b), with(WEIGHTS, withHeader(h)));
            }
        }
    }

    void hostileHeaders(int n) throws IOException {
        for (int i = 0; i < n; i++) {
            int kind = rnd.nextInt(8);
            String[] what = new String[1];
            byte[] w = switch (kind) {
                case 0 -> hostileLength(what);
                case 1 -> hostileOffsets(what);
                case 2 -> hostileShape(what);
                case 3 -> hostileDtype(what);
                case 4 -> nonUtf8(what);
                case 5 -> duplicateKey(what);
                case 6 -> randomValue(what);
                default -> badPadding(what);
            };
            load("hostile header: " + what[0].split(":")[0], what[0], redigested(w));
        }
    }

    /** A valid header padded to exactly the 100 MB cap loads; one byte more is refused. */
    void headersAtTheCap() throws IOException {
        for (long size : new long[]{SafeTensors.MAX_HEADER_BYTES, SafeTensors.MAX_HEADER_BYTES + 8}) {
            byte[] json = Json.write(header).getBytes(StandardCharsets.UTF_8);
            load("header at the size cap", "header of " + size + " bytes", redigested(assemble(json, (int) size, ' ')));
        }
    }

    // ================================================================ hostile headers

    private byte[] hostileLength(String[] what) {
        byte[] w = original.get(WEIGHTS).clone();
        long n = switch (rnd.nextInt(7)) {
            case 0 -> Long.MIN_VALUE + rnd.nextInt(1000);
            case 1 -> -1 - rnd.nextInt(1000);
            case 2 -> SafeTensors.MAX_HEADER_BYTES + 1 + rnd.nextInt(1 << 20);
            case 3 -> (1L << 31) + rnd.nextInt(1 << 30);
            case 4 -> w.length - 8 + 1 + rnd.nextInt(100); // longer than the file
            case 5 -> headerLength + 8 * (1 + rnd.nextInt(4)); // swallows data bytes into the header
            default -> rnd.nextInt((int) headerLength); // cuts the JSON short
        };
        ByteBuffer.wrap(w, 0, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(n);
        what[0] = "length: " + Long.toUnsignedString(n);
        return w;
    }

    private byte[] hostileOffsets(String[] what) {
        Map<String, Object> h = deepCopy(header);
        String name = randomTensor(h);
        @SuppressWarnings("unchecked") Map<String, Object> info = (Map<String, Object>) h.get(name);
        List<?> offs = (List<?>) info.get("data_offsets");
        long b = (Long) offs.get(0), e = (Long) offs.get(1), size = e - b;
        long k = 1 + rnd.nextInt(16);
        Object bad = switch (rnd.nextInt(8)) {
            case 0 -> List.of(b - Math.min(b, 4 * k), e - Math.min(b, 4 * k)); // slides onto the previous tensor
            case 1 -> List.of(b + 4 * k, e + 4 * k); // overlaps the next tensor or runs past the data
            case 2 -> List.of(e, b); // begin after end
            case 3 -> List.of(-b - k, e);
            case 4 -> List.of(b + (1L << 62), e + (1L << 62));
            case 5 -> List.of(Long.MAX_VALUE - size + 1, Long.MAX_VALUE);
            case 6 -> List.of(b, e, e + size);
            default -> List.of(b + 0.5, (double) e);
        };
        info.put("data_offsets", bad);
        what[0] = "offsets: " + name + " " + bad;
        return withHeader(h);
    }

    private byte[] hostileShape(String[] what) {
        Map<String, Object> h = deepCopy(header);
        String name = randomTensor(h);
        @SuppressWarnings("unchecked") Map<String, Object> info = (Map<String, Object>) h.get(name);
        Object bad = switch (rnd.nextInt(8)) {
            case 0 -> List.of(-1L - rnd.nextInt(100));
            case 1 -> List.of(6L, -6L);
            case 2 -> List.of(1L << 31, 1L << 31);
            case 3 -> List.of(65536L, 65536L, 65536L);
            case 4 -> List.of(Long.MAX_VALUE);
            case 5 -> List.of((long) Integer.MAX_VALUE, (long) Integer.MAX_VALUE);
            case 6 -> List.of(6.0);
            default -> List.of("6");
        };
        info.put("shape", bad);
        what[0] = "shape: " + name + " " + bad;
        return withHeader(h);
    }

    private byte[] hostileDtype(String[] what) {
        Map<String, Object> h = deepCopy(header);
        String name = randomTensor(h);
        @SuppressWarnings("unchecked") Map<String, Object> info = (Map<String, Object>) h.get(name);
        // Every dtype here is unknown or of another item size; I32 (same size, other meaning) is the one change only a
        // digest can catch, and this class runs with digests rewritten to match.
        Object[] bad = {"F8", "C64", "f32", "", "F64", "I64", "U8", "BOOL", "F16", "BF16", 32L, null, List.of("F32")};
        Object dt = bad[rnd.nextInt(bad.length)];
        info.put("dtype", dt);
        what[0] = "dtype: " + name + " " + dt;
        return withHeader(h);
    }

    private byte[] nonUtf8(String[] what) {
        byte[] json = Json.write(header).getBytes(StandardCharsets.UTF_8);
        byte[][] bad = {{(byte) 0xff}, {(byte) 0xc0, (byte) 0x80}, {(byte) 0x80}, {(byte) 0xed, (byte) 0xa0, (byte) 0x80}, {(byte) 0xf8, (byte) 0x88, (byte) 0x80, (byte) 0x80, (byte) 0x80}, {(byte) 0xe2, (byte) 0x82}};
        byte[] ins = bad[rnd.nextInt(bad.length)];
        int at = rnd.nextInt(json.length + 1);
        byte[] out = new byte[json.length + ins.length];
        System.arraycopy(json, 0, out, 0, at);
        System.arraycopy(ins, 0, out, at, ins.length);
        System.arraycopy(json, at, out, at + ins.length, json.length - at);
        what[0] = "non-UTF-8: " + java.util.HexFormat.of().formatHex(ins) + " at " + at;
        return assemble(out, (out.length + 7) & ~7, ' ');
    }

    private byte[] duplicateKey(String[] what) {
        String json = Json.write(header);
        String name = randomTensor(header);
        String entry = "\"" + name + "\":" + Json.write(header.get(name));
        String dup = rnd.nextBoolean()
                ? json.replace(entry, entry + "," + entry)
                : json.replace(entry, entry.replaceFirst("\"dtype\":\"F32\"", "\"dtype\":\"F32\",\"dtype\":\"F32\""));
        what[0] = "duplicate key: " + name;
        byte[] out = dup.getBytes(StandardCharsets.UTF_8);
        return assemble(out, (out.length + 7) & ~7, ' ');
    }

    /** Any one value of the header (a tensor entry, a field, a list item, the metadata) replaced by a random value. */
    @SuppressWarnings("unchecked")
    private byte[] randomValue(String[] what) {
        Map<String, Object> h = deepCopy(header);
        List<String> keys = new ArrayList<>(h.keySet());
        String key = keys.get(rnd.nextInt(keys.size()));
        Object value = randomJson();
        if (rnd.nextInt(3) == 0 || !(h.get(key) instanceof Map)) {
            h.put(key, value);
            what[0] = "random value: " + key + " = " + Json.write(value);
        } else {
            Map<String, Object> inner = (Map<String, Object>) h.get(key);
            List<String> fields = new ArrayList<>(inner.keySet());
            fields.add("unknown_field");
            String field = fields.get(rnd.nextInt(fields.size()));
            if (rnd.nextInt(4) == 0) inner.remove(field);
            else inner.put(field, value);
            what[0] = "random value: " + key + "." + field + " = " + Json.write(value);
        }
        return withHeader(h);
    }

    private Object randomJson() {
        return switch (rnd.nextInt(10)) {
            case 0 -> null;
            case 1 -> rnd.nextBoolean();
            case 2 -> (long) rnd.nextInt(200) - 100;
            case 3 -> rnd.nextLong();
            case 4 -> rnd.nextDouble() * 1e6;
            case 5 -> new String[]{"", "F32x", "pt", "\u00e9\u4e2d", "0.weight"}[rnd.nextInt(5)];
            case 6 -> List.of();
            case 7 -> List.of((long) rnd.nextInt(100), (long) rnd.nextInt(100));
            case 8 -> Map.of();
            default -> Map.of("dtype", "F32", "shape", List.of(6L), "data_offsets", List.of(0L, 24L));
        };
    }

    private byte[] badPadding(String[] what) {
        byte[] json = Json.write(header).getBytes(StandardCharsets.UTF_8);
        char pad = new char[]{'\0', 'x', '\n', '\t', '}'}[rnd.nextInt(5)];
        what[0] = "padding: " + (int) pad;
        return assemble(json, ((json.length + 7) & ~7) + 8, pad);
    }

    // ================================================================ helpers

    private String randomTensor(Map<String, Object> h) {
        List<String> names = new ArrayList<>();
        h.forEach((k, v) -> { if (!k.equals("__metadata__")) names.add(k); });
        return names.get(rnd.nextInt(names.size()));
    }

    /** The weights file with another header (padded with spaces) over the original data. */
    private byte[] withHeader(Map<String, Object> h) {
        byte[] json = Json.write(h).getBytes(StandardCharsets.UTF_8);
        return assemble(json, (json.length + 7) & ~7, ' ');
    }

    private byte[] assemble(byte[] json, int headerSize, char pad) {
        byte[] w = original.get(WEIGHTS);
        int dataStart = (int) (8 + headerLength), dataLength = w.length - dataStart;
        byte[] out = new byte[8 + headerSize + dataLength];
        ByteBuffer.wrap(out, 0, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(headerSize);
        System.arraycopy(json, 0, out, 8, json.length);
        Arrays.fill(out, 8 + json.length, 8 + headerSize, (byte) pad);
        System.arraycopy(w, dataStart, out, 8 + headerSize, dataLength);
        return out;
    }

    @SuppressWarnings("unchecked")
    private static <T> T deepCopy(T v) {
        if (v instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            m.forEach((k, x) -> out.put((String) k, deepCopy(x)));
            return (T) out;
        }
        if (v instanceof List<?> l) {
            List<Object> out = new ArrayList<>();
            for (Object x : l) out.add(deepCopy(x));
            return (T) out;
        }
        return v;
    }

    private static float[] outputs(Module m) {
        try (var scope = GradMode.noGrad()) {
            return m.eval().forward(X).toFloatArray();
        }
    }

    private static int[] bits(float[] y) {
        int[] b = new int[y.length];
        for (int i = 0; i < y.length; i++) b[i] = Float.floatToRawIntBits(y[i]);
        return b;
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) return;
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) Files.deleteIfExists(p);
        }
    }

    int total() {
        int n = 0;
        for (Map<Outcome, Integer> m : counts.values()) for (int c : m.values()) n += c;
        return n + failures.size();
    }

    /** The counts as a table, one line per mutation class. */
    String table() {
        StringBuilder sb = new StringBuilder(String.format("%-40s %8s %12s %10s%n", "mutation class", "cases", "clear error", "identical"));
        counts.forEach((kind, m) -> {
            int e = m.getOrDefault(Outcome.CLEAR_ERROR, 0), s = m.getOrDefault(Outcome.IDENTICAL, 0);
            sb.append(String.format("%-40s %8d %12d %10d%n", kind, e + s, e, s));
        });
        sb.append(String.format("%-40s %8d   (failures: %d; slowest case %d ms: %s)%n", "total", total(), failures.size(), slowestCaseMs, slowestCase));
        return sb.toString();
    }
}
