package dev.ember.engine.io;

import dev.ember.engine.Tensor;
import dev.ember.engine.nn.Module;
import dev.ember.engine.nn.spec.ModelSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The digests a saved model carries, and the one-line errors that name the broken file. */
class SavedModelDigestsTest {
    @TempDir Path dir;
    private Path model;
    private final List<String> warnings = new ArrayList<>();
    private final Handler capture = new Handler() {
        @Override public void publish(LogRecord r) { warnings.add(r.getMessage()); }

        @Override public void flush() {}

        @Override public void close() {}
    };

    private static final ModelSpec SPEC = ModelSpec.parse("""
            {"layers": [{"type": "Linear", "in_features": 3, "out_features": 5}, {"type": "ReLU"},
                        {"type": "Linear", "in_features": 5, "out_features": 2}]}
            """);
    private static final Tensor X = Tensor.of(new float[][]{{1f, -2f, 0.5f}, {0f, 3f, -1f}});

    @BeforeEach
    void save() throws IOException {
        model = dir.resolve("m");
        SavedModel.save(SPEC, SPEC.build(), model);
        Logger.getLogger(SavedModel.class.getName()).addHandler(capture);
    }

    @AfterEach
    void detach() { Logger.getLogger(SavedModel.class.getName()).removeHandler(capture); }

    @Test
    void crc32cMatchesTheStandardCheckValue() {
        // The CRC-32C (Castagnoli) of the ASCII digits "123456789" is 0xE3069283 (RFC 3720, appendix B.4 check value).
        assertEquals(new FileDigests.Entry(9, "e3069283"), FileDigests.digest("crc32c", "123456789".getBytes(StandardCharsets.US_ASCII)));
        // SHA-256 of "abc" (FIPS 180-2, appendix B.1).
        assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", FileDigests.digest("sha256", "abc".getBytes(StandardCharsets.US_ASCII)).digest());
    }

    @Test
    void saveListsEveryFileWithItsLengthAndCrc32c() throws IOException {
        Map<String, Object> json = Json.parseObject(Files.readString(model.resolve("digests.json")));
        assertEquals("crc32c", json.get("algorithm"));
        Map<?, ?> files = (Map<?, ?>) json.get("files");
        assertEquals(List.of("model.json", "model.safetensors"), new ArrayList<>(files.keySet()));
        for (String name : List.of("model.json", "model.safetensors")) {
            byte[] bytes = Files.readAllBytes(model.resolve(name));
            java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
            crc.update(bytes);
            assertEquals(Map.of("bytes", (long) bytes.length, "digest", String.format("%08x", crc.getValue())), files.get(name), name);
        }
    }

    @Test
    void overwrittenWeightsAreRefusedNamingTheFileAndBothDigests() throws IOException {
        Path weights = model.resolve("model.safetensors");
        byte[] bytes = Files.readAllBytes(weights);
        String expected = String.format("%08x", crc(bytes));
        // The case: 64 bytes overwritten inside the data (32 floats = 128 bytes, so the last 64 are weights).
        Arrays.fill(bytes, bytes.length - 64, bytes.length, (byte) 0x41);
        Files.write(weights, bytes);
        String found = String.format("%08x", crc(bytes));
        String msg = assertThrows(IOException.class, () -> SavedModel.load(model)).getMessage();
        assertEquals("corrupt file " + weights + ": its crc32c digest is " + found + " (" + bytes.length + " bytes) but digests.json expects "
                + expected + " (" + bytes.length + " bytes); the file was damaged or changed after it was saved", msg);
    }

    @Test
    void truncatedSpecIsRefusedNamingIt() throws IOException {
        Path spec = model.resolve("model.json");
        byte[] bytes = Files.readAllBytes(spec);
        Files.write(spec, Arrays.copyOf(bytes, 40));
        String msg = assertThrows(IOException.class, () -> SavedModel.load(model)).getMessage();
        assertTrue(msg.startsWith("corrupt file " + spec + ": ") && msg.contains("(40 bytes) but digests.json expects"), msg);
        assertFalse(msg.contains("\n"), msg);

        // Without digests the parser's complaint is still tied to the file, in one line.
        Files.delete(model.resolve("digests.json"));
        msg = assertThrows(IOException.class, () -> SavedModel.load(model)).getMessage();
        assertTrue(msg.startsWith("invalid model spec " + spec + ": ") && msg.contains("unterminated string at offset 36"), msg);
        assertFalse(msg.contains("\n"), msg);
    }

    @Test
    void aModelWithoutDigestsLoadsWithAWarning() throws IOException {
        Module original = SavedModel.load(model);
        assertEquals(List.of(), warnings);
        Files.delete(model.resolve("digests.json"));
        Module legacy = SavedModel.load(model);
        assertArrayEquals(original.forward(X).toFloatArray(), legacy.forward(X).toFloatArray(), 0f);
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).contains(model.toString()) && warnings.get(0).contains("no digests.json"), warnings.get(0));
    }

    @Test
    void brokenDigestListsAreRefusedNamingThem() throws IOException {
        Path list = model.resolve("digests.json");
        Files.writeString(list, "{\"algorithm\": \"md5\", \"files\": {}}");
        String msg = assertThrows(IOException.class, () -> SavedModel.load(model)).getMessage();
        assertTrue(msg.startsWith("invalid " + list + ": unknown digest algorithm 'md5'"), msg);

        Files.writeString(list, "{\"algorithm\": \"crc32c\", \"files\": {\"model.json\": {\"bytes\": 1, \"digest\": \"00\"}}}");
        msg = assertThrows(IOException.class, () -> SavedModel.load(model)).getMessage();
        assertTrue(msg.startsWith("corrupt file " + model.resolve("model.json")), msg);

        Files.writeString(list, "{\"algorithm\": \"crc32c\", \"files\": {}}");
        msg = assertThrows(IOException.class, () -> SavedModel.load(model)).getMessage();
        assertTrue(msg.contains(model.resolve("model.json").toString()) && msg.contains("lists no digest for 'model.json'"), msg);
    }

    @Test
    void aSpecThatBuildsNoModelIsReportedAgainstItsFile() throws IOException {
        Path spec = model.resolve("model.json");
        Files.writeString(spec, Files.readString(spec).replace("\"out_features\": 2", "\"out_features\": 0"));
        Files.delete(model.resolve("digests.json"));
        String msg = assertThrows(IOException.class, () -> SavedModel.load(model)).getMessage();
        assertTrue(msg.startsWith("invalid model spec " + spec + ": layers[2] (Linear)"), msg);
    }

    private static long crc(byte[] b) {
        java.util.zip.CRC32C c = new java.util.zip.CRC32C();
        c.update(b);
        return c.getValue();
    }
}
