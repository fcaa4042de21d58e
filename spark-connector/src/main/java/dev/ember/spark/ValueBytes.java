package dev.ember.spark;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Snapshot values on Java serialization's streams as little-endian bytes, through one 64 KB buffer, a run at a time.
 *
 * <p>Why: {@code ObjectOutputStream} writes a {@code float[]} or {@code double[]} element by element ({@code Bits.putInt}
 * per value, a tenth of a round's time in a profile), and a buffer holding a whole state (5.6 MB of doubles for the
 * MLP with Adam's moments) is a humongous allocation for G1: every round made several, and each could start a
 * collection. A run of values goes as its count, then its bytes; the bytes move in bulk through the buffer's
 * {@code DoubleBuffer}/{@code FloatBuffer} views (a plain copy in native order), not value by value.
 */
final class ValueBytes {
    private static final int BUFFER = 1 << 16;

    private ValueBytes() {}

    /** Writes runs of values, each as floats or doubles. */
    static final class Writer {
        private final ObjectOutputStream out;
        private final ByteBuffer buffer = ByteBuffer.allocate(BUFFER).order(ByteOrder.LITTLE_ENDIAN);
        private final float[] narrowed = new float[BUFFER / Float.BYTES];

        Writer(ObjectOutputStream out) { this.out = out; }

        /** Starts a run of {@code n} values: its count. */
        void count(int n) throws IOException { out.writeInt(n); }

        /** {@code values[from, to)} rounded to float: exact for a float32 entry's values (see {@link Snapshot}). */
        void putFloats(double[] values, int from, int to) throws IOException {
            while (from < to) {
                int n = Math.min(to - from, narrowed.length);
                for (int j = 0; j < n; j++) narrowed[j] = (float) values[from + j];
                buffer.asFloatBuffer().put(narrowed, 0, n);
                write(n * Float.BYTES);
                from += n;
            }
        }

        void putDoubles(double[] values, int from, int to) throws IOException {
            while (from < to) {
                int n = Math.min(to - from, BUFFER / Double.BYTES);
                buffer.asDoubleBuffer().put(values, from, n);
                write(n * Double.BYTES);
                from += n;
            }
        }

        private void write(int bytes) throws IOException { out.write(buffer.array(), 0, bytes); }
    }

    /** Reads what a {@link Writer} wrote, in the same order. */
    static final class Reader {
        private final ObjectInputStream in;
        private final ByteBuffer buffer = ByteBuffer.allocate(BUFFER).order(ByteOrder.LITTLE_ENDIAN);
        private final float[] narrow = new float[BUFFER / Float.BYTES];

        Reader(ObjectInputStream in) { this.in = in; }

        /** The length of the next run. */
        int count() throws IOException {
            int n = in.readInt();
            if (n < 0) throw new IOException("negative count of values: " + n);
            return n;
        }

        /** Reads floats into {@code values[from, to)}, widened (exactly). */
        void getFloats(double[] values, int from, int to) throws IOException {
            while (from < to) {
                int n = Math.min(to - from, narrow.length);
                read(n * Float.BYTES);
                buffer.asFloatBuffer().get(narrow, 0, n);
                for (int j = 0; j < n; j++) values[from + j] = narrow[j];
                from += n;
            }
        }

        void getDoubles(double[] values, int from, int to) throws IOException {
            while (from < to) {
                int n = Math.min(to - from, BUFFER / Double.BYTES);
                read(n * Double.BYTES);
                buffer.asDoubleBuffer().get(values, from, n);
                from += n;
            }
        }

        private void read(int bytes) throws IOException {
            in.readFully(buffer.array(), 0, bytes);
            buffer.clear();
        }
    }

    static void writeDoubles(ObjectOutputStream out, double[] values) throws IOException {
        Writer w = new Writer(out);
        w.count(values.length);
        w.putDoubles(values, 0, values.length);
    }

    static double[] readDoubles(ObjectInputStream in) throws IOException {
        Reader r = new Reader(in);
        double[] values = new double[r.count()];
        r.getDoubles(values, 0, values.length);
        return values;
    }
}
