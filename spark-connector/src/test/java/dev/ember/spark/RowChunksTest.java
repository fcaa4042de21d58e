package dev.ember.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.arrow.TensorBatch;
import dev.ember.engine.Storage;
import dev.ember.engine.Tensor;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A partition's rows in chunks, on the heap, in files, or spilled half way: the same rows back, bit for bit. */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class RowChunksTest {
    private static final int F = 3;
    /** Batches as the bridge hands them: uneven sizes, so chunks and batches never line up. */
    private static final int[] BATCHES = {5, 1, 7, 3, 2}; // 18 rows: chunks of 4 rows (12 values) -> 4, 4, 4, 4, 2
    private int savedChunkValues;
    @TempDir Path dir;

    @BeforeEach void smallChunks() {
        savedChunkValues = RowChunks.chunkValues;
        RowChunks.chunkValues = 4 * F;
    }

    @AfterEach void restore() { RowChunks.chunkValues = savedChunkValues; }

    /** Row r's feature c, a value no two (r, c) share. */
    private static float value(int r, int c) { return r * 100 + c + 0.25f; }

    private PartitionData build(long budget) { return build(budget, BATCHES, new float[BATCHES.length][]); }

    /** Rows 0.. in batches of {@code sizes} rows, each batch's feature array left in {@code arrays}. */
    private PartitionData build(long budget, int[] sizes, float[][] arrays) {
        try (RowChunks chunks = new RowChunks(F, true, budget, dir)) {
            int r = 0;
            for (int b = 0; b < sizes.length; b++) {
                int n = sizes[b];
                float[] x = arrays[b] = new float[n * F];
                long[] y = new long[n];
                for (int i = 0; i < n; i++, r++) {
                    for (int c = 0; c < F; c++) x[i * F + c] = value(r, c);
                    y[i] = r % 7;
                }
                chunks.add(new TensorBatch(Tensor.fromStorage(Storage.of(x), new int[]{n, F}), Tensor.fromStorage(Storage.of(y), new int[]{n}), n));
            }
            return chunks.finish(4, 2);
        }
    }

    /** Reads rows in a scrambled order and checks every value against the formula they were written from. */
    private static void assertRows(PartitionData data) {
        int[] ids = {17, 0, 4, 3, 16, 8, 11, 12, 1, 15};
        Tensor[] b = data.batch(ids);
        assertArrayEquals(new int[]{ids.length, F}, b[0].shape());
        float[] x = b[0].toFloatArray();
        long[] y = b[1].toLongArray();
        for (int i = 0; i < ids.length; i++) {
            for (int c = 0; c < F; c++) assertEquals(value(ids[i], c), x[i * F + c], 0f, "row " + ids[i] + " feature " + c);
            assertEquals(ids[i] % 7, y[i], "label of row " + ids[i]);
        }
    }

    private long files() throws Exception {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).count();
        }
    }

    @Test
    void withinTheBudgetTheChunksStayOnTheHeap() throws Exception {
        PartitionData data = build(Long.MAX_VALUE);
        assertEquals(18, data.rows());
        assertEquals(2, data.skipped());
        HeapChunks heap = assertInstanceOf(HeapChunks.class, data.features());
        assertEquals(5, heap.chunks().length);
        assertEquals(2 * F, heap.chunks()[4].length); // the last chunk trimmed to its 2 rows
        assertEquals(18 * F * 4, heap.bytes());
        assertEquals(0, files());
        assertRows(data);
    }

    @Test
    void batchesThatLineUpWithChunksGiveTheSameRows() throws Exception {
        // Chunks of 4 rows: the two whole batches become chunks as they are; the 2-row batch starts a chunk the next ones fill.
        int[] sizes = {4, 4, 2, 1, 4, 3};
        float[][] arrays = new float[sizes.length][];
        PartitionData data = build(Long.MAX_VALUE, sizes, arrays);
        assertEquals(18, data.rows());
        float[][] chunks = assertInstanceOf(HeapChunks.class, data.features()).chunks();
        assertEquals(5, chunks.length);
        assertNotSame(arrays[0], chunks[0]); // a chunk never shares the reader's array
        assertArrayEquals(arrays[1], chunks[1]);
        assertEquals(4 * F, chunks[2].length); // rows 8-11: the 2-row batch grown by the next two batches' rows
        assertEquals(2 * F, chunks[4].length);
        assertRows(data);
    }

    @Test
    void readBatchesAreWholeChunksUpToACap() {
        RowChunks.chunkValues = 1 << 22; // the default (restored after each test)
        assertEquals(5349, RowChunks.batchRows(784));
        assertEquals(16_384, RowChunks.batchRows(1)); // chunks of 4 M rows: the batches stay smaller
    }

    @Test
    void withoutABudgetEveryChunkIsAFile() throws Exception {
        PartitionData data = build(0);
        FileChunks disk = assertInstanceOf(FileChunks.class, data.features());
        assertEquals("disk", disk.storage());
        assertEquals(5, files());
        assertEquals(4 * F * 4, Files.size(disk.dir().resolve("chunk-0.f32"))); // 4 rows of 3 float32
        assertEquals(2 * F * 4, Files.size(disk.dir().resolve("chunk-4.f32")));
        assertEquals(18 * F * 4, disk.bytes());
        assertRows(data);
    }

    @Test
    void pastTheBudgetTheHeldChunksMoveToFilesAndTheRestFollow() throws Exception {
        PartitionData data = build(2 * 4 * F * 4); // two whole chunks fit, the third does not
        assertInstanceOf(FileChunks.class, data.features());
        assertEquals(5, files());
        assertRows(data);
    }

    @Test
    void fileChunksTravelWithTheirValuesAndLandInANewDirectory() throws Exception {
        PartitionData data = build(0);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(data);
        }
        PartitionData copy;
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            copy = (PartitionData) in.readObject();
        }
        Path original = ((FileChunks) data.features()).dir(), moved = ((FileChunks) copy.features()).dir();
        assertNotEquals(original, moved);
        try (Stream<Path> s = Files.list(original)) {
            s.forEach(p -> p.toFile().delete()); // the copy must not read the first executor's files
        }
        assertRows(copy);
    }

    @Test
    void aLoadThatFailsLeavesNoFiles() throws Exception {
        RowChunks chunks = new RowChunks(F, true, 0, dir);
        float[] x = new float[5 * F];
        chunks.add(new TensorBatch(Tensor.fromStorage(Storage.of(x), new int[]{5, F}), Tensor.fromStorage(Storage.of(new long[5]), new int[]{5}), 5));
        assertEquals(1, files());
        chunks.close(); // no finish: the task failed
        assertEquals(0, files());
    }

    @Test
    void regressionTargetsComeBackAsFloats() {
        try (RowChunks chunks = new RowChunks(1, false, Long.MAX_VALUE, dir)) {
            chunks.add(new TensorBatch(Tensor.fromStorage(Storage.of(new float[]{1, 2, 3}), new int[]{3, 1}),
                    Tensor.fromStorage(Storage.of(new float[]{-1.5f, 0.5f, 2.5f}), new int[]{3}), 3));
            Tensor[] b = chunks.finish(0, 0).batch(new int[]{2, 0});
            assertArrayEquals(new float[]{3, 1}, b[0].toFloatArray());
            assertArrayEquals(new float[]{2.5f, -1.5f}, b[1].toFloatArray());
        }
    }

    @Test
    void chunksHoldWholeRowsAndAWideRowIsAChunkOfItsOwn() {
        assertEquals(5349, RowChunks.chunkRows(784, 1 << 22)); // 4,194,304 / 784 = 5349.9: whole rows only
        assertEquals(4, RowChunks.chunkRows(3, 12));
        assertEquals(1, RowChunks.chunkRows(5, 3));
    }

    @Test
    void aPartitionOfMoreThan2Pow31ValuesFindsEveryRowInItsChunk() {
        // 600 chunks of 4 rows x 2^20 features: 2,516,582,400 values. All but the last chunk share one array, so it takes 32 MB.
        int f = 1 << 20, chunkRows = 4;
        float[] shared = new float[chunkRows * f], last = new float[chunkRows * f];
        for (int r = 0; r < chunkRows; r++) {
            shared[r * f] = r + 1;
            last[r * f + f - 1] = -(r + 1);
        }
        float[][] chunks = new float[600][];
        Arrays.fill(chunks, shared);
        chunks[599] = last;
        HeapChunks heap = new HeapChunks(chunks, chunkRows, f);
        assertTrue(2400L * f > Integer.MAX_VALUE);
        assertEquals(2400L * f * 4, heap.bytes());
        long[] classes = new long[2400];
        classes[2399] = 9;
        PartitionData data = new PartitionData(0, heap, classes, null, 2400, 0);
        Tensor[] b = data.batch(new int[]{2399, 2397, 5});
        float[] x = b[0].toFloatArray();
        assertEquals(-4, x[f - 1]);          // row 2399: chunk 599, row 3, starts at value 2399 * 2^20 > 2^31
        assertEquals(-2, x[2 * f - 1]);      // row 2397: chunk 599, row 1
        assertEquals(2, x[2 * f]);           // row 5: chunk 1, row 1
        assertEquals(0, x[0]);               // row 2399's first value was never written
        assertArrayEquals(new long[]{9, 0, 0}, b[1].toLongArray());
    }
}
