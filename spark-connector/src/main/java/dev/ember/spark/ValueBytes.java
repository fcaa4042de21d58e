package dev.ember.spark;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Snapshot values on Java serialization's streams as little-endian bytes, through one 64 KB buffer.
 *
 * <p>Why: {@code ObjectOutputStream} writes a {@code float[]} or {@code double[]} element by element ({@code Bits.putInt}
 * per value, a tenth of a round's time in a profile), and a buffer holding a whole state (5.6 MB of doubles for the
 * MLP with Adam's moments) is a humongous allocation for G1: every round made several, and each could start a
 * collection. A run of values goes as its count, then its bytes.
 */
final class ValueBytes {
    private static final int BUFFER = 1 << 16;

    private ValueBytes() {}

    /** Writes runs of values, each as floats or doubles; {@link #flush} after the last. */
    static final class Writer {
        private final ObjectOutputStream out;
        private final ByteBuffer buffer = ByteBuffer.allocate(BUFFER).order(ByteOrder.LITTLE_ENDIAN);

        Writer(ObjectOutputStream out) { this.out = out; }

        void count(int n) throws IOException {
            flush();
            out.writeInt(n);
        }

        /** {@code v} rounded to float: exact for a float32 entry's values (see {@link Snapshot}). */
        void putFloat(double v) throws IOException {
            if (buffer.remaining() < Float.BYTES) flush();
            buffer.putFloat((float) v);
        }

        void putDouble(double v) throws IOException {
            if (buffer.remaining() < Double.BYTES) flush();
            buffer.putDouble(v);
        }

        void flush() throws IOException {
            out.write(buffer.array(), 0, buffer.position());
            buffer.clear();
        }
    }

    /** Reads what a {@link Writer} wrote, in the same order. */
    static final class Reader {
        private final ObjectInputStream in;
        private final ByteBuffer buffer = ByteBuffer.allocate(BUFFER).order(ByteOrder.LITTLE_ENDIAN);
        private long left; // bytes of the current run not yet in the buffer

        Reader(ObjectInputStream in) {
            this.in = in;
            buffer.limit(0);
        }

        /** The length of the next run, whose values are {@code width} bytes each. */
        int count(int width) throws IOException {
            if (buffer.hasRemaining() || left > 0) throw new IOException("the previous run of values was not read to its end");
            int n = in.readInt();
            if (n < 0) throw new IOException("negative count of values: " + n);
            left = (long) n * width;
            return n;
        }

        float getFloat() throws IOException {
            if (buffer.remaining() < Float.BYTES) fill();
            return buffer.getFloat();
        }

        double getDouble() throws IOException {
            if (buffer.remaining() < Double.BYTES) fill();
            return buffer.getDouble();
        }

        private void fill() throws IOException {
            buffer.compact();
            int n = (int) Math.min(left, buffer.remaining());
            in.readFully(buffer.array(), buffer.position(), n);
            buffer.position(buffer.position() + n);
            left -= n;
            buffer.flip();
        }
    }

    static void writeDoubles(ObjectOutputStream out, double[] values) throws IOException {
        Writer w = new Writer(out);
        w.count(values.length);
        for (double v : values) w.putDouble(v);
        w.flush();
    }

    static double[] readDoubles(ObjectInputStream in) throws IOException {
        Reader r = new Reader(in);
        double[] values = new double[r.count(Double.BYTES)];
        for (int i = 0; i < values.length; i++) values[i] = r.getDouble();
        return values;
    }
}
