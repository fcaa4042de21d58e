package dev.ember.engine.ops;

import dev.ember.engine.DType;
import dev.ember.engine.Shape;
import dev.ember.engine.Storage;
import dev.ember.engine.Tensor;
import dev.ember.engine.autograd.Function;
import dev.ember.engine.backend.Strided;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Indexing: advanced indexing ({@code t[i, j]}, {@code t[mask]}), index_put, index_select, gather/scatter_add,
 * masked_fill, masked_select and nonzero.
 *
 * <p>Every kernel first computes, once per op, the storage offsets it reads or writes into an int[]; the copy
 * itself is then a typed loop ({@link #take}, {@link #put}), or one System.arraycopy per row when whole rows
 * move (the embedding-lookup and DataLoader path). Advanced indexing wraps negative indices as Python does;
 * gather, scatter_add and index_select reject them, as PyTorch does.
 */
public final class Indexing {
    private Indexing() {}

    // ================================================================ advanced indexing

    /**
     * {@code t[i0, i1, ...]}: index tensor k (int64 or int32) picks positions along dim k; the index tensors
     * broadcast together and the result has shape {@code broadcast(indices) + t.shape[k:]}. A bool mask stands for
     * the coordinates of its true elements over the dims it covers, so {@code t[mask]} is [count, rest...].
     */
    public static Tensor index(Tensor t, Tensor[] indices) {
        return new Index(integerIndices("index", t, indices)).apply(t);
    }

    /**
     * A new tensor equal to t with values (broadcast to the shape {@code t.index(indices)} would have) written at
     * the indexed positions, or added there when accumulate is true (repeated positions then add up).
     */
    public static Tensor indexPut(Tensor t, Tensor[] indices, Tensor values, boolean accumulate) {
        return new IndexPut(integerIndices("index_put", t, indices), accumulate).apply(t, values.to(t.dtype()));
    }

    /** Advanced indexing; the gradient adds g back at the indexed positions. */
    public static final class Index extends Function {
        private final Tensor[] indices;
        Index(Tensor[] indices) { this.indices = indices; }
        @Override protected Tensor forward(Tensor... x) {
            Tensor src = rowMajor(x[0]);
            Plan p = Plan.of(src.shape(), src.offset(), indices);
            Tensor out = Tensor.empty(p.shape, src.dtype());
            Dispatch.indexSelect(out, src, p.rowStarts, p.rowLen);
            save(indices);
            return out;
        }
        @Override protected Tensor[] backward(Tensor g) {
            Tensor[] idx = new Tensor[indices.length];
            for (int i = 0; i < idx.length; i++) idx[i] = saved(i);
            return new Tensor[]{indexPut(Tensor.zeros(inputs()[0].shape(), g.dtype()), idx, g, true)};
        }
    }

    /** index_put with inputs (t, values); overwritten positions of t get no gradient. */
    public static final class IndexPut extends Function {
        private final Tensor[] indices;
        private final boolean accumulate;
        IndexPut(Tensor[] indices, boolean accumulate) { this.indices = indices; this.accumulate = accumulate; }
        @Override protected Tensor forward(Tensor... x) {
            Tensor out = Dispatch.contiguous(x[0], x[0].dtype());
            Plan p = Plan.of(out.shape(), 0, indices);
            Tensor values;
            try {
                values = rowMajor(x[1].expand(p.shape));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("index_put(): shape mismatch: value tensor of shape " + Shape.str(x[1].shape())
                        + " cannot be broadcast to indexing result of shape " + Shape.str(p.shape));
            }
            Dispatch.indexPut(out, p.rowStarts, p.rowLen, values, accumulate);
            save(indices);
            return out;
        }
        @Override protected Tensor[] backward(Tensor g) {
            Tensor[] idx = new Tensor[indices.length];
            for (int i = 0; i < idx.length; i++) idx[i] = saved(i);
            Tensor gt = !needsInputGrad(0) ? null : accumulate ? g : indexPut(g, idx, Tensor.scalar(0, g.dtype()), false);
            // Broadcast values get index(g) summed back to their shape by Function.
            Tensor gv = needsInputGrad(1) ? index(g, idx) : null;
            return new Tensor[]{gt, gv};
        }
    }

    /** Where advanced indexing reads or writes: one run of rowLen elements per broadcast index position. */
    private record Plan(int[] shape, int[] rowStarts, int rowLen) {
        /** For a row-major tensor of this shape starting at offset. */
        static Plan of(int[] shape, int offset, Tensor[] indices) {
            int k = indices.length;
            int[] broadcast = indices[0].shape();
            try {
                for (int j = 1; j < k; j++) broadcast = Shape.broadcast(broadcast, indices[j].shape());
            } catch (IllegalArgumentException e) {
                String shapes = Arrays.stream(indices).map(i -> Shape.str(i.shape())).collect(Collectors.joining(", "));
                throw new IllegalArgumentException("shape mismatch: indexing tensors could not be broadcast together with shapes " + shapes);
            }
            int[] strides = Shape.contiguousStrides(shape);
            int n = Shape.numel(broadcast);
            int[] starts = new int[n];
            Arrays.fill(starts, offset);
            for (int j = 0; j < k; j++) {
                long[] v = longs(indices[j].expand(broadcast));
                for (int p = 0; p < n; p++) starts[p] += checkIndex(v[p], j, shape[j], true) * strides[j];
            }
            int[] rest = Arrays.copyOfRange(shape, k, shape.length);
            int[] out = Arrays.copyOf(broadcast, broadcast.length + rest.length);
            System.arraycopy(rest, 0, out, broadcast.length, rest.length);
            return new Plan(out, starts, Shape.numel(rest));
        }
    }

    /**
     * Checks the index tensors and replaces each bool mask by the int64 coordinates of its true elements, one
     * tensor per dim it covers (what PyTorch does), so the ops below only see integer indices.
     */
    private static Tensor[] integerIndices(String op, Tensor t, Tensor[] indices) {
        if (indices.length == 0) throw new IllegalArgumentException(op + "(): at least one index tensor is required");
        List<Tensor> out = new ArrayList<>();
        for (Tensor i : indices) {
            if (i.dtype() == DType.BOOL) {
                int at = out.size();
                if (i.dim() == 0 || at + i.dim() > t.dim() || !Arrays.equals(i.shape(), Arrays.copyOfRange(t.shape(), at, at + i.dim()))) {
                    throw new IndexOutOfBoundsException(op + "(): the shape of the mask " + Shape.str(i.shape()) + " at index " + at
                            + " does not match the shape of the indexed tensor " + Shape.str(t.shape()));
                }
                Tensor coords = nonzero(i);
                for (int d = 0; d < i.dim(); d++) out.add(coords.select(1, d));
            } else {
                if (i.dtype() != DType.INT64 && i.dtype() != DType.INT32) {
                    throw new IllegalArgumentException(op + "(): tensors used as indices must be int64, int32 or bool, got " + i.dtype());
                }
                out.add(i);
            }
        }
        if (out.size() > t.dim()) {
            throw new IndexOutOfBoundsException(op + "(): too many indices for tensor of dimension " + t.dim() + " (got " + out.size() + ")");
        }
        return out.toArray(new Tensor[0]);
    }

    // ================================================================ index_select

    /** The slices of t at the positions index (1-d, int64 or int32) gives along dim, in that order. */
    public static Tensor indexSelect(Tensor t, int dim, Tensor index) {
        checkIndexType("index_select", index);
        if (index.dim() > 1) throw new IllegalArgumentException("index_select(): index must be a vector, got shape " + Shape.str(index.shape()));
        if (t.dim() == 0) return indexSelect(t.reshape(1), 0, index).reshape(index.shape());
        return new IndexSelect(dim, index).apply(t);
    }

    public static final class IndexSelect extends Function {
        private final int dim;
        private final Tensor index;
        IndexSelect(int dim, Tensor index) { this.dim = dim; this.index = index; }
        @Override protected Tensor forward(Tensor... x) {
            Tensor src = rowMajor(x[0]);
            long[] idx = longs(index);
            int[] shape = src.shape();
            int[] rows = rowsAlong(shape, dim, idx, src.offset());
            shape[dim] = idx.length;
            Tensor out = Tensor.empty(shape, src.dtype());
            Dispatch.indexSelect(out, src, rows, innerSize(shape, dim));
            save(index);
            return out;
        }
        @Override protected Tensor[] backward(Tensor g) {
            return new Tensor[]{new IndexAdd(inputs()[0].shape(), dim, saved(0)).apply(g)};
        }
    }

    /** The adjoint of {@link IndexSelect}: zeros of the input's shape with the rows of the input added at index. */
    public static final class IndexAdd extends Function {
        private final int[] shape;
        private final int dim;
        private final Tensor index;
        IndexAdd(int[] shape, int dim, Tensor index) { this.shape = shape; this.dim = dim; this.index = index; }
        @Override protected Tensor forward(Tensor... x) {
            Tensor src = rowMajor(x[0]);
            Tensor out = Tensor.zeros(shape, src.dtype());
            Dispatch.indexPut(out, rowsAlong(shape, dim, longs(index), 0), innerSize(shape, dim), src, true);
            save(index);
            return out;
        }
        @Override protected Tensor[] backward(Tensor g) { return new Tensor[]{indexSelect(g, dim, saved(0))}; }
    }

    /**
     * Storage offsets of the rows idx[i] along dim of a row-major tensor at base, for every position of the dims
     * before dim: [outer * idx.length] in the order of the index_select result.
     */
    private static int[] rowsAlong(int[] shape, int dim, long[] idx, int base) {
        int size = shape[dim], inner = innerSize(shape, dim);
        int outer = Shape.numel(Arrays.copyOf(shape, dim));
        int n = idx.length;
        int[] step = new int[n];
        for (int i = 0; i < n; i++) step[i] = checkIndex(idx[i], dim, size, false) * inner;
        int[] rows = new int[outer * n];
        for (int o = 0; o < outer; o++) {
            int start = base + o * size * inner;
            for (int i = 0; i < n; i++) rows[o * n + i] = start + step[i];
        }
        return rows;
    }

    /** Elements per slice along dim: the product of the dims after it. */
    private static int innerSize(int[] shape, int dim) { return Shape.numel(Arrays.copyOfRange(shape, dim + 1, shape.length)); }

    // ================================================================ gather / scatter_add

    /**
     * PyTorch's gather: {@code out[i][j][k] = t[index[i][j][k]][j][k]} for dim 0 (and likewise for other dims).
     * index has t's rank, and index.size(d) <= t.size(d) for every d != dim; the result has index's shape.
     */
    public static Tensor gather(Tensor t, int dim, Tensor index) {
        checkIndexType("gather", index);
        if (t.dim() == 0 && index.dim() == 0) return gather(t.reshape(1), 0, index.reshape(1)).reshape();
        checkScatterShapes("gather", t, dim, index, null);
        return new Gather(dim, index).apply(t);
    }

    public static final class Gather extends Function {
        private final int dim;
        private final Tensor index;
        Gather(int dim, Tensor index) { this.dim = dim; this.index = index; }
        @Override protected Tensor forward(Tensor... x) {
            Tensor t = x[0];
            int[] from = scatterOffsets(t.shape(), t.strides(), t.offset(), dim, index);
            Tensor out = Tensor.empty(index.shape(), t.dtype());
            Dispatch.indexSelect(out, t, from, 1);
            save(index);
            return out;
        }
        @Override protected Tensor[] backward(Tensor g) {
            return new Tensor[]{scatterAdd(Tensor.zeros(inputs()[0].shape(), g.dtype()), dim, saved(0), g)};
        }
    }

    /**
     * A new tensor equal to t plus src scattered along dim: {@code out[index[i][j][k]][j][k] += src[i][j][k]} for
     * dim 0. index has the rank of t and src, index.size(d) <= src.size(d) for all d and <= t.size(d) for d != dim.
     */
    public static Tensor scatterAdd(Tensor t, int dim, Tensor index, Tensor src) {
        checkIndexType("scatter_add", index);
        if (t.dim() == 0 && index.dim() == 0 && src.dim() == 0) return scatterAdd(t.reshape(1), 0, index.reshape(1), src.reshape(1)).reshape();
        checkScatterShapes("scatter_add", t, dim, index, src);
        return new ScatterAdd(dim, index).apply(t, src.to(t.dtype()));
    }

    public static final class ScatterAdd extends Function {
        private final int dim;
        private final Tensor index;
        ScatterAdd(int dim, Tensor index) { this.dim = dim; this.index = index; }
        @Override protected Tensor forward(Tensor... x) {
            Tensor out = Dispatch.contiguous(x[0], x[0].dtype());
            int[] to = scatterOffsets(out.shape(), out.strides(), 0, dim, index);
            Tensor src = rowMajor(narrowTo(x[1], index.shape()));
            Dispatch.indexPut(out, to, 1, src, true);
            save(index);
            return out;
        }
        @Override protected Tensor[] backward(Tensor g) {
            Tensor gs = null;
            if (needsInputGrad(1)) {
                gs = g.gather(dim, saved(0));
                // Elements of src outside index's shape were never read: zero gradient there.
                int[] full = inputs()[1].shape(), shape = gs.shape();
                for (int d = 0; d < full.length; d++) {
                    if (shape[d] == full[d]) continue;
                    int n = shape[d];
                    shape[d] = full[d];
                    gs = new Views.SliceScatter(shape.clone(), d, 0, n, 1).apply(gs);
                }
            }
            return new Tensor[]{g, gs};
        }
    }

    /**
     * Storage offsets, in index's row-major order, of the elements gather reads (scatter_add writes) in a tensor of
     * this layout: the position of each index element with its dim coordinate replaced by the index value.
     */
    private static int[] scatterOffsets(int[] shape, int[] strides, int offset, int dim, Tensor index) {
        long[] idx = longs(index);
        int size = shape[dim], step = strides[dim];
        int[] walk = strides.clone();
        walk[dim] = 0; // the index value supplies this coordinate
        int inner = Strided.inner(walk);
        int[] out = new int[idx.length];
        int[] p = {0};
        Strided.forEachRow(index.shape(), new int[][]{walk}, new int[]{offset}, (off, n) -> {
            for (int i = 0; i < n; i++, p[0]++) out[p[0]] = off[0] + i * inner + checkIndex(idx[p[0]], dim, size, false) * step;
        });
        return out;
    }

    private static void checkScatterShapes(String op, Tensor t, int dim, Tensor index, Tensor src) {
        if (index.dim() != t.dim() || (src != null && src.dim() != t.dim())) {
            throw new IllegalArgumentException(op + "(): index " + Shape.str(index.shape()) + " must have the same number of dimensions as input "
                    + Shape.str(t.shape()) + (src == null ? "" : " and src " + Shape.str(src.shape())));
        }
        for (int d = 0; d < t.dim(); d++) {
            if (d != dim && index.size(d) > t.size(d)) {
                throw new IllegalArgumentException(op + "(): index " + Shape.str(index.shape()) + " must not be larger than input " + Shape.str(t.shape())
                        + " apart from dimension " + dim + " (dimension " + d + ")");
            }
            if (src != null && index.size(d) > src.size(d)) {
                throw new IllegalArgumentException(op + "(): index " + Shape.str(index.shape()) + " must not be larger than src " + Shape.str(src.shape())
                        + " (dimension " + d + ")");
            }
        }
    }

    /** The leading corner of t with the given (no larger) shape, as a view. */
    private static Tensor narrowTo(Tensor t, int[] shape) {
        for (int d = 0; d < shape.length; d++) if (t.size(d) != shape[d]) t = t.narrow(d, 0, shape[d]);
        return t;
    }

    // ================================================================ masks

    /** t with value written where mask (bool, broadcastable to t's shape) is true. */
    public static Tensor maskedFill(Tensor t, Tensor mask, double value) {
        checkMask("masked_fill", mask);
        int[] shape;
        try {
            shape = Shape.broadcast(t.shape(), mask.shape());
        } catch (IllegalArgumentException e) {
            shape = null;
        }
        if (!Arrays.equals(shape, t.shape())) {
            throw new IllegalArgumentException("masked_fill(): the mask of shape " + Shape.str(mask.shape()) + " cannot be broadcast to the input's shape " + Shape.str(t.shape()));
        }
        return new MaskedFill(mask, value).apply(t);
    }

    public static final class MaskedFill extends Function {
        private final Tensor mask;
        private final double value;
        MaskedFill(Tensor mask, double value) { this.mask = mask; this.value = value; }
        @Override protected Tensor forward(Tensor... x) {
            Tensor out = Dispatch.where(mask, Tensor.scalar(value, x[0].dtype()), x[0]);
            save(mask);
            return out;
        }
        @Override protected Tensor[] backward(Tensor g) { return new Tensor[]{maskedFill(g, saved(0), 0)}; }
    }

    /** The elements of t where mask is true (t and mask broadcast together), as a 1-d tensor in row-major order. */
    public static Tensor maskedSelect(Tensor t, Tensor mask) {
        checkMask("masked_select", mask);
        try {
            Shape.broadcast(t.shape(), mask.shape());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("masked_select(): the mask of shape " + Shape.str(mask.shape()) + " and the input of shape "
                    + Shape.str(t.shape()) + " cannot be broadcast together");
        }
        return new MaskedSelect(mask).apply(t);
    }

    /** masked_select; the gradient scatters g back to the selected positions. */
    public static final class MaskedSelect extends Function {
        private final Tensor mask;
        private int[] shape;
        private Tensor positions; // row-major positions of the selected elements in the broadcast shape
        MaskedSelect(Tensor mask) { this.mask = mask; }
        @Override protected Tensor forward(Tensor... x) {
            Tensor t = x[0];
            shape = Shape.broadcast(t.shape(), mask.shape());
            // The output's size depends on the mask's values: read it on the host, as PyTorch does.
            long[] m = mask.expand(shape).toLongArray();
            int[] ts = Shape.broadcastStrides(t.shape(), t.strides(), shape);
            int ti = Strided.inner(ts);
            int[] from = new int[m.length];
            long[] pos = new long[m.length];
            int[] count = {0}, seen = {0};
            Strided.forEachRow(shape, new int[][]{ts}, new int[]{t.offset()}, (off, n) -> {
                for (int i = 0; i < n; i++) {
                    if (m[seen[0] + i] == 0) continue;
                    from[count[0]] = off[0] + i * ti;
                    pos[count[0]++] = seen[0] + i;
                }
                seen[0] += n;
            });
            int c = count[0];
            positions = Tensor.tensor(Arrays.copyOf(pos, c)).to(t.device());
            Tensor out = Tensor.empty(new int[]{c}, t.dtype(), t.device());
            Dispatch.indexSelect(out, t, Arrays.copyOf(from, c), 1);
            return out;
        }
        @Override protected Tensor[] backward(Tensor g) {
            Tensor flat = Tensor.zeros(new int[]{Shape.numel(shape)}, g.dtype());
            return new Tensor[]{indexPut(flat, new Tensor[]{positions}, g, true).reshape(shape)};
        }
    }

    /** Coordinates of the nonzero elements (NaN counts as nonzero), [count, t.dim()] int64 in row-major order. */
    public static Tensor nonzero(Tensor t) {
        int[] shape = t.shape();
        int nd = shape.length;
        long[] nonzero = t.ne(Tensor.scalar(0, t.dtype())).toLongArray(); // NaN != 0
        int[] hits = new int[nonzero.length];
        int[] count = {0};
        for (int i = 0; i < nonzero.length; i++) if (nonzero[i] != 0) hits[count[0]++] = i;
        int c = count[0];
        long[] coords = new long[c * nd];
        for (int h = 0; h < c; h++) {
            int rest = hits[h];
            for (int d = nd - 1; d >= 0; d--) {
                coords[h * nd + d] = rest % shape[d];
                rest /= shape[d];
            }
        }
        return Tensor.fromStorage(Storage.of(coords), new int[]{c, nd}).to(t.device());
    }

    private static void checkMask(String op, Tensor mask) {
        if (mask.dtype() != DType.BOOL) throw new IllegalArgumentException(op + "(): expected a bool mask, got " + mask.dtype());
    }

    // ================================================================ shared helpers and kernels

    private static void checkIndexType(String op, Tensor index) {
        if (index.dtype() != DType.INT64 && index.dtype() != DType.INT32) {
            throw new IllegalArgumentException(op + "(): expected an int64 or int32 index tensor, got " + index.dtype());
        }
    }

    /** i as a position in a dim of this size; negative i counts from the end when wrapNegative. */
    private static int checkIndex(long i, int dim, int size, boolean wrapNegative) {
        long j = i < 0 && wrapNegative ? i + size : i;
        if (j < 0 || j >= size) throw new IndexOutOfBoundsException("index " + i + " is out of bounds for dimension " + dim + " with size " + size);
        return (int) j;
    }

    /** The index values in row-major order (copied only when index is not already a dense int64 tensor). */
    private static long[] longs(Tensor index) { return index.toLongArray(); }

    /**
     * t itself when its elements lie row-major from t.offset() (then element p is at offset() + p), else a row-major
     * copy. Unlike a full copy this keeps a slice of a big dataset from being copied on every batch.
     */
    private static Tensor rowMajor(Tensor t) { return t.isContiguous() ? t : Dispatch.contiguous(t, t.dtype()); }
}
