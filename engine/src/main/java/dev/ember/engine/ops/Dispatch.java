package dev.ember.engine.ops;

import dev.ember.engine.DType;
import dev.ember.engine.Device;
import dev.ember.engine.Shape;
import dev.ember.engine.Storage;
import dev.ember.engine.Tensor;
import dev.ember.engine.autograd.InPlace;
import dev.ember.engine.backend.Backend;
import dev.ember.engine.backend.Backend.Binary;
import dev.ember.engine.backend.Backend.Reduce;
import dev.ember.engine.backend.Backend.Unary;
import dev.ember.engine.backend.Backends;
import dev.ember.engine.backend.Buffer;
import dev.ember.engine.backend.View;

import java.util.Arrays;

/**
 * Tensors to the {@link Backend} of their device: the semantics a backend does not own live here, namely which
 * device (all operands on one), result dtypes ({@link DType#promote}), broadcasting, output allocation and version
 * bumps. No autograd: the {@code Function}s in this package and {@code Tensor} call these inside their forward.
 */
public final class Dispatch {
    private Dispatch() {}

    /** The backend of the tensors' one device. @throws IllegalArgumentException naming both devices when they differ */
    public static Backend backend(String op, Tensor... tensors) {
        return Backends.of(Device.common(op, tensors));
    }

    /** A contiguous copy of x on device, through the host (not recorded by autograd). */
    public static Tensor toDevice(Tensor x, Device device) {
        if (!device.isCpu() && !x.device().isCpu()) return toDevice(toDevice(x, Device.CPU), device);
        // One side is the host: a contiguous copy goes through a Java array.
        Tensor src = contiguous(x, x.dtype()), out = Tensor.empty(x.shape(), x.dtype(), device);
        if (device.isCpu()) Backends.of(x.device()).toHost(src.storage().buffer(), out.storage().array());
        else Backends.of(device).fromHost(src.storage().array(), out.storage().buffer());
        return out;
    }

    /** x's values converted to dtype, broadcast to shape, as a fresh contiguous tensor. */
    public static Tensor contiguous(Tensor x, DType dtype) {
        Tensor out = Tensor.empty(x.shape(), dtype, x.device());
        backend("copy", x).copy(out.storage().buffer(), out.layout(), x.storage().buffer(), x.layout());
        return out;
    }

    /** x as a contiguous tensor of this dtype over its whole storage: x itself when it already is one, else a copy. */
    public static Tensor dense(Tensor x, DType dtype) {
        return x.dtype() == dtype && x.isContiguous() && x.offset() == 0 && x.storage().size() == x.numel() ? x : contiguous(x, dtype);
    }

    /** Writes src (broadcast to dst's shape, converted to dst's dtype, moved to dst's device) into the view dst. */
    public static void copyInto(Tensor dst, Tensor src) {
        // As torch's copy_, across devices too: the values travel to dst's device first.
        if (!src.device().equals(dst.device())) src = src.to(dst.device());
        Backend b = backend("copy_", dst, src);
        View sv = new View(dst.shape(), Shape.broadcastStrides(src.shape(), src.strides(), dst.shape()), src.offset());
        b.copy(dst.storage().buffer(), dst.layout(), src.storage().buffer(), sv);
        dst.storage().bumpVersion();
    }

    public static void fill(Tensor dst, double value) {
        backend("fill_", dst).fill(dst.storage().buffer(), dst.layout(), value);
        dst.storage().bumpVersion();
    }

    public static Tensor unary(Unary op, Tensor x) {
        DType outType = op == Unary.LOGICAL_NOT ? DType.BOOL : op.floatResult() ? x.dtype().toFloatingPoint() : x.dtype();
        Tensor out = Tensor.empty(x.shape(), outType, x.device());
        backend(name(op), x).unary(op, out.storage().buffer(), x.storage().buffer(), x.layout());
        return out;
    }

    /**
     * op written over x's own elements, for a dense x (contiguous over its whole storage) that autograd does not
     * record, such as a layer's fresh output in inference; returns x, or null for any other x (the caller then
     * takes the recorded path).
     */
    public static Tensor unaryInPlace(Unary op, Tensor x) {
        if (op.floatResult() && !x.dtype().isFloatingPoint() || dense(x, x.dtype()) != x || InPlace.isRecorded(x)) return null;
        backend(name(op), x).unary(op, x.storage().buffer(), x.storage().buffer(), x.layout());
        x.storage().bumpVersion();
        return x;
    }

    /** The dtype PyTorch gives a binary op's result. */
    public static DType resultType(Binary op, DType a, DType b) {
        if (op.isComparison()) return DType.BOOL;
        DType t = DType.promote(a, b);
        return op == Binary.DIV ? t.toFloatingPoint() : t;
    }

    public static Tensor binary(Binary op, Tensor a, Tensor b) {
        Backend backend = backend(name(op), a, b);
        int[] shape = Shape.broadcast(a.shape(), b.shape());
        Tensor out = Tensor.empty(shape, resultType(op, a.dtype(), b.dtype()), backend.device());
        backend.binary(op, out.storage().buffer(), out.layout(), a.storage().buffer(), broadcast(a, shape), b.storage().buffer(), broadcast(b, shape));
        return out;
    }

    /**
     * dst = dst op src, written straight into the float32 view dst (src float32, broadcast to dst's shape), for
     * in-place arithmetic outside autograd: gradient accumulation, optimizer buffers. Returns false, doing
     * nothing, where that would not equal computing out of place first: other dtypes, or src sharing dst's
     * storage other than as the very same view (a write could change elements src has yet to read).
     */
    public static boolean binaryInPlace(Binary op, Tensor dst, Tensor src) {
        if (dst.dtype() != DType.FLOAT32 || src.dtype() != DType.FLOAT32 || op.isComparison()) return false;
        if (dst.dim() == 0 || dst.stride(-1) != 1) return false;
        boolean sameView = src.offset() == dst.offset() && Arrays.equals(src.shape(), dst.shape()) && Arrays.equals(src.strides(), dst.strides());
        if (src.storage() == dst.storage() && !sameView) return false;
        int[] shape = dst.shape();
        if (!Arrays.equals(Shape.broadcast(shape, src.shape()), shape)) return false; // the caller's error path
        View dv = dst.layout();
        backend(name(op) + "_", dst, src).binary(op, dst.storage().buffer(), dv, dst.storage().buffer(), dv, src.storage().buffer(), broadcast(src, shape));
        dst.storage().bumpVersion();
        return true;
    }

    /** cond ? a : b elementwise, all three broadcast together. */
    public static Tensor where(Tensor cond, Tensor a, Tensor b) {
        Backend backend = backend("where", cond, a, b);
        int[] shape = Shape.broadcast(cond.shape(), Shape.broadcast(a.shape(), b.shape()));
        Tensor out = Tensor.empty(shape, DType.promote(a.dtype(), b.dtype()), backend.device());
        backend.where(out.storage().buffer(), cond.storage().buffer(), broadcast(cond, shape),
                a.storage().buffer(), broadcast(a, shape), b.storage().buffer(), broadcast(b, shape));
        return out;
    }

    /** Reduces x over the given (normalized, distinct) dims. */
    public static Tensor reduce(Reduce op, Tensor x, int[] dims, boolean keepdim) {
        int[] shape = x.shape(), kept = keptShape(shape, dims), keepdimShape = keepdimShape(shape, dims);
        String name = op.name().toLowerCase();
        if ((op == Reduce.MAX || op == Reduce.MIN) && Shape.numel(shape) == 0 && Shape.numel(kept) > 0) {
            throw new IllegalArgumentException(name + "(): cannot reduce over a zero-size dimension of shape " + Shape.str(shape));
        }
        DType outType = op == Reduce.SUM || op == Reduce.PROD ? x.dtype().sumType() : x.dtype();
        Tensor out = Tensor.empty(kept, outType, x.device());
        backend(name, x).reduce(op, out.storage().buffer(), x.storage().buffer(), x.layout(), dims);
        return keepdim ? Tensor.fromStorage(out.storage(), keepdimShape) : out;
    }

    /** Index (int64) of the first max (or min) along dim; NaN counts as the max, as in PyTorch. */
    public static Tensor argReduce(boolean max, Tensor x, int dim, boolean keepdim) {
        String name = max ? "argmax" : "argmin";
        if (x.shape()[dim] == 0) throw new IllegalArgumentException(name + "(): cannot reduce over a zero-size dimension of shape " + Shape.str(x.shape()));
        int[] dims = {dim};
        Tensor out = Tensor.empty(keptShape(x.shape(), dims), DType.INT64, x.device());
        backend(name, x).argReduce(max, out.storage().buffer(), x.storage().buffer(), x.layout(), dim);
        return keepdim ? Tensor.fromStorage(out.storage(), keepdimShape(x.shape(), dims)) : out;
    }

    /** out row r = src's elements [starts[r], starts[r] + rowLength) (positions in src's buffer). */
    public static void indexSelect(Tensor out, Tensor src, int[] starts, int rowLength) {
        Backend b = backend("index_select", out, src);
        b.indexSelect(out.storage().buffer(), src.storage().buffer(), positions(b, starts), rowLength);
    }

    /** out's elements [starts[r], +rowLength) = (or += when accumulate) src's row r, read from src's offset; a negative start skips its row. */
    public static void indexPut(Tensor out, int[] starts, int rowLength, Tensor src, boolean accumulate) {
        Backend b = backend("index_put", out, src);
        b.indexPut(out.storage().buffer(), positions(b, starts), rowLength, src.storage().buffer(), src.offset(), accumulate);
        out.storage().bumpVersion();
    }

    /** Element positions the op worked out on the host, as an int32 buffer on the backend's device. */
    private static Buffer positions(Backend b, int[] starts) {
        if (b.device().isCpu()) return Storage.of(starts).buffer();
        Buffer buffer = b.allocate(DType.INT32, starts.length);
        b.fromHost(starts, buffer);
        return buffer;
    }

    /** t's view broadcast to shape (0 strides along the dims it repeats). */
    private static View broadcast(Tensor t, int[] shape) {
        return new View(shape, Shape.broadcastStrides(t.shape(), t.strides(), shape), t.offset());
    }

    private static int[] keptShape(int[] shape, int[] dims) {
        boolean[] reduced = new boolean[shape.length];
        for (int d : dims) reduced[d] = true;
        int[] kept = new int[shape.length - dims.length];
        for (int d = 0, k = 0; d < shape.length; d++) if (!reduced[d]) kept[k++] = shape[d];
        return kept;
    }

    private static int[] keepdimShape(int[] shape, int[] dims) {
        int[] out = shape.clone();
        for (int d : dims) out[d] = 1;
        return out;
    }

    private static String name(Enum<?> op) { return op.name().toLowerCase(); }
}
