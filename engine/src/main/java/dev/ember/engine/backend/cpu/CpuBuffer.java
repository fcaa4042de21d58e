package dev.ember.engine.backend.cpu;

import dev.ember.engine.DType;
import dev.ember.engine.Device;
import dev.ember.engine.backend.Buffer;

/**
 * CPU memory: a Java array of the dtype's natural type, float[] (float32), double[] (float64), long[] (int64),
 * int[] (int32) or byte[] (uint8, bool).
 */
public final class CpuBuffer implements Buffer {
    private final DType dtype;
    private final Object array;
    private final int length;

    private CpuBuffer(DType dtype, Object array, int length) {
        this.dtype = dtype;
        this.array = array;
        this.length = length;
    }

    public static CpuBuffer allocate(DType dtype, int length) {
        return new CpuBuffer(dtype, switch (dtype) {
            case FLOAT32 -> new float[length];
            case FLOAT64 -> new double[length];
            case INT64 -> new long[length];
            case INT32 -> new int[length];
            case UINT8, BOOL -> new byte[length];
        }, length);
    }

    public static CpuBuffer of(float[] a) { return new CpuBuffer(DType.FLOAT32, a, a.length); }
    public static CpuBuffer of(double[] a) { return new CpuBuffer(DType.FLOAT64, a, a.length); }
    public static CpuBuffer of(long[] a) { return new CpuBuffer(DType.INT64, a, a.length); }
    public static CpuBuffer of(int[] a) { return new CpuBuffer(DType.INT32, a, a.length); }
    public static CpuBuffer of(byte[] a, DType dtype) {
        if (dtype != DType.UINT8 && dtype != DType.BOOL) throw new IllegalArgumentException("byte[] storage is uint8 or bool, not " + dtype);
        return new CpuBuffer(dtype, a, a.length);
    }

    /** buffer as CPU memory. @throws IllegalStateException naming its device when it lives elsewhere */
    public static CpuBuffer of(Buffer buffer) {
        if (buffer instanceof CpuBuffer c) return c;
        throw new IllegalStateException("expected cpu memory, got a buffer on " + buffer.device());
    }

    @Override public Device device() { return Device.CPU; }
    @Override public DType dtype() { return dtype; }
    @Override public int length() { return length; }

    public float[] floats() { return (float[]) array; }
    public double[] doubles() { return (double[]) array; }
    public long[] longs() { return (long[]) array; }
    public int[] ints() { return (int[]) array; }
    public byte[] bytes() { return (byte[]) array; }
    public Object array() { return array; }

    public double getDouble(int i) {
        return switch (dtype) {
            case FLOAT32 -> ((float[]) array)[i];
            case FLOAT64 -> ((double[]) array)[i];
            case INT64 -> ((long[]) array)[i];
            case INT32 -> ((int[]) array)[i];
            case UINT8 -> ((byte[]) array)[i] & 0xff;
            case BOOL -> ((byte[]) array)[i];
        };
    }

    public long getLong(int i) {
        return switch (dtype) {
            case FLOAT32 -> (long) ((float[]) array)[i];
            case FLOAT64 -> (long) ((double[]) array)[i];
            case INT64 -> ((long[]) array)[i];
            case INT32 -> ((int[]) array)[i];
            case UINT8 -> ((byte[]) array)[i] & 0xff;
            case BOOL -> ((byte[]) array)[i];
        };
    }

    /** Writes v converted to this dtype (truncation toward zero for integers, nonzero for bool). */
    public void setDouble(int i, double v) {
        switch (dtype) {
            case FLOAT32 -> ((float[]) array)[i] = (float) v;
            case FLOAT64 -> ((double[]) array)[i] = v;
            case INT64 -> ((long[]) array)[i] = (long) v;
            case INT32 -> ((int[]) array)[i] = (int) v;
            case UINT8 -> ((byte[]) array)[i] = (byte) (long) v;
            case BOOL -> ((byte[]) array)[i] = (byte) (v != 0 ? 1 : 0);
        }
    }

    public void setLong(int i, long v) {
        switch (dtype) {
            case FLOAT32 -> ((float[]) array)[i] = v;
            case FLOAT64 -> ((double[]) array)[i] = v;
            case INT64 -> ((long[]) array)[i] = v;
            case INT32 -> ((int[]) array)[i] = (int) v;
            case UINT8 -> ((byte[]) array)[i] = (byte) v;
            case BOOL -> ((byte[]) array)[i] = (byte) (v != 0 ? 1 : 0);
        }
    }
}
