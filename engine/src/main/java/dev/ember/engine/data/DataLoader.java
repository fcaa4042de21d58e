package dev.ember.engine.data;

import dev.ember.engine.Generator;
import dev.ember.engine.Tensor;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Batches of a dataset, like torch.utils.data.DataLoader: batch size, seeded shuffling (a new order each
 * epoch, reproducible from the seed), dropLast, a collate function, and optional background prefetch
 * (one thread assembles the next batches while the caller trains on the current one).
 *
 * <p>Batches of a {@link TensorDataset} (or a {@link Subset} of one) are gathered with one row copy per
 * tensor; other datasets go through {@code collate}, by default stacking each field of the samples.
 */
public final class DataLoader<T> implements Iterable<Tensor[]> {
    private final Dataset<T> dataset;
    private final int batchSize;
    private final boolean shuffle, dropLast;
    private final int prefetch;
    private final Function<List<T>, Tensor[]> collate;
    private final Generator generator;

    private DataLoader(Builder<T> b) {
        this.dataset = b.dataset;
        this.batchSize = b.batchSize;
        this.shuffle = b.shuffle;
        this.dropLast = b.dropLast;
        this.prefetch = b.prefetch;
        this.collate = b.collate;
        this.generator = new Generator(b.seed);
    }

    public static <T> Builder<T> builder(Dataset<T> dataset) { return new Builder<>(dataset); }

    /** A loader with batch size and shuffling; no prefetch. */
    public static <T> DataLoader<T> of(Dataset<T> dataset, int batchSize, boolean shuffle) {
        return builder(dataset).batchSize(batchSize).shuffle(shuffle).build();
    }

    public static final class Builder<T> {
        private final Dataset<T> dataset;
        private int batchSize = 1;
        private boolean shuffle, dropLast;
        private int prefetch;
        private long seed = 0;
        private Function<List<T>, Tensor[]> collate = defaultCollateFn();

        private Builder(Dataset<T> dataset) { this.dataset = dataset; }

        public Builder<T> batchSize(int n) {
            if (n <= 0) throw new IllegalArgumentException("batch_size should be a positive integer value, but got batch_size=" + n);
            batchSize = n;
            return this;
        }
        public Builder<T> shuffle(boolean v) { shuffle = v; return this; }
        public Builder<T> dropLast(boolean v) { dropLast = v; return this; }
        /** Batches to prepare ahead on a background thread (0: none). */
        public Builder<T> prefetch(int batches) {
            if (batches < 0) throw new IllegalArgumentException("prefetch must be >= 0, got " + batches);
            prefetch = batches;
            return this;
        }
        /** Seed of the shuffling order (epoch e uses the e-th permutation drawn from it). */
        public Builder<T> seed(long s) { seed = s; return this; }
        public Builder<T> collate(Function<List<T>, Tensor[]> fn) { collate = fn; return this; }
        public DataLoader<T> build() { return new DataLoader<>(this); }
    }

    /** Number of batches per epoch. */
    public int size() {
        int n = dataset.size();
        return dropLast ? n / batchSize : (n + batchSize - 1) / batchSize;
    }

    public Dataset<T> dataset() { return dataset; }

    public int batchSize() { return batchSize; }

    /** The one default-collate instance, so the loader can tell a custom collate from the default. */
    private static final Function<List<Object>, Tensor[]> DEFAULT_COLLATE = DataLoader::defaultCollate;

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static <T> Function<List<T>, Tensor[]> defaultCollateFn() { return (Function) DEFAULT_COLLATE; }

    /**
     * Stacks field i of every sample, like PyTorch's default_collate: samples are Tensor, Tensor[] or Number
     * (integers become one int64 tensor, other numbers one float64 tensor).
     */
    public static <T> Tensor[] defaultCollate(List<T> samples) {
        Object first = samples.get(0);
        if (first instanceof Tensor) return new Tensor[]{Tensor.stack(samples.toArray(new Tensor[0]), 0)};
        if (first instanceof Tensor[] f) {
            Tensor[] out = new Tensor[f.length];
            for (int i = 0; i < f.length; i++) {
                Tensor[] field = new Tensor[samples.size()];
                for (int s = 0; s < field.length; s++) {
                    Tensor[] sample = (Tensor[]) samples.get(s);
                    if (sample.length != f.length) {
                        throw new IllegalArgumentException("default collate: sample 0 has " + f.length + " fields but sample " + s + " has " + sample.length);
                    }
                    field[s] = sample[i];
                }
                out[i] = Tensor.stack(field, 0);
            }
            return out;
        }
        if (first instanceof Number) return new Tensor[]{collateNumbers(samples)};
        throw new IllegalArgumentException("default collate handles Tensor, Tensor[] and Number samples, got " + first.getClass().getName() + "; pass a collate function");
    }

    private static Tensor collateNumbers(List<?> samples) {
        boolean integral = true;
        for (Object o : samples) integral &= o instanceof Long || o instanceof Integer || o instanceof Short || o instanceof Byte;
        if (integral) {
            long[] v = new long[samples.size()];
            for (int i = 0; i < v.length; i++) v[i] = ((Number) samples.get(i)).longValue();
            return Tensor.tensor(v);
        }
        double[] v = new double[samples.size()];
        for (int i = 0; i < v.length; i++) v[i] = ((Number) samples.get(i)).doubleValue();
        return Tensor.of(v, dev.ember.engine.DType.FLOAT64);
    }

    @Override public Iterator<Tensor[]> iterator() {
        int[] order = shuffle ? generator.permutation(dataset.size()) : identity(dataset.size());
        Iterator<Tensor[]> batches = new BatchIterator(order);
        return prefetch > 0 ? new Prefetcher(batches, prefetch) : batches;
    }

    private static int[] identity(int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        return p;
    }

    private final class BatchIterator implements Iterator<Tensor[]> {
        private final int[] order;
        private int at;

        BatchIterator(int[] order) { this.order = order; }

        @Override public boolean hasNext() {
            int left = order.length - at;
            return dropLast ? left >= batchSize : left > 0;
        }

        @Override public Tensor[] next() {
            if (!hasNext()) throw new NoSuchElementException();
            int len = Math.min(batchSize, order.length - at);
            int[] idx = java.util.Arrays.copyOfRange(order, at, at + len);
            at += len;
            return load(idx);
        }
    }

    private Tensor[] load(int[] idx) {
        // The row-gather fast path stands in for the default collate only; a custom collate sees the samples.
        if ((Object) collate != DEFAULT_COLLATE) return collateSamples(idx);
        Dataset<?> d = dataset;
        if (d instanceof Subset<?> s && s.dataset() instanceof TensorDataset) {
            int[] inner = s.indices();
            int[] mapped = new int[idx.length];
            for (int i = 0; i < idx.length; i++) mapped[i] = inner[idx[i]];
            idx = mapped;
            d = s.dataset();
        }
        if (d instanceof TensorDataset td) {
            long[] rows = new long[idx.length];
            for (int i = 0; i < idx.length; i++) rows[i] = idx[i];
            return td.rows(Tensor.tensor(rows));
        }
        return collateSamples(idx);
    }

    private Tensor[] collateSamples(int[] idx) {
        List<T> samples = new ArrayList<>(idx.length);
        for (int i : idx) samples.add(dataset.get(i));
        return collate.apply(samples);
    }

    /**
     * Runs a batch iterator on a daemon thread, keeping up to `depth` batches ready. The thread sees its
     * consumer only through a weak reference: when a loop stops early and drops the iterator, the thread
     * notices at its next full-queue wait and ends, instead of blocking forever with the dataset in hand.
     */
    private static final class Prefetcher implements Iterator<Tensor[]> {
        private static final Tensor[] END = new Tensor[0];
        private static final long POLL_MS = 100;
        private final BlockingQueue<Object> queue;
        private Object next;

        Prefetcher(Iterator<Tensor[]> source, int depth) {
            BlockingQueue<Object> q = new ArrayBlockingQueue<>(depth + 1);
            queue = q;
            WeakReference<Prefetcher> consumer = new WeakReference<>(this);
            Thread t = new Thread(() -> {
                try {
                    while (source.hasNext()) {
                        if (!put(q, source.next(), consumer)) return;
                    }
                    put(q, END, consumer);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (RuntimeException | Error e) {
                    try { put(q, e, consumer); } catch (InterruptedException ignored) { Thread.currentThread().interrupt(); }
                }
            }, "ember-dataloader");
            t.setDaemon(true);
            t.start();
        }

        /** Queues an item; false once the consumer is gone. */
        private static boolean put(BlockingQueue<Object> q, Object item, WeakReference<Prefetcher> consumer) throws InterruptedException {
            while (!q.offer(item, POLL_MS, TimeUnit.MILLISECONDS)) {
                if (consumer.get() == null) return false;
            }
            return true;
        }

        @Override public boolean hasNext() {
            if (next == null) {
                try {
                    next = queue.take();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for the next batch", e);
                }
            }
            if (next instanceof RuntimeException e) throw e;
            if (next instanceof Error e) throw e;
            return next != END;
        }

        @Override public Tensor[] next() {
            if (!hasNext()) throw new NoSuchElementException();
            Tensor[] b = (Tensor[]) next;
            next = null;
            return b;
        }
    }
}
