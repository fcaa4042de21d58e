package dev.ember.engine;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The flat memory behind one or more tensor views. CPU storage is a Java array of the dtype's
 * natural type: float[] (float32), double[] (float64), long[] (int64), int[] (int32), byte[] (uint8, bool).
 * The version counter is shared by every view, so autograd notices in-place writes through any of them.
 */
public final class Storage {
    /** Gives each allocation its {@link #serial()}, which autograd needs: not a statistic. */
    private static final AtomicLong ALLOCATIONS = new AtomicLong();
    /**
     * Whether {@link #allocatedElements()} counts: a statistic only tests use, so it is off unless the JVM runs with
     * {@code -Dember.countAllocatedElements=true} (the engine's Surefire setup). Being static final, a switched-off
     * count is compiled away rather than paid for by every allocation.
     */
    private static final boolean COUNT_ELEMENTS = Boolean.getBoolean("ember.countAllocatedElements");
    private static final AtomicLong ELEMENTS = new AtomicLong();

    private final DType dtype;
    private final Object data;
    private final int size;
    /** Order of allocation (from 1) for memory {@link #allocate} created; 0 for arrays wrapped by {@code of}. */
    private final long serial;
    private int version;

    private Storage(DType dtype, Object data, int size, long serial) {
        if (COUNT_ELEMENTS) ELEMENTS.addAndGet(size);
        this.dtype = dtype;
        this.data = data;
        this.size = size;
        this.serial = serial;
    }

    private Storage(DType dtype, Object data, int size) { this(dtype, data, size, 0); }

    public static Storage allocate(DType dtype, int size) {
        return new Storage(dtype, switch (dtype) {
            case FLOAT32 -> new float[size];
            case FLOAT64 -> new double[size];
            case INT64 -> new long[size];
            case INT32 -> new int[size];
            case UINT8, BOOL -> new byte[size];
        }, size, ALLOCATIONS.incrementAndGet());
    }

    /** Storages {@link #allocate}d so far: one made later has a larger {@link #serial()}. */
    public static long allocations() { return ALLOCATIONS.get(); }

    /**
     * Elements of every storage made so far (allocated, or wrapping an array, as kernels return their results),
     * of every dtype: tests use it to check how memory use grows.
     *
     * @throws IllegalStateException unless the JVM counts them ({@code -Dember.countAllocatedElements=true})
     */
    public static long allocatedElements() {
        if (!COUNT_ELEMENTS) throw new IllegalStateException("allocated elements are counted only with -Dember.countAllocatedElements=true");
        return ELEMENTS.get();
    }

    /**
     * When this storage was allocated, in {@link #allocations()} order; 0 for a wrapped array, whose
     * other references are unknown. Autograd uses it to tell memory it created itself.
     */
    public long serial() { return serial; }

    public static Storage of(float[] a) { return new Storage(DType.FLOAT32, a, a.length); }
    public static Storage of(double[] a) { return new Storage(DType.FLOAT64, a, a.length); }
    public static Storage of(long[] a) { return new Storage(DType.INT64, a, a.length); }
    public static Storage of(int[] a) { return new Storage(DType.INT32, a, a.length); }
    public static Storage of(byte[] a, DType dtype) {
        if (dtype != DType.UINT8 && dtype != DType.BOOL) throw new IllegalArgumentException("byte[] storage is uint8 or bool, not " + dtype);
        return new Storage(dtype, a, a.length);
    }

    public DType dtype() { return dtype; }
    public int size() { return size; }
    public Device device() { return Device.CPU; }

    public float[] floats() { return (float[]) data; }
    public double[] doubles() { return (double[]) data; }
    public long[] longs() { return (long[]) data; }
    public int[] ints() { return (int[]) data; }
    public byte[] bytes() { return (byte[]) data; }
    public Object array() { return data; }

    public double getDouble(int i) {
        return switch (dtype) {
            case FLOAT32 -> ((float[]) data)[i];
            case FLOAT64 -> ((double[]) data)[i];
            case INT64 -> ((long[]) data)[i];
            case INT32 -> ((int[]) data)[i];
            case UINT8 -> ((byte[]) data)[i] & 0xff;
            case BOOL -> ((byte[]) data)[i];
        };
    }

    public long getLong(int i) {
        return switch (dtype) {
            case FLOAT32 -> (long) ((float[]) data)[i];
            case FLOAT64 -> (long) ((double[]) data)[i];
            case INT64 -> ((long[]) data)[i];
            case INT32 -> ((int[]) data)[i];
            case UINT8 -> ((byte[]) data)[i] & 0xff;
            case BOOL -> ((byte[]) data)[i];
        };
    }

    /** Writes v converted to this storage's dtype (truncation toward zero for integers, nonzero for bool). */
    public void setDouble(int i, double v) {
        switch (dtype) {
            case FLOAT32 -> ((float[]) data)[i] = (float) v;
            case FLOAT64 -> ((double[]) data)[i] = v;
            case INT64 -> ((long[]) data)[i] = (long) v;
            case INT32 -> ((int[]) data)[i] = (int) v;
            case UINT8 -> ((byte[]) data)[i] = (byte) (long) v;
            case BOOL -> ((byte[]) data)[i] = (byte) (v != 0 ? 1 : 0);
        }
    }

    public void setLong(int i, long v) {
        switch (dtype) {
            case FLOAT32 -> ((float[]) data)[i] = v;
            case FLOAT64 -> ((double[]) data)[i] = v;
            case INT64 -> ((long[]) data)[i] = v;
            case INT32 -> ((int[]) data)[i] = (int) v;
            case UINT8 -> ((byte[]) data)[i] = (byte) v;
            case BOOL -> ((byte[]) data)[i] = (byte) (v != 0 ? 1 : 0);
        }
    }

    /** The in-place write counter shared by all views of this storage. */
    public int version() { return version; }

    public void bumpVersion() { version++; }
}
