package dev.ember.spark;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.UncheckedIOException;
import java.lang.ref.Cleaner;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Feature chunks in local files (one little-endian float32 file per chunk, in a directory of the executor's
 * local dirs), read back through memory maps: the values stay out of the JVM heap, so a partition larger than the
 * executor's memory trains with the heap of one batch. The rows come back bit for bit as written, in any order.
 *
 * <p>The files live as long as this object: when the block manager drops it (the fit ends, {@code unpersist}) and
 * the GC collects it, a {@link Cleaner} deletes them; Spark also deletes its local dirs when the executor stops.
 * Serialized (a task fetching the block from another executor), it carries the values themselves and writes
 * them to the reading executor's local dir, since the paths mean nothing there.
 */
final class FileChunks implements FeatureChunks {
    private static final long serialVersionUID = 1L;
    private static final Cleaner CLEANER = Cleaner.create();

    private final int chunkRows, numFeatures;
    private final int[] chunkValues;
    private transient Path dir;
    private transient volatile FloatBuffer[] mapped;

    private FileChunks(Path dir, int chunkRows, int numFeatures, int[] chunkValues) {
        this.dir = dir;
        this.chunkRows = chunkRows;
        this.numFeatures = numFeatures;
        this.chunkValues = chunkValues;
        CLEANER.register(this, new Delete(dir));
    }

    @Override public int numFeatures() { return numFeatures; }

    @Override public void copyRow(int row, float[] dst, int off) {
        buffers()[row / chunkRows].get((row % chunkRows) * numFeatures, dst, off, numFeatures);
    }

    @Override public long bytes() {
        long n = 0;
        for (int v : chunkValues) n += 4L * v;
        return n;
    }

    @Override public String storage() { return CacheStorage.DISK; }

    /** The directory holding the chunk files (tests look inside). */
    Path dir() { return dir; }

    private FloatBuffer[] buffers() {
        FloatBuffer[] b = mapped;
        return b != null ? b : map();
    }

    private synchronized FloatBuffer[] map() {
        if (mapped != null) return mapped;
        FloatBuffer[] b = new FloatBuffer[chunkValues.length];
        for (int k = 0; k < b.length; k++) {
            try (FileChannel ch = FileChannel.open(chunkFile(dir, k), StandardOpenOption.READ)) {
                b[k] = ch.map(FileChannel.MapMode.READ_ONLY, 0, 4L * chunkValues[k]).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
            } catch (IOException e) {
                throw new UncheckedIOException("cached training rows: cannot read " + chunkFile(dir, k) + ": " + e.getMessage(), e);
            }
        }
        return mapped = b;
    }

    private static Path chunkFile(Path dir, int k) { return dir.resolve("chunk-" + k + ".f32"); }

    /** Writes chunks to a new directory under {@code parent}, one file each, reusing one byte buffer. */
    static final class Writer implements AutoCloseable {
        private final Path dir;
        private final int chunkRows, numFeatures;
        private int[] chunkValues = new int[0];
        private ByteBuffer bytes;
        private boolean finished;

        Writer(Path parent, int chunkRows, int numFeatures) {
            try {
                Files.createDirectories(parent);
                this.dir = Files.createTempDirectory(parent, "ember-rows-");
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create a directory for cached training rows under " + parent + ": " + e.getMessage(), e);
            }
            this.chunkRows = chunkRows;
            this.numFeatures = numFeatures;
        }

        /** Appends the next chunk: the first {@code length} values of {@code values}. */
        void write(float[] values, int length) {
            if (bytes == null || bytes.capacity() < 4 * length) bytes = ByteBuffer.allocate(4 * length).order(ByteOrder.LITTLE_ENDIAN);
            bytes.clear();
            bytes.asFloatBuffer().put(values, 0, length);
            bytes.limit(4 * length);
            Path file = chunkFile(dir, chunkValues.length);
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                while (bytes.hasRemaining()) ch.write(bytes);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write cached training rows to " + file + ": " + e.getMessage(), e);
            }
            chunkValues = Arrays.copyOf(chunkValues, chunkValues.length + 1);
            chunkValues[chunkValues.length - 1] = length;
        }

        FileChunks finish() {
            finished = true;
            return new FileChunks(dir, chunkRows, numFeatures, chunkValues);
        }

        /** Deletes the files unless {@link #finish} handed them on (a failed load leaves nothing behind). */
        @Override public void close() {
            if (!finished) new Delete(dir).run();
        }
    }

    private void writeObject(ObjectOutputStream out) throws IOException {
        out.defaultWriteObject();
        for (int k = 0; k < chunkValues.length; k++) Files.copy(chunkFile(dir, k), out);
    }

    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
        in.defaultReadObject();
        dir = Files.createTempDirectory(Files.createDirectories(CacheStorage.localDir(0)), "ember-rows-");
        byte[] buf = new byte[1 << 16];
        for (int k = 0; k < chunkValues.length; k++) {
            try (var file = Files.newOutputStream(chunkFile(dir, k), StandardOpenOption.CREATE_NEW)) {
                for (long left = 4L * chunkValues[k]; left > 0; ) {
                    int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                    if (n < 0) throw new IOException("cached training rows: stream ended inside chunk " + k);
                    file.write(buf, 0, n);
                    left -= n;
                }
            }
        }
        CLEANER.register(this, new Delete(dir));
    }

    /** Deletes a chunk directory; holds no reference to the chunks, so they can be collected. */
    private record Delete(Path dir) implements Runnable {
        @Override public void run() {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException | UncheckedIOException ignored) {
                // already gone (Spark removed its local dir), nothing to free
            }
        }
    }
}
