package dev.ember.engine.io;

import dev.ember.engine.DType;
import dev.ember.engine.Shape;
import dev.ember.engine.Storage;
import dev.ember.engine.Tensor;
import dev.ember.engine.ops.Dispatch;
import dev.ember.engine.nn.Module;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes the safetensors format (Hugging Face's, used by PyTorch checkpoints): an 8-byte little-endian
 * header length N, N bytes of UTF-8 JSON
 * {@code {"__metadata__": {...}, "name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}}}
 * padded with spaces to a multiple of 8, then the tensors' little-endian row-major bytes, offsets relative to the
 * start of that data section. Nothing in a file is ever executed (unlike pickle-based .pt files).
 *
 * <p>Dtypes: F32, F64, I64, I32, U8 and BOOL round trip; F16 and BF16 are read and converted to float32. The reader
 * checks every size against the file before allocating, so a corrupt or hostile file is refused with an
 * {@link IOException} naming the problem, never an out-of-memory error.
 */
public final class SafeTensors {
    /** The largest header accepted, as in the reference implementation. */
    public static final long MAX_HEADER_BYTES = 100_000_000L;
    private static final String METADATA_KEY = "__metadata__";
    /** Bytes moved per I/O call: large enough for bulk speed, small enough to never strain the heap. */
    private static final int CHUNK = 1 << 20;

    private SafeTensors() {}

    // ================================================================ dtypes

    private enum FileDType {
        F32(4, DType.FLOAT32), F64(8, DType.FLOAT64), I64(8, DType.INT64), I32(4, DType.INT32), U8(1, DType.UINT8), BOOL(1, DType.BOOL),
        F16(2, DType.FLOAT32), BF16(2, DType.FLOAT32);

        final int itemSize;
        final DType dtype;

        FileDType(int itemSize, DType dtype) {
            this.itemSize = itemSize;
            this.dtype = dtype;
        }

        static FileDType of(DType d) {
            return switch (d) {
                case FLOAT32 -> F32;
                case FLOAT64 -> F64;
                case INT64 -> I64;
                case INT32 -> I32;
                case UINT8 -> U8;
                case BOOL -> BOOL;
            };
        }
    }

    // ================================================================ writing

    /** Writes tensors (in map order) to file, atomically: a failed save leaves any previous file untouched. */
    public static void save(Map<String, Tensor> tensors, Path file) throws IOException { save(tensors, file, Map.of()); }

    /**
     * Writes tensors and string metadata to file. The bytes go to a temporary file in the same directory that is
     * then moved over the target, so readers never see a half-written file.
     */
    public static void save(Map<String, Tensor> tensors, Path file, Map<String, String> metadata) throws IOException {
        byte[] header = header(tensors, metadata);
        Path target = file.toAbsolutePath();
        if (Files.isDirectory(target)) throw new IOException("cannot save safetensors to " + file + ": it is a directory");
        Path dir = target.getParent();
        Path tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
        boolean done = false;
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, header.length);
                writeFully(ch, len);
                writeFully(ch, ByteBuffer.wrap(header));
                ByteBuffer buf = ByteBuffer.allocate(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
                for (Tensor t : tensors.values()) writeData(ch, t, buf);
                ch.force(true);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            done = true;
        } finally {
            if (!done) Files.deleteIfExists(tmp);
        }
    }

    /** The padded JSON header for these tensors, data laid out back to back in map order. */
    static byte[] header(Map<String, Tensor> tensors, Map<String, String> metadata) {
        Map<String, Object> root = new LinkedHashMap<>();
        if (metadata != null && !metadata.isEmpty()) {
            Map<String, Object> meta = new LinkedHashMap<>();
            metadata.forEach((k, v) -> {
                if (k == null || v == null) throw new IllegalArgumentException("safetensors metadata keys and values must be non-null strings, got " + k + "=" + v);
                meta.put(k, v);
            });
            root.put(METADATA_KEY, meta);
        }
        long offset = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            String name = e.getKey();
            Tensor t = e.getValue();
            if (name == null || name.equals(METADATA_KEY)) throw new IllegalArgumentException("invalid tensor name " + name + " for safetensors");
            if (t == null) throw new IllegalArgumentException("tensor '" + name + "' is null");
            FileDType fd = FileDType.of(t.dtype());
            long bytes = (long) t.numel() * fd.itemSize;
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("dtype", fd.name());
            info.put("shape", t.shape());
            info.put("data_offsets", new long[]{offset, offset + bytes});
            root.put(name, info);
            offset += bytes;
        }
        byte[] json = Json.write(root).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) & ~7;
        byte[] out = Arrays.copyOf(json, padded);
        Arrays.fill(out, json.length, padded, (byte) ' ');
        return out;
    }

    private static void writeData(FileChannel ch, Tensor t, ByteBuffer buf) throws IOException {
        Tensor src = t.detach();
        // A contiguous tensor's elements are a run of its storage from its offset; anything else is copied once.
        int start = src.offset();
        if (!src.isContiguous()) {
            src = Dispatch.contiguous(src, src.dtype());
            start = 0;
        }
        Storage s = src.storage();
        int n = src.numel();
        int item = s.dtype().itemSize();
        int perChunk = CHUNK / item;
        for (int done = 0; done < n; ) {
            int k = Math.min(perChunk, n - done);
            buf.clear();
            switch (s.dtype()) {
                case FLOAT32 -> buf.asFloatBuffer().put(s.floats(), start + done, k);
                case FLOAT64 -> buf.asDoubleBuffer().put(s.doubles(), start + done, k);
                case INT64 -> buf.asLongBuffer().put(s.longs(), start + done, k);
                case INT32 -> buf.asIntBuffer().put(s.ints(), start + done, k);
                case UINT8, BOOL -> buf.put(s.bytes(), start + done, k);
            }
            buf.position(0).limit(k * item);
            writeFully(ch, buf);
            done += k;
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) ch.write(b);
    }

    // ================================================================ reading

    /** What a file holds: its tensors in header order and its string metadata. */
    public record Contents(LinkedHashMap<String, Tensor> tensors, Map<String, String> metadata) {}

    /** Reads every tensor of a safetensors file, in header order. */
    public static LinkedHashMap<String, Tensor> load(Path file) throws IOException { return read(file).tensors(); }

    /** Reads the metadata ({@code __metadata__}) of a safetensors file without loading tensor data. */
    public static Map<String, String> metadata(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return parseHeader(ch, file.toString()).metadata;
        }
    }

    /** Reads tensors and metadata. */
    public static Contents read(Path file) throws IOException { return read(file, file.toString()); }

    /**
     * Reads tensors and metadata from {@code file}, naming it {@code shownAs} in errors: the path the user knows when
     * {@code file} is a local copy (of a file on HDFS, say).
     */
    public static Contents read(Path file, String shownAs) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            Header h = parseHeader(ch, shownAs);
            LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
            ByteBuffer buf = ByteBuffer.allocate(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
            for (Entry e : h.entries) out.put(e.name, readTensor(ch, h.dataStart + e.begin, e, buf, shownAs));
            return new Contents(out, h.metadata);
        }
    }

    private record Entry(String name, FileDType dtype, int[] shape, int numel, long begin, long end) {}

    private record Header(List<Entry> entries, Map<String, String> metadata, long dataStart) {}

    private static Header parseHeader(FileChannel ch, String file) throws IOException {
        long fileSize = ch.size();
        if (fileSize < 8) throw bad(file, "file is " + fileSize + " bytes, too short for the 8-byte header length");
        ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, lenBuf, 0, file);
        long n = lenBuf.getLong(0);
        // n is unsigned in the format: a negative long is a length of 2^63 or more.
        if (n < 0 || n > MAX_HEADER_BYTES) throw bad(file, "header length " + Long.toUnsignedString(n) + " exceeds the limit of " + MAX_HEADER_BYTES + " bytes");
        if (n > fileSize - 8) throw bad(file, "header length " + n + " is larger than the rest of the file (" + (fileSize - 8) + " bytes)");
        ByteBuffer hb = ByteBuffer.allocate((int) n);
        readFully(ch, hb, 8, file);
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(hb.flip()).toString();
        } catch (CharacterCodingException e) {
            throw bad(file, "header is not valid UTF-8");
        }
        Object root;
        try {
            // The header is at most three levels deep (root, tensor info, shape); a few spare levels cost nothing.
            root = Json.parse(text, 8, Integer.MAX_VALUE);
        } catch (Json.JsonException e) {
            throw bad(file, "header is not valid JSON: " + e.getMessage());
        }
        if (!(root instanceof Map<?, ?> map)) throw bad(file, "header must be a JSON object, found " + Json.typeName(root));
        long dataLen = fileSize - 8 - n;
        Map<String, String> metadata = new LinkedHashMap<>();
        List<Entry> entries = new ArrayList<>();
        for (Map.Entry<?, ?> me : map.entrySet()) {
            String name = (String) me.getKey();
            if (name.equals(METADATA_KEY)) {
                if (!(me.getValue() instanceof Map<?, ?> meta)) throw bad(file, "__metadata__ must be an object of strings, found " + Json.typeName(me.getValue()));
                for (Map.Entry<?, ?> kv : meta.entrySet()) {
                    if (!(kv.getValue() instanceof String v)) throw bad(file, "__metadata__ value for '" + kv.getKey() + "' must be a string, found " + Json.typeName(kv.getValue()));
                    metadata.put((String) kv.getKey(), v);
                }
                continue;
            }
            entries.add(entry(name, me.getValue(), file));
        }
        checkLayout(entries, dataLen, file);
        return new Header(entries, metadata, 8 + n);
    }

    private static Entry entry(String name, Object value, String file) throws IOException {
        if (!(value instanceof Map<?, ?> info)) throw bad(file, "tensor '" + name + "': expected an object with dtype, shape, data_offsets, found " + Json.typeName(value));
        for (Object k : info.keySet()) {
            if (!List.of("dtype", "shape", "data_offsets").contains(k)) throw bad(file, "tensor '" + name + "': unknown key '" + k + "'");
        }
        if (!(info.get("dtype") instanceof String dt)) throw bad(file, "tensor '" + name + "': dtype must be a string, found " + Json.typeName(info.get("dtype")));
        FileDType fd;
        try {
            fd = FileDType.valueOf(dt);
        } catch (IllegalArgumentException e) {
            throw bad(file, "tensor '" + name + "': unsupported dtype '" + dt + "' (supported: " + Arrays.toString(FileDType.values()) + ")");
        }
        if (!(info.get("shape") instanceof List<?> shapeList)) throw bad(file, "tensor '" + name + "': shape must be an array, found " + Json.typeName(info.get("shape")));
        int[] shape = new int[shapeList.size()];
        long numel = 1;
        for (int i = 0; i < shape.length; i++) {
            Object d = shapeList.get(i);
            if (!(d instanceof Long v) || v < 0) throw bad(file, "tensor '" + name + "': shape entry " + i + " must be a non-negative integer, found " + d);
            if (v > Integer.MAX_VALUE) throw bad(file, "tensor '" + name + "': dimension " + v + " is too large");
            shape[i] = (int) (long) v;
            numel *= v; // each factor < 2^31 and the running product is kept below 2^31, so this cannot overflow
            if (numel > Integer.MAX_VALUE) throw bad(file, "tensor '" + name + "': shape " + shapeList + " has more than 2^31-1 elements");
        }
        if (!(info.get("data_offsets") instanceof List<?> offs) || offs.size() != 2 || !(offs.get(0) instanceof Long b) || !(offs.get(1) instanceof Long e) || b < 0 || e < b) {
            throw bad(file, "tensor '" + name + "': data_offsets must be [begin, end] with 0 <= begin <= end, found " + info.get("data_offsets"));
        }
        long need = numel * fd.itemSize;
        if (e - b != need) {
            throw bad(file, "tensor '" + name + "': data_offsets " + offs + " hold " + (e - b) + " bytes but dtype " + fd + " with shape " + Shape.str(shape) + " needs " + need);
        }
        return new Entry(name, fd, shape, (int) numel, b, e);
    }

    /** Tensors must tile the data section exactly: from 0, no gaps, no overlaps, up to its last byte. */
    private static void checkLayout(List<Entry> entries, long dataLen, String file) throws IOException {
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long at = 0;
        Entry prev = null;
        for (Entry e : sorted) {
            if (e.begin > at) throw bad(file, "gap in the data: bytes " + at + ".." + e.begin + " belong to no tensor (before tensor '" + e.name + "')");
            if (e.begin < at) throw bad(file, "tensor '" + e.name + "' data_offsets [" + e.begin + ", " + e.end + "] overlap tensor '" + prev.name + "' [" + prev.begin + ", " + prev.end + "]");
            at = e.end;
            prev = e;
        }
        if (at > dataLen) throw bad(file, "file is truncated: the header describes " + at + " data bytes but the file holds " + dataLen);
        if (at < dataLen) throw bad(file, "file has " + (dataLen - at) + " trailing bytes after the last tensor (the header describes " + at + " data bytes, the file holds " + dataLen + ")");
    }

    private static Tensor readTensor(FileChannel ch, long pos, Entry e, ByteBuffer buf, String file) throws IOException {
        int n = e.numel;
        Storage s = Storage.allocate(e.dtype.dtype, n);
        int item = e.dtype.itemSize;
        int perChunk = CHUNK / item;
        for (int done = 0; done < n; ) {
            int k = Math.min(perChunk, n - done);
            buf.clear().limit(k * item);
            readFully(ch, buf, pos + (long) done * item, file);
            buf.flip();
            switch (e.dtype) {
                case F32 -> buf.asFloatBuffer().get(s.floats(), done, k);
                case F64 -> buf.asDoubleBuffer().get(s.doubles(), done, k);
                case I64 -> buf.asLongBuffer().get(s.longs(), done, k);
                case I32 -> buf.asIntBuffer().get(s.ints(), done, k);
                case U8 -> buf.get(s.bytes(), done, k);
                case BOOL -> {
                    byte[] dst = s.bytes();
                    buf.get(dst, done, k);
                    // Anything but 0 is true; store canonical 1s so comparisons behave.
                    for (int i = done; i < done + k; i++) if (dst[i] != 0) dst[i] = 1;
                }
                case F16 -> {
                    float[] dst = s.floats();
                    for (int i = 0; i < k; i++) dst[done + i] = halfToFloat(buf.getShort(2 * i));
                }
                case BF16 -> {
                    float[] dst = s.floats();
                    for (int i = 0; i < k; i++) dst[done + i] = Float.intBitsToFloat((buf.getShort(2 * i) & 0xffff) << 16);
                }
            }
            done += k;
        }
        return Tensor.fromStorage(s, e.shape);
    }

    /** IEEE 754 binary16 to float32 (exact: every half is a float). */
    static float halfToFloat(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        if (exp == 0x1f) return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13)); // inf, NaN
        if (exp == 0) {
            float v = mant * 0x1p-24f; // subnormal (or zero): mant * 2^-24
            return sign != 0 ? -v : v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    private static void readFully(FileChannel ch, ByteBuffer b, long pos, String file) throws IOException {
        while (b.hasRemaining()) {
            int r = ch.read(b, pos);
            if (r < 0) throw new EOFException("safetensors file " + file + " ended early (was it changed while being read?)");
            pos += r;
        }
    }

    private static IOException bad(String file, String problem) {
        return new IOException("invalid safetensors file " + file + ": " + problem);
    }

    // ================================================================ modules

    /** Saves a module's state dict (parameters and buffers by dotted name, as PyTorch names them). */
    public static void saveModule(Module m, Path file) throws IOException { save(m.stateDict(), file); }

    /**
     * Loads a file into a module's parameters and buffers. Strict loading refuses missing or unexpected keys;
     * shapes must always match. F16/BF16 and other dtypes are converted to the module's dtypes.
     */
    public static Module.LoadResult loadModule(Module m, Path file, boolean strict) throws IOException {
        return m.loadStateDict(load(file), strict);
    }
}
