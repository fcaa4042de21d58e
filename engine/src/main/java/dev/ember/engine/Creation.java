package dev.ember.engine;

import java.lang.reflect.Array;
import java.util.ArrayList;
import java.util.List;

/** Factories behind Tensor's static creation methods. */
final class Creation {
    private Creation() {}

    /** A tensor from a rectangular nested Java array of float, double, long, int, byte or boolean. */
    static Tensor fromArray(Object nested, DType dtype) {
        if (nested == null || !nested.getClass().isArray()) throw new IllegalArgumentException("expected a (nested) Java array, got " + nested);
        List<Integer> dims = new ArrayList<>();
        Object cur = nested;
        Class<?> type = nested.getClass();
        while (type.isArray()) {
            int len = Array.getLength(cur);
            dims.add(len);
            type = type.getComponentType();
            if (type.isArray()) {
                if (len == 0) { while (type.isArray()) { dims.add(0); type = type.getComponentType(); } break; }
                cur = Array.get(cur, 0);
            }
        }
        int[] shape = dims.stream().mapToInt(Integer::intValue).toArray();
        DType natural;
        if (type == float.class) natural = DType.FLOAT32;
        else if (type == double.class) natural = DType.FLOAT64;
        else if (type == long.class) natural = DType.INT64;
        else if (type == int.class) natural = DType.INT32;
        else if (type == byte.class) natural = DType.UINT8;
        else if (type == boolean.class) natural = DType.BOOL;
        else throw new IllegalArgumentException("unsupported element type " + type.getName() + ": use float, double, long, int, byte or boolean arrays");
        Storage s = Storage.allocate(natural, Shape.numel(shape), Device.CPU);
        int[] pos = {0};
        flatten(nested, shape, 0, s, pos, type);
        Tensor t = Tensor.fromStorage(s, shape);
        DType target = dtype != null ? dtype : natural == DType.FLOAT64 ? DType.FLOAT32 : natural;
        return t.to(target).to(Device.defaultDevice());
    }

    private static void flatten(Object a, int[] shape, int depth, Storage s, int[] pos, Class<?> leaf) {
        int len = Array.getLength(a);
        if (len != shape[depth]) {
            throw new IllegalArgumentException("ragged nested array: expected length " + shape[depth] + " at depth " + depth + ", got " + len);
        }
        if (depth == shape.length - 1) {
            if (leaf == boolean.class) {
                boolean[] b = (boolean[]) a;
                for (boolean v : b) s.setLong(pos[0]++, v ? 1 : 0);
            } else if (leaf == long.class) {
                for (long v : (long[]) a) s.setLong(pos[0]++, v);
            } else {
                for (int i = 0; i < len; i++) s.setDouble(pos[0]++, ((Number) Array.get(a, i)).doubleValue());
            }
            return;
        }
        for (int i = 0; i < len; i++) flatten(Array.get(a, i), shape, depth + 1, s, pos, leaf);
    }

    static Tensor arange(double start, double end, double step, DType dtype) {
        if (step == 0) throw new IllegalArgumentException("arange: step must be nonzero");
        if ((end - start) / step < 0) throw new IllegalArgumentException("arange: upper bound and larger bound inconsistent with step sign (start " + start + ", end " + end + ", step " + step + ")");
        int n = (int) Math.ceil((end - start) / step);
        Tensor t = Tensor.empty(new int[]{n}, dtype, Device.CPU);
        for (int i = 0; i < n; i++) t.storage().setDouble(i, start + i * step);
        return t.to(Device.defaultDevice());
    }

    static Tensor linspace(double start, double end, int steps, DType dtype) {
        if (steps < 0) throw new IllegalArgumentException("linspace: number of steps must be non-negative, got " + steps);
        Tensor t = Tensor.empty(new int[]{steps}, dtype, Device.CPU);
        double step = steps > 1 ? (end - start) / (steps - 1) : 0;
        // Fill from both ends, as PyTorch does, so the last value is exactly end.
        for (int i = 0; i < steps; i++) t.storage().setDouble(i, i < steps / 2 ? start + i * step : end - (steps - 1 - i) * step);
        if (steps == 1) t.storage().setDouble(0, start); // a single step is start, not end (torch.linspace(-1, 1, 1) == [-1])
        return t.to(Device.defaultDevice());
    }

    static Tensor rand(int[] shape, DType dtype, Generator g) {
        requireFloat("rand", dtype);
        Tensor t = Tensor.empty(shape, dtype, Device.CPU);
        // float32 keeps 24 random bits: a double just below 1 would otherwise round up to 1.0f, outside [0, 1).
        double scale = dtype == DType.FLOAT32 ? 0x1p24 : 0x1p53;
        for (int i = 0; i < t.numel(); i++) t.storage().setDouble(i, Math.floor(g.nextDouble() * scale) / scale);
        return t.to(Device.defaultDevice());
    }

    static Tensor randn(int[] shape, DType dtype, Generator g) {
        requireFloat("randn", dtype);
        Tensor t = Tensor.empty(shape, dtype, Device.CPU);
        for (int i = 0; i < t.numel(); i++) t.storage().setDouble(i, g.nextGaussian());
        return t.to(Device.defaultDevice());
    }

    static Tensor randint(long low, long high, int[] shape, Generator g) {
        if (low >= high) throw new IllegalArgumentException("randint: expected low < high, got low=" + low + ", high=" + high);
        Tensor t = Tensor.empty(shape, DType.INT64, Device.CPU);
        for (int i = 0; i < t.numel(); i++) t.storage().setLong(i, g.nextLong(low, high));
        return t.to(Device.defaultDevice());
    }

    private static void requireFloat(String op, DType dtype) {
        if (!dtype.isFloatingPoint()) throw new IllegalArgumentException(op + " is only defined for floating-point dtypes, got " + dtype);
    }
}
