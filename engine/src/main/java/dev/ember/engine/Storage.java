package dev.ember.engine;

import dev.ember.engine.backend.Backends;
import dev.ember.engine.backend.Buffer;
import dev.ember.engine.backend.cpu.CpuBuffer;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The flat memory behind one or more tensor views: a device's {@link Buffer} (on the CPU a Java array of the
 * dtype's natural type, see {@link CpuBuffer}), with its allocation order and version counter. The array
 * accessors serve CPU code and fail, naming the device, for memory elsewhere. The version counter is shared
 * by every view, so autograd notices in-place writes through any of them.
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

    private final Buffer buffer;
    /** Order of allocation (from 1) for memory {@link #allocate} created; 0 for buffers wrapped by {@code of}. */
    private final long serial;
    private int version;

    private Storage(Buffer buffer, long serial) {
        if (COUNT_ELEMENTS) ELEMENTS.addAndGet(buffer.length());
        this.buffer = buffer;
        this.serial = serial;
    }

    /** Zero-filled memory on this thread's {@link Device#defaultDevice() default device} (cpu unless changed). */
    public static Storage allocate(DType dtype, int size) { return allocate(dtype, size, Device.defaultDevice()); }

    /** Zero-filled memory on device, from its backend. */
    public static Storage allocate(DType dtype, int size, Device device) {
        return new Storage(Backends.of(device).allocate(dtype, size), ALLOCATIONS.incrementAndGet());
    }

    /** Storages {@link #allocate}d so far: one made later has a larger {@link #serial()}. */
    public static long allocations() { return ALLOCATIONS.get(); }

    /**
     * Elements of every storage made so far (allocated, or wrapping memory), of every dtype: tests use it to
     * check how memory use grows.
     *
     * @throws IllegalStateException unless the JVM counts them ({@code -Dember.countAllocatedElements=true})
     */
    public static long allocatedElements() {
        if (!COUNT_ELEMENTS) throw new IllegalStateException("allocated elements are counted only with -Dember.countAllocatedElements=true");
        return ELEMENTS.get();
    }

    /**
     * When this storage was allocated, in {@link #allocations()} order; 0 for a wrapped buffer, whose
     * other references are unknown. Autograd uses it to tell memory it created itself.
     */
    public long serial() { return serial; }

    /** Wraps memory some backend made (not counted as an allocation: others may hold it). */
    public static Storage of(Buffer buffer) { return new Storage(buffer, 0); }
    public static Storage of(float[] a) { return of(CpuBuffer.of(a)); }
    public static Storage of(double[] a) { return of(CpuBuffer.of(a)); }
    public static Storage of(long[] a) { return of(CpuBuffer.of(a)); }
    public static Storage of(int[] a) { return of(CpuBuffer.of(a)); }
    public static Storage of(byte[] a, DType dtype) { return of(CpuBuffer.of(a, dtype)); }

    public Buffer buffer() { return buffer; }
    public DType dtype() { return buffer.dtype(); }
    public int size() { return buffer.length(); }
    public Device device() { return buffer.device(); }

    /** The CPU memory. @throws IllegalStateException naming the device when the storage lives elsewhere */
    private CpuBuffer cpu() {
        if (buffer instanceof CpuBuffer c) return c;
        throw new IllegalStateException("this storage is on " + buffer.device() + ": reading or writing its elements from Java needs a cpu tensor");
    }

    public float[] floats() { return cpu().floats(); }
    public double[] doubles() { return cpu().doubles(); }
    public long[] longs() { return cpu().longs(); }
    public int[] ints() { return cpu().ints(); }
    public byte[] bytes() { return cpu().bytes(); }
    public Object array() { return cpu().array(); }

    public double getDouble(int i) { return cpu().getDouble(i); }
    public long getLong(int i) { return cpu().getLong(i); }
    /** Writes v converted to this storage's dtype (truncation toward zero for integers, nonzero for bool). */
    public void setDouble(int i, double v) { cpu().setDouble(i, v); }
    public void setLong(int i, long v) { cpu().setLong(i, v); }

    /** The in-place write counter shared by all views of this storage. */
    public int version() { return version; }

    public void bumpVersion() { version++; }
}
