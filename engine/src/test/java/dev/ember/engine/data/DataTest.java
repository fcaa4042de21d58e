package dev.ember.engine.data;

import dev.ember.engine.Generator;
import dev.ember.engine.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DataTest {
    /** x = row index as a float feature, y = row index as a label, so batches reveal which rows they hold. */
    private static TensorDataset numbered(int n) {
        return new TensorDataset(Tensor.arange(n).toFloat().unsqueeze(1), Tensor.arange(n));
    }

    private static List<long[]> epoch(DataLoader<Tensor[]> loader) {
        List<long[]> out = new ArrayList<>();
        for (Tensor[] b : loader) {
            assertArrayEquals(b[0].squeeze(1).toLongArray(), b[1].toLongArray(), "features and labels stay aligned");
            out.add(b[1].toLongArray());
        }
        return out;
    }

    @Test void everySampleOncePerEpochAndTheRemainderIsKept() {
        List<long[]> batches = epoch(DataLoader.builder(numbered(10)).batchSize(4).shuffle(true).seed(3).build());
        assertEquals(List.of(4, 4, 2), batches.stream().map(b -> b.length).toList());
        long[] all = batches.stream().flatMapToLong(Arrays::stream).sorted().toArray();
        assertArrayEquals(new long[]{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, all);
    }

    @Test void dropLastDropsTheShortBatch() {
        DataLoader<Tensor[]> loader = DataLoader.builder(numbered(10)).batchSize(4).dropLast(true).build();
        assertEquals(2, loader.size());
        assertEquals(List.of(4, 4), epoch(loader).stream().map(b -> b.length).toList());
    }

    @Test void seededShuffleReproducesAndEpochsDiffer() {
        DataLoader<Tensor[]> a = DataLoader.builder(numbered(50)).batchSize(50).shuffle(true).seed(7).build();
        DataLoader<Tensor[]> b = DataLoader.builder(numbered(50)).batchSize(50).shuffle(true).seed(7).build();
        long[] a1 = epoch(a).get(0), b1 = epoch(b).get(0), a2 = epoch(a).get(0);
        assertArrayEquals(a1, b1);
        assertNotEquals(Arrays.toString(a1), Arrays.toString(a2));
        assertArrayEquals(new long[]{0, 1, 2}, Arrays.copyOf(epoch(DataLoader.of(numbered(50), 50, false)).get(0), 3), "no shuffle keeps order");
    }

    @Test void prefetchGivesTheSameBatchesAndPropagatesErrors() {
        List<long[]> plain = epoch(DataLoader.builder(numbered(20)).batchSize(3).shuffle(true).seed(1).build());
        List<long[]> pre = epoch(DataLoader.builder(numbered(20)).batchSize(3).shuffle(true).seed(1).prefetch(2).build());
        assertEquals(plain.size(), pre.size());
        for (int i = 0; i < plain.size(); i++) assertArrayEquals(plain.get(i), pre.get(i));

        Dataset<Tensor[]> broken = new Dataset<>() {
            public int size() { return 4; }
            public Tensor[] get(int i) {
                if (i == 2) throw new IllegalStateException("sample 2 is corrupt");
                return new Tensor[]{Tensor.tensor((float) i)};
            }
        };
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> { for (Tensor[] b : DataLoader.builder(broken).batchSize(1).prefetch(1).build()) assertEquals(1, b[0].numel()); });
        assertEquals("sample 2 is corrupt", e.getMessage());
    }

    @Test void defaultCollateStacksCustomSamples() {
        Dataset<Tensor[]> squares = new Dataset<>() {
            public int size() { return 3; }
            public Tensor[] get(int i) { return new Tensor[]{Tensor.tensor((float) i, (float) (i * i)), Tensor.tensor((long) i)}; }
        };
        Tensor[] b = DataLoader.of(squares, 3, false).iterator().next();
        assertArrayEquals(new int[]{3, 2}, b[0].shape());
        assertArrayEquals(new float[]{0, 0, 1, 1, 2, 4}, b[0].toFloatArray());
        assertArrayEquals(new long[]{0, 1, 2}, b[1].toLongArray());
    }

    @Test void randomSplitByLengthsAndFractions() {
        List<Subset<Tensor[]>> parts = Datasets.randomSplit(numbered(10), new int[]{7, 3}, new Generator(0));
        assertEquals(7, parts.get(0).size());
        long[] all = new long[10];
        int k = 0;
        for (Subset<Tensor[]> s : parts) for (int i = 0; i < s.size(); i++) all[k++] = s.get(i)[1].itemLong();
        Arrays.sort(all);
        assertArrayEquals(new long[]{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, all);
        // 10 * [0.33, 0.33, 0.34] floors to [3, 3, 3]; the one left over goes to the first subset (PyTorch's rule).
        List<Subset<Tensor[]>> f = Datasets.randomSplit(numbered(10), new double[]{0.33, 0.33, 0.34}, new Generator(0));
        assertEquals(List.of(4, 3, 3), f.stream().map(Subset::size).toList());
        assertThrows(IllegalArgumentException.class, () -> Datasets.randomSplit(numbered(10), new int[]{5, 4}, new Generator(0)));
    }

    @Test void badInputIsNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new TensorDataset(Tensor.zeros(3, 2), Tensor.zeros(4)));
        assertTrue(e.getMessage().contains("[3, 2]") && e.getMessage().contains("[4]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> DataLoader.builder(numbered(3)).batchSize(0));
        assertTrue(e.getMessage().contains("batch_size=0"), e.getMessage());
    }

    /** An IDX file by hand: magic 0x00000803 (ubyte, rank 3), dims 2x2x3, then 12 bytes. */
    private static byte[] idx() {
        byte[] header = {0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 3};
        byte[] out = Arrays.copyOf(header, header.length + 12);
        for (int i = 0; i < 12; i++) out[header.length + i] = (byte) (i * 20);
        return out;
    }

    @Test void idxPlainAndGzipped(@TempDir Path dir) throws IOException {
        Path plain = dir.resolve("x-idx3-ubyte"), gz = dir.resolve("x-idx3-ubyte.gz");
        Files.write(plain, idx());
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(buf)) { z.write(idx()); }
        Files.write(gz, buf.toByteArray());
        for (Path p : new Path[]{plain, gz}) {
            Tensor t = Idx.read(p);
            assertArrayEquals(new int[]{2, 2, 3}, t.shape());
            assertEquals(220, t.toLongArray()[11], "bytes are unsigned: 11 * 20 = 220");
        }
    }

    @Test void idxTruncatedOrNotIdx(@TempDir Path dir) throws IOException {
        Path cut = dir.resolve("cut"), bad = dir.resolve("bad");
        Files.write(cut, Arrays.copyOf(idx(), 20));
        Files.write(bad, new byte[]{'P', 'K', 3, 4, 0, 0, 0, 0});
        assertTrue(assertThrows(IOException.class, () -> Idx.read(cut)).getMessage().contains("truncated"));
        assertTrue(assertThrows(IOException.class, () -> Idx.read(bad)).getMessage().contains("not an IDX file"));
    }
}
