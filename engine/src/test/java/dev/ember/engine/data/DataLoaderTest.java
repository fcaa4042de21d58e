package dev.ember.engine.data;

import dev.ember.engine.DType;
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
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DataLoader, Subset, randomSplit and Idx beyond {@link DataTest}: custom collate functions, number samples,
 * subsets, several epochs with prefetch, PyTorch's split lengths and truncated IDX headers.
 */
class DataLoaderTest {
    /** x = row index as a float feature, y = row index as a label. */
    private static TensorDataset numbered(int n) {
        return new TensorDataset(Tensor.arange(n).toFloat().unsqueeze(1), Tensor.arange(n));
    }

    private static List<Long> labels(Iterable<Tensor[]> loader) {
        List<Long> out = new ArrayList<>();
        for (Tensor[] b : loader) for (long v : b[1].toLongArray()) out.add(v);
        return out;
    }

    private static List<Long> range(int n) {
        List<Long> r = new ArrayList<>();
        for (long i = 0; i < n; i++) r.add(i);
        return r;
    }

    @Test void everyEpochIsAPermutationAndSuccessiveEpochsDiffer() {
        DataLoader<Tensor[]> loader = DataLoader.builder(numbered(23)).batchSize(5).shuffle(true).seed(11).build();
        assertEquals(5, loader.size(), "23 samples in batches of 5: four full batches and a remainder of 3");
        List<List<Long>> epochs = new ArrayList<>();
        for (int e = 0; e < 3; e++) {
            List<Long> order = labels(loader);
            List<Long> sorted = new ArrayList<>(order);
            sorted.sort(null);
            assertEquals(range(23), sorted, "epoch " + e + " holds every sample exactly once");
            epochs.add(order);
        }
        assertFalse(epochs.get(0).equals(epochs.get(1)) || epochs.get(1).equals(epochs.get(2)), "each epoch draws a new order");
        DataLoader<Tensor[]> again = DataLoader.builder(numbered(23)).batchSize(5).shuffle(true).seed(11).build();
        for (int e = 0; e < 3; e++) assertEquals(epochs.get(e), labels(again), "the seed fixes the order of epoch " + e);
    }

    @Test void dropLastWithAnExactMultipleKeepsEveryBatch() {
        DataLoader<Tensor[]> loader = DataLoader.builder(numbered(8)).batchSize(4).dropLast(true).build();
        assertEquals(2, loader.size());
        assertEquals(range(8), labels(loader));
        assertEquals(0, DataLoader.builder(numbered(3)).batchSize(4).dropLast(true).build().size(), "fewer samples than one batch: nothing");
        assertFalse(DataLoader.builder(numbered(3)).batchSize(4).dropLast(true).build().iterator().hasNext());
    }

    @Test void prefetchMatchesNoPrefetchOverSeveralEpochs() {
        DataLoader<Tensor[]> plain = DataLoader.builder(numbered(17)).batchSize(4).shuffle(true).seed(2).build();
        DataLoader<Tensor[]> pre = DataLoader.builder(numbered(17)).batchSize(4).shuffle(true).seed(2).prefetch(3).build();
        for (int e = 0; e < 3; e++) {
            List<Tensor[]> a = new ArrayList<>(), b = new ArrayList<>();
            plain.forEach(a::add);
            pre.forEach(b::add);
            assertEquals(a.size(), b.size());
            for (int i = 0; i < a.size(); i++) {
                assertArrayEquals(a.get(i)[0].toFloatArray(), b.get(i)[0].toFloatArray(), "epoch " + e + " batch " + i);
                assertArrayEquals(a.get(i)[1].toLongArray(), b.get(i)[1].toLongArray(), "epoch " + e + " batch " + i);
            }
        }
    }

    @Test void anAbandonedPrefetchingLoopDoesNotLeaveItsThreadBlocked() throws InterruptedException {
        DataLoader<Tensor[]> loader = DataLoader.builder(numbered(400)).batchSize(2).prefetch(1).build();
        long before = prefetchThreads();
        java.util.Iterator<Tensor[]> it = loader.iterator();
        it.next(); // stop after one of 200 batches: the producer waits on a full queue
        assertEquals(before + 1, prefetchThreads());
        it = null;
        for (int i = 0; i < 100 && prefetchThreads() > before; i++) {
            System.gc();
            Thread.sleep(50);
        }
        assertEquals(before, prefetchThreads(), "the producer thread should end once its consumer is garbage");
    }

    private static long prefetchThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals("ember-dataloader") && t.isAlive()).count();
    }

    @Test void prefetchPropagatesAnErrorOfTheCollateFunction() {
        DataLoader<Tensor[]> loader = DataLoader.builder(numbered(6)).batchSize(2).prefetch(2).collate(samples -> {
            if (samples.get(0)[1].itemLong() == 4) throw new IllegalArgumentException("cannot collate the batch starting at 4");
            return DataLoader.defaultCollate(samples);
        }).build();
        List<Long> seen = new ArrayList<>();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> { for (Tensor[] b : loader) seen.add(b[1].toLongArray()[0]); });
        assertEquals("cannot collate the batch starting at 4", e.getMessage());
        assertEquals(List.of(0L, 2L), seen, "the batches before the failure arrive");
    }

    @Test void aCustomCollateSeesTheSamplesOfATensorDataset() {
        // The row-gather shortcut of TensorDataset must not bypass a collate function the caller asked for.
        DataLoader<Tensor[]> loader = DataLoader.builder(numbered(4)).batchSize(2)
                .collate(samples -> new Tensor[]{Tensor.tensor((long) samples.size())}).build();
        List<Long> sizes = new ArrayList<>();
        for (Tensor[] b : loader) sizes.add(b[0].itemLong());
        assertEquals(List.of(2L, 2L), sizes);
    }

    @Test void defaultCollateOfTensorsAndNumbers() {
        Dataset<Tensor> vectors = new Dataset<>() {
            public int size() { return 4; }
            public Tensor get(int i) { return Tensor.tensor((float) i, (float) -i); }
        };
        Tensor[] b = DataLoader.of(vectors, 3, false).iterator().next();
        assertEquals(1, b.length);
        assertArrayEquals(new int[]{3, 2}, b[0].shape());
        assertArrayEquals(new float[]{0, 0, 1, -1, 2, -2}, b[0].toFloatArray());

        // As PyTorch's default_collate: Python ints become int64, floats float64.
        Dataset<Number> ints = new Dataset<>() {
            public int size() { return 3; }
            public Number get(int i) { return i * 10; }
        };
        Tensor[] n = DataLoader.of(ints, 3, false).iterator().next();
        assertEquals(DType.INT64, n[0].dtype());
        assertArrayEquals(new long[]{0, 10, 20}, n[0].toLongArray());
        Dataset<Number> reals = new Dataset<>() {
            public int size() { return 2; }
            public Number get(int i) { return i + 0.5; }
        };
        Tensor[] r = DataLoader.of(reals, 2, false).iterator().next();
        assertEquals(DType.FLOAT64, r[0].dtype());
        assertArrayEquals(new double[]{0.5, 1.5}, r[0].toDoubleArray());

        Dataset<String> words = new Dataset<>() {
            public int size() { return 1; }
            public String get(int i) { return "w"; }
        };
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DataLoader.of(words, 1, false).iterator().next());
        assertTrue(e.getMessage().contains("java.lang.String"), e.getMessage());
    }

    @Test void raggedSamplesAreNamedByDefaultCollate() {
        Dataset<Tensor[]> ragged = new Dataset<>() {
            public int size() { return 2; }
            public Tensor[] get(int i) { return i == 0 ? new Tensor[]{Tensor.tensor(1f), Tensor.tensor(2f)} : new Tensor[]{Tensor.tensor(1f)}; }
        };
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DataLoader.of(ragged, 2, false).iterator().next());
        assertTrue(e.getMessage().contains("sample 0 has 2 fields but sample 1 has 1"), e.getMessage());
    }

    @Test void aSubsetOfATensorDatasetBatchesItsOwnRows() {
        Subset<Tensor[]> odd = new Subset<>(numbered(10), new int[]{9, 1, 7, 3});
        assertEquals(List.of(9L, 1L, 7L, 3L), labels(DataLoader.of(odd, 3, false)));
        Tensor[] b = DataLoader.of(odd, 4, false).iterator().next();
        assertArrayEquals(new float[]{9, 1, 7, 3}, b[0].toFloatArray(), "features follow the same rows");
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> new Subset<>(numbered(3), new int[]{0, 3}));
        assertTrue(e.getMessage().contains("3") && e.getMessage().contains("size 3"), e.getMessage());
    }

    @Test void randomSplitLengthsFollowPyTorch() {
        // Lengths from torch.utils.data.random_split(range(n), fractions) in PyTorch 1.13: floor(n * f), then the
        // leftovers one each to the first subsets.
        assertEquals(List.of(3, 3, 3, 2), sizes(Datasets.randomSplit(numbered(11), new double[]{0.25, 0.25, 0.25, 0.25}, new Generator(0))));
        assertEquals(List.of(4, 3), sizes(Datasets.randomSplit(numbered(7), new double[]{0.5, 0.5}, new Generator(0))));
        assertEquals(List.of(1, 0, 4), sizes(Datasets.randomSplit(numbered(5), new double[]{0.1, 0.1, 0.8}, new Generator(0))));

        List<Subset<Tensor[]>> parts = Datasets.randomSplit(numbered(11), new double[]{0.25, 0.25, 0.25, 0.25}, new Generator(4));
        List<Long> all = new ArrayList<>();
        for (Subset<Tensor[]> s : parts) all.addAll(labels(DataLoader.of(s, 11, false)));
        all.sort(null);
        assertEquals(range(11), all, "the subsets do not overlap and cover the dataset");
        assertEquals(Arrays.toString(parts.get(0).indices()),
                Arrays.toString(Datasets.randomSplit(numbered(11), new double[]{0.25, 0.25, 0.25, 0.25}, new Generator(4)).get(0).indices()),
                "the generator fixes the split");
    }

    private static List<Integer> sizes(List<? extends Dataset<?>> parts) { return parts.stream().map(Dataset::size).toList(); }

    @Test void randomSplitErrorsNameTheValues() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Datasets.randomSplit(numbered(10), new int[]{6, 5}, new Generator(0)));
        assertTrue(e.getMessage().contains("[6, 5]") && e.getMessage().contains("11") && e.getMessage().contains("(10)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Datasets.randomSplit(numbered(10), new double[]{0.5, 0.4}, new Generator(0)));
        assertTrue(e.getMessage().contains("[0.5, 0.4]"), e.getMessage());
    }

    @Test void loaderArgumentErrors() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DataLoader.builder(numbered(3)).batchSize(-2));
        assertTrue(e.getMessage().contains("batch_size=-2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> DataLoader.builder(numbered(3)).prefetch(-1));
        assertTrue(e.getMessage().contains("-1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new TensorDataset(Tensor.zeros(5, 3), Tensor.zeros(5), Tensor.zeros(2, 5)));
        assertTrue(e.getMessage().contains("[5, 3]") && e.getMessage().contains("[2, 5]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, TensorDataset::new);
    }

    /** magic 0x00000801 (ubyte, rank 1), one dim of 5, then bytes 0, 1, 127, 128, 255. */
    private static final byte[] VECTOR = {0, 0, 8, 1, 0, 0, 0, 5, 0, 1, 127, (byte) 128, (byte) 255};

    @Test void idxVectorPlainAndGzippedReadsUnsignedBytes(@TempDir Path dir) throws IOException {
        Path plain = dir.resolve("labels-idx1-ubyte"), gz = dir.resolve("labels-idx1-ubyte.gz");
        Files.write(plain, VECTOR);
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(buf)) { z.write(VECTOR); }
        Files.write(gz, buf.toByteArray());
        for (Path p : new Path[]{plain, gz}) {
            Tensor t = Idx.read(p);
            assertEquals(DType.UINT8, t.dtype());
            assertArrayEquals(new int[]{5}, t.shape());
            assertArrayEquals(new long[]{0, 1, 127, 128, 255}, t.toLongArray(), p.getFileName().toString());
        }
    }

    @Test void idxErrorsAreClearIOExceptions(@TempDir Path dir) throws IOException {
        Path header = dir.resolve("header"), data = dir.resolve("data"), type = dir.resolve("type"), empty = dir.resolve("empty");
        Files.write(header, Arrays.copyOf(VECTOR, 6));
        Files.write(data, Arrays.copyOf(VECTOR, 10));
        Files.write(type, new byte[]{0, 0, 0x0D, 1, 0, 0, 0, 1, 0, 0, 0, 0});
        Files.write(empty, new byte[0]);
        String m = assertThrows(IOException.class, () -> Idx.read(header)).getMessage();
        assertTrue(m.contains("header") && m.contains("truncated") && m.contains("dimension 0"), m);
        m = assertThrows(IOException.class, () -> Idx.read(data)).getMessage();
        assertTrue(m.contains("truncated") && m.contains("5 bytes"), m);
        m = assertThrows(IOException.class, () -> Idx.read(type)).getMessage();
        assertTrue(m.contains("0xd") && m.contains("not supported"), m);
        m = assertThrows(IOException.class, () -> Idx.read(empty)).getMessage();
        assertTrue(m.contains("truncated") && m.contains("magic number") && m.contains(empty.toString()), m);
    }
}
