package dev.ember.engine.data;

import dev.ember.engine.DType;
import dev.ember.engine.Storage;
import dev.ember.engine.Tensor;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Reads IDX files (the MNIST / Fashion-MNIST format), plain or gzipped: a big-endian header
 * (two zero bytes, a type code, the rank, then one int32 per dim) followed by the data.
 */
public final class Idx {
    private Idx() {}

    /** Loads an unsigned-byte IDX file as a uint8 tensor of its stored shape. */
    public static Tensor read(Path file) throws IOException {
        try (InputStream raw = Files.newInputStream(file);
             DataInputStream in = new DataInputStream(new BufferedInputStream(
                     file.toString().endsWith(".gz") ? new GZIPInputStream(raw, 1 << 16) : raw, 1 << 16))) {
            int magic = readHeaderInt(in, file, "the magic number");
            int type = (magic >> 8) & 0xff, rank = magic & 0xff;
            if ((magic >>> 16) != 0 || rank < 1 || rank > 4) {
                throw new IOException(file + " is not an IDX file (magic number 0x" + Integer.toHexString(magic) + ")");
            }
            if (type != 0x08) throw new IOException(file + ": IDX type 0x" + Integer.toHexString(type) + " is not supported, only unsigned bytes (0x08)");
            int[] shape = new int[rank];
            long n = 1;
            for (int i = 0; i < rank; i++) {
                shape[i] = readHeaderInt(in, file, "dimension " + i + " of " + rank);
                if (shape[i] < 0) throw new IOException(file + ": negative dimension " + shape[i]);
                n *= shape[i];
            }
            if (n > Integer.MAX_VALUE) throw new IOException(file + ": " + n + " elements is too many for one tensor");
            byte[] data = new byte[(int) n];
            try {
                in.readFully(data);
            } catch (EOFException e) {
                throw new IOException(file + " is truncated: its header promises " + n + " bytes of data", e);
            }
            return Tensor.fromStorage(Storage.of(data, DType.UINT8), shape);
        }
    }

    /** A big-endian int32 of the header; a file that ends first is reported as truncated, naming what is missing. */
    private static int readHeaderInt(DataInputStream in, Path file, String what) throws IOException {
        try {
            return in.readInt();
        } catch (EOFException e) {
            throw new IOException(file + " is truncated: it ends before " + what + " of its IDX header", e);
        }
    }
}
