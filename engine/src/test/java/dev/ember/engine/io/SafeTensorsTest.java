package dev.ember.engine.io;

import dev.ember.engine.DType;
import dev.ember.engine.Tensor;
import dev.ember.engine.nn.Linear;
import dev.ember.engine.nn.Module;
import dev.ember.engine.nn.ReLU;
import dev.ember.engine.nn.Sequential;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SafeTensorsTest {
    @TempDir Path dir;

    // ---------------------------------------------------------------- helpers

    /** A safetensors file built by hand from the spec: u64 LE length, header padded with spaces to 8, data. */
    private static byte[] file(String header, byte[] data) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        int padded = (h.length + 7) / 8 * 8;
        ByteBuffer b = ByteBuffer.allocate(8 + padded + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(padded).put(h);
        for (int i = h.length; i < padded; i++) b.put((byte) ' ');
        return b.put(data).array();
    }

    private static byte[] floats(float... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) b.putFloat(x);
        return b.array();
    }

    private Path write(byte[] bytes) throws IOException {
        Path p = dir.resolve("f.safetensors");
        Files.write(p, bytes);
        return p;
    }

    private String refusal(byte[] bytes) throws IOException {
        Path p = write(bytes);
        return assertThrows(IOException.class, () -> SafeTensors.load(p)).getMessage();
    }

    private List<String> listing() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    // ---------------------------------------------------------------- writing and round trips

    @Test
    void tinyFileHasTheSpecsBytes() throws IOException {
        Path p = dir.resolve("tiny.safetensors");
        SafeTensors.save(Map.of("a", Tensor.tensor(1f, -2f)), p);
        String header = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}"; // 54 bytes, padded to 56
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        expected.write(new byte[]{56, 0, 0, 0, 0, 0, 0, 0}, 0, 8);
        expected.writeBytes(header.getBytes(StandardCharsets.US_ASCII));
        expected.writeBytes(new byte[]{' ', ' '});
        expected.writeBytes(new byte[]{0, 0, (byte) 0x80, 0x3f}); // 1.0f = 0x3F800000, little-endian
        expected.writeBytes(new byte[]{0, 0, 0, (byte) 0xc0});    // -2.0f = 0xC0000000
        assertArrayEquals(expected.toByteArray(), Files.readAllBytes(p));
    }

    @Test
    void everyDtypeRoundTrips() throws IOException {
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("f32", Tensor.of(new float[][]{{1.5f, -2.25f, 3f}, {0f, 1e-3f, Float.NaN}}));
        in.put("f64", Tensor.of(new double[]{Math.PI, -1e300, Double.NEGATIVE_INFINITY}, DType.FLOAT64));
        in.put("i64", Tensor.tensor(Long.MIN_VALUE, -9007199254740993L, Long.MAX_VALUE));
        in.put("i32", Tensor.tensor(Integer.MIN_VALUE, 7, Integer.MAX_VALUE).reshape(3, 1));
        in.put("u8", Tensor.tensor(0, 255, 7).to(DType.UINT8));
        in.put("bool", Tensor.tensor(true, false, true));
        in.put("scalar", Tensor.scalar(0.5));
        in.put("empty", Tensor.zeros(0, 3));
        in.put("transposed", Tensor.of(new float[][]{{1, 2, 3}, {4, 5, 6}}).t()); // not contiguous: written row-major
        Path p = dir.resolve("all.safetensors");
        SafeTensors.save(in, p, Map.of("format", "pt", "note", "é ✓"));

        SafeTensors.Contents c = SafeTensors.read(p);
        assertEquals(List.copyOf(in.keySet()), List.copyOf(c.tensors().keySet()), "insertion order is kept");
        assertEquals(Map.of("format", "pt", "note", "é ✓"), c.metadata());
        for (Map.Entry<String, Tensor> e : in.entrySet()) {
            Tensor got = c.tensors().get(e.getKey());
            assertEquals(e.getValue().dtype(), got.dtype(), e.getKey());
            assertArrayEquals(e.getValue().shape(), got.shape(), e.getKey());
        }
        assertArrayEquals(in.get("f32").toFloatArray(), c.tensors().get("f32").toFloatArray()); // NaN compares equal here
        assertArrayEquals(in.get("f64").toDoubleArray(), c.tensors().get("f64").toDoubleArray());
        assertArrayEquals(new long[]{Long.MIN_VALUE, -9007199254740993L, Long.MAX_VALUE}, c.tensors().get("i64").toLongArray());
        assertArrayEquals(new long[]{Integer.MIN_VALUE, 7, Integer.MAX_VALUE}, c.tensors().get("i32").toLongArray());
        assertArrayEquals(new long[]{0, 255, 7}, c.tensors().get("u8").toLongArray());
        assertArrayEquals(new long[]{1, 0, 1}, c.tensors().get("bool").toLongArray());
        assertEquals(0.5, c.tensors().get("scalar").item());
        assertArrayEquals(new float[]{1, 4, 2, 5, 3, 6}, c.tensors().get("transposed").toFloatArray());
        assertEquals(0, c.tensors().get("empty").numel());
    }

    @Test
    void tensorsLargerThanOneIoChunkRoundTrip() throws IOException {
        // 1.2 MB and 2.4 MB of data: the reader and writer move data in 1 MiB chunks.
        float[] f = new float[300_001];
        for (int i = 0; i < f.length; i++) f[i] = i * 0.5f - 7f;
        Tensor big = Tensor.tensor(f).reshape(300_001, 1);
        Tensor wide = Tensor.arange(0, 300_000, 1).reshape(1000, 300).t(); // int64, not contiguous
        Path p = dir.resolve("big.safetensors");
        SafeTensors.save(Map.of("big", big, "wide", wide), p);
        Map<String, Tensor> back = SafeTensors.load(p);
        assertArrayEquals(f, back.get("big").toFloatArray());
        assertArrayEquals(wide.toLongArray(), back.get("wide").toLongArray());
        assertArrayEquals(new int[]{300, 1000}, back.get("wide").shape());
    }

    @Test
    void readsAFileBuiltByPythonWithTheReferenceLayout() throws IOException {
        // Built by /usr/bin/python3 with struct + json following the safetensors spec (torch 1.13 tensors' bytes;
        // tensors ordered by dtype alignment then name, as the reference writer does; metadata {"format":"pt","note":"é"}
        // written by json.dumps as "\u00e9"). Includes F16 and BF16, which load as float32.
        String hex = "38020000000000007b225f5f6d657461646174615f5f223a7b22666f726d6174223a227074222c226e6f7465223a225c7530306539227d2c22663634223a7b226474797065223a22463634222c227368617065223a5b325d2c22646174615f6f666673657473223a5b302c31365d7d2c22693634223a7b226474797065223a22493634222c227368617065223a5b325d2c22646174615f6f666673657473223a5b31362c33325d7d2c22663332223a7b226474797065223a22463332222c227368617065223a5b322c335d2c22646174615f6f666673657473223a5b33322c35365d7d2c22693332223a7b226474797065223a22493332222c227368617065223a5b322c315d2c22646174615f6f666673657473223a5b35362c36345d7d2c227363616c6172223a7b226474797065223a22463332222c227368617065223a5b5d2c22646174615f6f666673657473223a5b36342c36385d7d2c226266223a7b226474797065223a2242463136222c227368617065223a5b335d2c22646174615f6f666673657473223a5b36382c37345d7d2c2268616c66223a7b226474797065223a22463136222c227368617065223a5b345d2c22646174615f6f666673657473223a5b37342c38325d7d2c22666c6167223a7b226474797065223a22424f4f4c222c227368617065223a5b335d2c22646174615f6f666673657473223a5b38322c38355d7d2c227538223a7b226474797065223a225538222c227368617065223a5b335d2c22646174615f6f666673657473223a5b38352c38385d7d7d20182d4454fb2109409c7500883ce437feffffffffffffdfff2a000000000000000000c03f000010c000004040000000006f12833a0000f0c0fbffffffffffff7f0000003f803f20c04940003c55b5ff7b010001000100ff07";
        SafeTensors.Contents c = SafeTensors.read(write(HexFormat.of().parseHex(hex)));
        Map<String, Tensor> t = c.tensors();
        assertEquals(List.of("f64", "i64", "f32", "i32", "scalar", "bf", "half", "flag", "u8"), List.copyOf(t.keySet()));
        assertEquals(Map.of("format", "pt", "note", "é"), c.metadata());
        assertArrayEquals(new double[]{3.141592653589793, -1e300}, t.get("f64").toDoubleArray());
        assertArrayEquals(new long[]{-9007199254740993L, 42}, t.get("i64").toLongArray());
        assertArrayEquals(new int[]{2, 3}, t.get("f32").shape());
        assertArrayEquals(new float[]{1.5f, -2.25f, 3f, 0f, 1e-3f, -7.5f}, t.get("f32").toFloatArray());
        assertEquals(DType.INT32, t.get("i32").dtype());
        assertArrayEquals(new long[]{-5, 2147483647}, t.get("i32").toLongArray());
        assertEquals(0, t.get("scalar").dim());
        assertEquals(0.5, t.get("scalar").item());
        // torch's own float() of the half / bfloat16 tensors: [1.0, -0.333251953125, 65504.0, 5.960464477539063e-08], [1.0, -2.5, 3.140625]
        assertEquals(DType.FLOAT32, t.get("half").dtype());
        assertArrayEquals(new float[]{1f, -0.333251953125f, 65504f, 5.960464477539063e-08f}, t.get("half").toFloatArray());
        assertArrayEquals(new float[]{1f, -2.5f, 3.140625f}, t.get("bf").toFloatArray());
        assertEquals(DType.BOOL, t.get("flag").dtype());
        assertArrayEquals(new long[]{1, 0, 1}, t.get("flag").toLongArray());
        assertArrayEquals(new long[]{0, 255, 7}, t.get("u8").toLongArray());
    }

    @Test
    void halfPrecisionSpecialValues() {
        assertEquals(Float.POSITIVE_INFINITY, SafeTensors.halfToFloat((short) 0x7c00));
        assertTrue(Float.isNaN(SafeTensors.halfToFloat((short) 0x7e00)));
        assertEquals(-0f, SafeTensors.halfToFloat((short) 0x8000));
        assertEquals(1f / (1 << 24), SafeTensors.halfToFloat((short) 0x0001)); // smallest subnormal 2^-24
        assertEquals(-2f, SafeTensors.halfToFloat((short) 0xc000));
    }

    @Test
    void pytorchStateDictLoadsIntoTheSameEmberModel() throws IOException {
        // torch 1.13: m = nn.Sequential(nn.Linear(4,3), nn.ReLU(), nn.Linear(3,2)) with the weights below copied in,
        // m.state_dict() written with a hand-made safetensors writer (struct + json), y = m(x) printed.
        String hex = "18010000000000007b225f5f6d657461646174615f5f223a7b22666f726d6174223a227074227d2c22302e62696173223a7b226474797065223a22463332222c227368617065223a5b335d2c22646174615f6f666673657473223a5b302c31325d7d2c22302e776569676874223a7b226474797065223a22463332222c227368617065223a5b332c345d2c22646174615f6f666673657473223a5b31322c36305d7d2c22322e62696173223a7b226474797065223a22463332222c227368617065223a5b325d2c22646174615f6f666673657473223a5b36302c36385d7d2c22322e776569676874223a7b226474797065223a22463332222c227368617065223a5b322c335d2c22646174615f6f666673657473223a5b36382c39325d7d7d20cdcccc3dcdcc4cbecdcc4c3d0000003f000080be0000003e0000803f000080bf0000403f9a99993ecdcc4cbecdcccc3dcdcc4c3e9a9919bfcdcccc3ecdccccbdcdcc4c3e3333333f9a9999be6666663f6666e6be9a99193f9a99193e";
        Path p = write(HexFormat.of().parseHex(hex));
        Sequential model = new Sequential(new Linear(4, 3), new ReLU(), new Linear(3, 2));
        Module.LoadResult r = SafeTensors.loadModule(model, p, true);
        assertTrue(r.missingKeys().isEmpty() && r.unexpectedKeys().isEmpty());
        assertArrayEquals(new float[]{0.5f, -0.25f, 0.125f, 1f, -1f, 0.75f, 0.3f, -0.2f, 0.1f, 0.2f, -0.6f, 0.4f},
                ((Linear) model.get(0)).weight.toFloatArray());
        Tensor x = Tensor.of(new float[][]{{1f, 2f, -1f, 0.5f}, {-0.3f, 0.8f, 1.2f, -2f}, {0f, 0f, 0f, 0f}});
        float[] y = model.forward(x).toFloatArray();
        // PyTorch's m(x):
        float[] expected = {1.4474999904632568f, 0.1887500286102295f, -0.5379999876022339f, 1.0759999752044678f, 0.01499999314546585f, 0.16250000894069672f};
        for (int i = 0; i < expected.length; i++) assertEquals(expected[i], y[i], 1e-6, "output " + i);
    }

    @Test
    void moduleHelpersRoundTripAndLoadStrictly() throws IOException {
        Sequential a = new Sequential(new Linear(3, 2), new ReLU(), new Linear(2, 1));
        Path p = dir.resolve("m.safetensors");
        SafeTensors.saveModule(a, p);
        Sequential b = new Sequential(new Linear(3, 2), new ReLU(), new Linear(2, 1));
        SafeTensors.loadModule(b, p, true);
        Tensor x = Tensor.of(new float[][]{{0.1f, -0.7f, 2f}});
        assertArrayEquals(a.forward(x).toFloatArray(), b.forward(x).toFloatArray());

        Sequential bigger = new Sequential(new Linear(3, 2), new ReLU(), new Linear(2, 1), new Linear(1, 1));
        String msg = assertThrows(IllegalArgumentException.class, () -> SafeTensors.loadModule(bigger, p, true)).getMessage();
        assertTrue(msg.contains("3.weight") && msg.contains("3.bias"), msg);
        Module.LoadResult r = SafeTensors.loadModule(bigger, p, false);
        assertEquals(List.of("3.weight", "3.bias"), r.missingKeys());

        Sequential wrongShape = new Sequential(new Linear(3, 4), new ReLU(), new Linear(4, 1));
        msg = assertThrows(IllegalArgumentException.class, () -> SafeTensors.loadModule(wrongShape, p, true)).getMessage();
        assertTrue(msg.contains("0.weight") && msg.contains("[2, 3]"), msg);
    }

    // ---------------------------------------------------------------- failed saves

    @Test
    void failedSaveLeavesNothingBehind() throws IOException {
        Path target = dir.resolve("w.safetensors");
        SafeTensors.save(Map.of("a", Tensor.tensor(1f, 2f)), target);
        byte[] before = Files.readAllBytes(target);

        Map<String, Tensor> bad = new LinkedHashMap<>();
        bad.put("ok", Tensor.tensor(3f));
        bad.put("__metadata__", Tensor.tensor(4f));
        assertThrows(IllegalArgumentException.class, () -> SafeTensors.save(bad, target));
        assertArrayEquals(before, Files.readAllBytes(target), "the old file is untouched");

        Path isDir = Files.createDirectory(dir.resolve("adir"));
        String msg = assertThrows(IOException.class, () -> SafeTensors.save(Map.of("a", Tensor.tensor(1f)), isDir)).getMessage();
        assertTrue(msg.contains("is a directory"), msg);

        Path noParent = dir.resolve("missing/x.safetensors");
        assertThrows(IOException.class, () -> SafeTensors.save(Map.of("a", Tensor.tensor(1f)), noParent));

        Path fileAsParent = target.resolve("x.safetensors"); // the "directory" is a regular file
        assertThrows(IOException.class, () -> SafeTensors.save(Map.of("a", Tensor.tensor(1f)), fileAsParent));

        assertEquals(List.of("adir", "w.safetensors"), listing(), "no temporary files left");
        try (Stream<Path> s = Files.list(isDir)) { assertEquals(0, s.count()); }
    }

    // ---------------------------------------------------------------- corrupt files

    private static final String GOOD_HEADER = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";

    @Test
    void wellFormedHandBuiltFileLoads() throws IOException {
        Map<String, Tensor> t = SafeTensors.load(write(file(GOOD_HEADER, floats(1f, -2f))));
        assertArrayEquals(new float[]{1f, -2f}, t.get("a").toFloatArray());
    }

    @Test
    void truncatedDataIsRefused() throws IOException {
        String msg = refusal(file(GOOD_HEADER, floats(1f)));
        assertTrue(msg.contains("truncated") && msg.contains("8 data bytes") && msg.contains("holds 4"), msg);
    }

    @Test
    void trailingBytesAreRefused() throws IOException {
        String msg = refusal(file(GOOD_HEADER, floats(1f, 2f, 3f)));
        assertTrue(msg.contains("4 trailing bytes"), msg);
    }

    @Test
    void hugeHeaderLengthIsRefusedWithoutAllocating() throws IOException {
        ByteBuffer b = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN).putLong(1L << 40);
        String msg = refusal(b.array());
        assertTrue(msg.contains("header length 1099511627776 exceeds the limit"), msg);
        b.putLong(0, -1L); // 2^64-1 as an unsigned length
        msg = refusal(b.array());
        assertTrue(msg.contains("18446744073709551615"), msg);
    }

    @Test
    void headerLargerThanFileIsRefused() throws IOException {
        ByteBuffer b = ByteBuffer.allocate(40).order(ByteOrder.LITTLE_ENDIAN).putLong(1000);
        String msg = refusal(b.array());
        assertTrue(msg.contains("header length 1000 is larger than the rest of the file (32 bytes)"), msg);
        msg = refusal(new byte[]{1, 2, 3});
        assertTrue(msg.contains("too short"), msg);
    }

    @Test
    void invalidJsonIsRefusedWithTheOffset() throws IOException {
        String msg = refusal(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},}", floats(1f, 2f)));
        assertTrue(msg.contains("not valid JSON") && msg.contains("offset 54"), msg);
        msg = refusal(file("[1, 2]", new byte[0]));
        assertTrue(msg.contains("must be a JSON object"), msg);
        byte[] badUtf8 = file("{\"\u00e9\":1}", new byte[0]);
        badUtf8[10] = (byte) 0xff;
        msg = refusal(badUtf8);
        assertTrue(msg.contains("UTF-8"), msg);
    }

    @Test
    void overlappingOffsetsAreRefused() throws IOException {
        String h = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}";
        String msg = refusal(file(h, floats(1, 2, 3)));
        assertTrue(msg.contains("'b'") && msg.contains("overlap") && msg.contains("'a'"), msg);
    }

    @Test
    void gapsAreRefused() throws IOException {
        String h = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[12,20]}}";
        String msg = refusal(file(h, floats(1, 2, 3, 4, 5)));
        assertTrue(msg.contains("gap") && msg.contains("8..12"), msg);
        msg = refusal(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", floats(1, 2)));
        assertTrue(msg.contains("gap") && msg.contains("0..4"), msg);
    }

    @Test
    void sizeThatDisagreesWithShapeIsRefused() throws IOException {
        String msg = refusal(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", floats(1, 2)));
        assertTrue(msg.contains("'a'") && msg.contains("hold 8 bytes") && msg.contains("needs 12"), msg);
    }

    @Test
    void unknownDtypeIsRefused() throws IOException {
        String msg = refusal(file("{\"a\":{\"dtype\":\"Q7\",\"shape\":[2],\"data_offsets\":[0,8]}}", floats(1, 2)));
        assertTrue(msg.contains("unsupported dtype 'Q7'") && msg.contains("F32"), msg);
    }

    @Test
    void duplicateNamesAreRefused() throws IOException {
        String h = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}";
        String msg = refusal(file(h, floats(1, 2)));
        assertTrue(msg.contains("duplicate key \"a\""), msg);
    }

    @Test
    void badShapesAreRefusedWithoutAllocating() throws IOException {
        String msg = refusal(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", floats(1, 2)));
        assertTrue(msg.contains("non-negative integer") && msg.contains("-2"), msg);
        msg = refusal(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2147483647,2147483647],\"data_offsets\":[0,8]}}", floats(1, 2)));
        assertTrue(msg.contains("more than 2^31-1 elements"), msg);
        msg = refusal(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[99999999999999999999],\"data_offsets\":[0,8]}}", floats(1, 2)));
        assertTrue(msg.contains("non-negative integer"), msg);
        // A consistent header that claims 8 GB of data in a tiny file: refused before any allocation.
        msg = refusal(file("{\"a\":{\"dtype\":\"F64\",\"shape\":[1000000000],\"data_offsets\":[0,8000000000]}}", floats(1, 2)));
        assertTrue(msg.contains("truncated"), msg);
        msg = refusal(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", floats(1, 2)));
        assertTrue(msg.contains("data_offsets must be [begin, end]"), msg);
        msg = refusal(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8],\"extra\":1}}", floats(1, 2)));
        assertTrue(msg.contains("unknown key 'extra'"), msg);
        msg = refusal(file("{\"__metadata__\":{\"k\":1}}", new byte[0]));
        assertTrue(msg.contains("__metadata__ value for 'k' must be a string"), msg);
    }

    @Test
    void deeplyNestedHeaderIsRefused() throws IOException {
        String h = "{\"a\":" + "[".repeat(100_000) + "]".repeat(100_000) + "}";
        String msg = refusal(file(h, new byte[0]));
        assertTrue(msg.contains("nesting deeper than"), msg);
        assertFalse(msg.length() > 500, "message stays short");
    }
}
