package dev.ember.engine;

import dev.ember.engine.autograd.Backward;
import dev.ember.engine.autograd.Function;
import dev.ember.engine.autograd.GradMode;
import dev.ember.engine.autograd.InPlace;
import dev.ember.engine.backend.Backend;
import dev.ember.engine.backend.Backend.Reduce;
import dev.ember.engine.backend.View;
import dev.ember.engine.ops.Arithmetic;
import dev.ember.engine.ops.AsStrided;
import dev.ember.engine.ops.Dispatch;
import dev.ember.engine.ops.Indexing;
import dev.ember.engine.ops.Joining;
import dev.ember.engine.ops.LinearAlgebra;
import dev.ember.engine.ops.LinearSolve;
import dev.ember.engine.ops.Pointwise;
import dev.ember.engine.ops.Reductions;
import dev.ember.engine.ops.Views;

import java.util.Arrays;

/**
 * An n-dimensional array with autograd, like torch.Tensor: a view (shape, strides, offset) over a
 * {@link Storage}. Methods that return views say so; every other op returns a new tensor. In-place
 * methods end in {@code _} and return this.
 */
public class Tensor {
    private final Storage storage;
    private final int[] shape;
    private final int[] strides;
    private final int offset;
    /** The tensor this one is a view of (its root), or null. */
    private final Tensor base;

    private boolean requiresGrad;
    private Tensor grad;
    private Function gradFn;
    /** Set by {@link #retainGrad()}: backward stores this tensor's gradient, whatever its current history. */
    private boolean retainsGrad;
    /** Bumped whenever an in-place op replaces this (root) tensor's history; its views compare it to {@link #baseHistorySeen}. */
    private int historyVersion;
    /** For a view: the base's historyVersion its gradFn was derived from (older means stale, see {@link #refreshViewHistory}). */
    private int baseHistorySeen;

    /** For {@code nn.Parameter}: a new leaf sharing data's storage and layout. */
    protected Tensor(Tensor data) {
        this(data.storage, data.shape, data.strides, data.offset, null);
    }

    private Tensor(Storage storage, int[] shape, int[] strides, int offset, Tensor base) {
        this.storage = storage;
        this.shape = shape;
        this.strides = strides;
        this.offset = offset;
        this.base = base;
        if (base != null) baseHistorySeen = base.historyVersion;
    }

    // ================================================================ construction

    /** A contiguous tensor over the whole storage. */
    public static Tensor fromStorage(Storage storage, int[] shape) {
        int n = Shape.numel(shape);
        if (n != storage.size()) throw new IllegalArgumentException("shape " + Shape.str(shape) + " needs " + n + " elements, storage has " + storage.size());
        return new Tensor(storage, shape.clone(), Shape.contiguousStrides(shape), 0, null);
    }

    /** A view of this tensor's storage (no autograd link: ops in {@code ops/} add that). */
    public Tensor asView(int[] shape, int[] strides, int offset) {
        return new Tensor(storage, shape.clone(), strides.clone(), offset, base != null ? base : this);
    }

    // On the thread's default device (cpu unless Device.use says otherwise), like torch.tensor.
    public static Tensor tensor(float... values) { return fromStorage(Storage.of(values.clone()), new int[]{values.length}).to(Device.defaultDevice()); }
    public static Tensor tensor(double... values) { return fromStorage(Storage.of(values.clone()), new int[]{values.length}).to(DType.FLOAT32).to(Device.defaultDevice()); }
    public static Tensor tensor(long... values) { return fromStorage(Storage.of(values.clone()), new int[]{values.length}).to(Device.defaultDevice()); }
    public static Tensor tensor(int... values) { return fromStorage(Storage.of(values.clone()), new int[]{values.length}).to(Device.defaultDevice()); }
    public static Tensor tensor(boolean... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < b.length; i++) b[i] = (byte) (values[i] ? 1 : 0);
        return fromStorage(Storage.of(b, DType.BOOL), new int[]{values.length}).to(Device.defaultDevice());
    }

    /**
     * A tensor from a (nested) Java array such as {@code float[][]}, {@code double[][][]}, {@code long[]} or
     * {@code boolean[][]}; the dtype follows the element type, except that double becomes float32 as in PyTorch
     * (use {@link #of(Object, DType)} to keep float64). Ragged arrays are refused.
     */
    public static Tensor of(Object nested) { return Creation.fromArray(nested, null); }

    public static Tensor of(Object nested, DType dtype) { return Creation.fromArray(nested, dtype); }

    /** A 0-d tensor. */
    public static Tensor scalar(double value) { return scalar(value, DType.FLOAT32); }

    /** A 0-d tensor, always on the cpu: like PyTorch's wrapped numbers it may meet tensors of any device. */
    public static Tensor scalar(double value, DType dtype) {
        Tensor t = empty(new int[0], dtype, Device.CPU);
        t.storage.setDouble(0, value);
        return t;
    }

    public static Tensor empty(int[] shape, DType dtype) { return fromStorage(Storage.allocate(dtype, Shape.numel(shape)), shape); }
    /** Zero-filled memory of this shape and dtype on device (PyTorch's {@code empty} leaves it uninitialized). */
    public static Tensor empty(int[] shape, DType dtype, Device device) { return fromStorage(Storage.allocate(dtype, Shape.numel(shape), device), shape); }
    public static Tensor empty(int... shape) { return empty(shape, DType.FLOAT32); }
    public static Tensor zeros(int... shape) { return empty(shape, DType.FLOAT32); }
    public static Tensor zeros(int[] shape, DType dtype) { return empty(shape, dtype); }
    public static Tensor zeros(int[] shape, DType dtype, Device device) { return empty(shape, dtype, device); }
    public static Tensor ones(int... shape) { return full(shape, 1.0, DType.FLOAT32); }
    public static Tensor ones(int[] shape, DType dtype) { return full(shape, 1.0, dtype); }
    public static Tensor full(int[] shape, double value) { return full(shape, value, DType.FLOAT32); }
    public static Tensor full(int[] shape, double value, DType dtype) { return full(shape, value, dtype, Device.defaultDevice()); }
    public static Tensor full(int[] shape, double value, DType dtype, Device device) {
        Tensor t = empty(shape, dtype, device);
        if (value != 0) Dispatch.fill(t, value);
        return t;
    }

    /** 0, 1, ..., end-1 as int64. */
    public static Tensor arange(long end) { return Creation.arange(0, end, 1, DType.INT64); }
    /** start, start+step, ... below end; int64 when all three are whole numbers, else float32. */
    public static Tensor arange(double start, double end, double step) {
        boolean whole = start == Math.rint(start) && end == Math.rint(end) && step == Math.rint(step);
        return Creation.arange(start, end, step, whole ? DType.INT64 : DType.FLOAT32);
    }
    public static Tensor arange(double start, double end, double step, DType dtype) { return Creation.arange(start, end, step, dtype); }
    /** steps evenly spaced values from start to end inclusive. */
    public static Tensor linspace(double start, double end, int steps) { return Creation.linspace(start, end, steps, DType.FLOAT32); }
    public static Tensor eye(int n) { return eye(n, n, DType.FLOAT32); }
    public static Tensor eye(int n, int m, DType dtype) {
        Tensor t = empty(new int[]{n, m}, dtype, Device.CPU);
        for (int i = 0; i < Math.min(n, m); i++) t.storage.setDouble(i * m + i, 1);
        return t.to(Device.defaultDevice());
    }

    /** Uniform on [0, 1) from the default generator. */
    public static Tensor rand(int... shape) { return Creation.rand(shape, DType.FLOAT32, Generator.defaultGenerator()); }
    public static Tensor rand(int[] shape, DType dtype, Generator g) { return Creation.rand(shape, dtype, g); }
    /** Standard normal from the default generator. */
    public static Tensor randn(int... shape) { return Creation.randn(shape, DType.FLOAT32, Generator.defaultGenerator()); }
    public static Tensor randn(int[] shape, DType dtype, Generator g) { return Creation.randn(shape, dtype, g); }
    /** Uniform integers on [low, high) as int64. */
    public static Tensor randint(long low, long high, int... shape) { return Creation.randint(low, high, shape, Generator.defaultGenerator()); }
    public static Tensor randint(long low, long high, int[] shape, Generator g) { return Creation.randint(low, high, shape, g); }
    /** A random permutation of 0..n-1 as int64. */
    public static Tensor randperm(int n) { return randperm(n, Generator.defaultGenerator()); }
    public static Tensor randperm(int n, Generator g) {
        int[] p = g.permutation(n);
        long[] v = new long[n];
        for (int i = 0; i < n; i++) v[i] = p[i];
        return tensor(v);
    }

    /** Seeds the default generator (torch.manual_seed). */
    public static void manualSeed(long seed) { Generator.defaultGenerator().manualSeed(seed); }

    // The *Like factories keep this tensor's device, as PyTorch's do.
    public Tensor zerosLike() { return empty(shape, dtype(), device()); }
    public Tensor onesLike() { return full(shape, 1.0, dtype(), device()); }
    public Tensor fullLike(double value) { return full(shape, value, dtype(), device()); }
    public Tensor emptyLike() { return empty(shape, dtype(), device()); }
    public Tensor randLike() { return Creation.rand(shape, dtype(), Generator.defaultGenerator()).to(device()); }
    public Tensor randnLike() { return Creation.randn(shape, dtype(), Generator.defaultGenerator()).to(device()); }
    public Tensor randintLike(long low, long high) { return Creation.randint(low, high, shape, Generator.defaultGenerator()).to(dtype()).to(device()); }
    public static Tensor zerosLike(Tensor t) { return t.zerosLike(); }
    public static Tensor onesLike(Tensor t) { return t.onesLike(); }

    // ================================================================ metadata

    public int[] shape() { return shape.clone(); }
    /** Same as {@link #shape()}, PyTorch's other name. */
    public int[] size() { return shape.clone(); }
    public int size(int dim) { return shape[Shape.dim(dim, shape.length)]; }
    public int[] strides() { return strides.clone(); }
    public int stride(int dim) { return strides[Shape.dim(dim, shape.length)]; }
    public int offset() { return offset; }
    public int dim() { return shape.length; }
    public int numel() { return Shape.numel(shape); }
    public DType dtype() { return storage.dtype(); }
    public Device device() { return storage.device(); }
    public Storage storage() { return storage; }
    /**
     * Which elements of the storage's buffer this tensor covers, as backends take it. The view shares this tensor's
     * shape and stride arrays (a kernel call must not pay for copies): read them, never write them.
     */
    public View layout() { return new View(shape, strides, offset); }
    /** The in-place write counter of the storage (shared by all views). */
    public int version() { return storage.version(); }
    /** Whether this tensor is a view of another tensor's storage. */
    public boolean isView() { return base != null; }
    /** The tensor this one is a view of (its root, PyTorch's {@code _base}), or null. */
    public Tensor base() { return base; }

    /** Whether the elements are laid out row-major without gaps (size-1 dims may have any stride). */
    public boolean isContiguous() {
        int expected = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] == 1) continue;
            if (strides[i] != expected) return false;
            expected *= shape[i];
        }
        return true;
    }

    // ================================================================ autograd

    public boolean requiresGrad() {
        refreshViewHistory();
        return requiresGrad;
    }

    /** Sets requiresGrad on a leaf, in place; floating-point tensors only. Returns this. */
    public Tensor requiresGrad_(boolean value) {
        if (gradFn != null && !value) {
            throw new IllegalStateException("you can only change requiresGrad flags of leaf variables. If you want to use a computed variable in a subgraph "
                    + "that doesn't require differentiation use detach()");
        }
        if (value && !dtype().isFloatingPoint()) throw new IllegalArgumentException("only Tensors of floating point dtype can require gradients, got " + dtype());
        requiresGrad = value;
        return this;
    }

    public Tensor requiresGrad_() { return requiresGrad_(true); }

    /** The accumulated gradient, or null. */
    public Tensor grad() { return grad; }

    public void setGrad(Tensor g) {
        if (g != null && !Arrays.equals(g.shape, shape)) {
            throw new IllegalArgumentException("assigned grad has shape " + Shape.str(g.shape) + " but the tensor has shape " + Shape.str(shape));
        }
        grad = g;
    }

    /** The graph node that produced this tensor, or null for leaves. */
    public Function gradFn() {
        refreshViewHistory();
        return gradFn;
    }

    public boolean isLeaf() { return gradFn() == null; }

    /** Makes backward store this non-leaf tensor's gradient in {@link #grad()}, also after in-place ops give it a new history. */
    public Tensor retainGrad() {
        if (!requiresGrad) throw new IllegalStateException("can't retain_grad on Tensor that has requires_grad=False");
        if (gradFn != null) {
            gradFn.retainOutput(this);
            retainsGrad = true;
        }
        return this;
    }

    /** Whether {@link #retainGrad()} was called on this non-leaf tensor (PyTorch's retains_grad). */
    public boolean retainsGrad() { return retainsGrad; }

    /** Gives this tensor a new history (an op's output, or an in-place write); a retained gradient moves with it. */
    private void setHistory(Function fn) {
        if (retainsGrad && gradFn != null) gradFn.retainOutput(null);
        gradFn = fn;
        if (retainsGrad && fn != null) fn.retainOutput(this);
    }

    /** A tensor sharing this storage, cut from the graph. */
    public Tensor detach() { return new Tensor(storage, shape, strides, offset, null); }

    /** Part of autograd's machinery: an in-place write gave this root tensor a new history; its views re-derive theirs when next read. */
    public void markHistoryReplaced() { historyVersion++; }

    /** Part of autograd's machinery: links this fresh op output to the node that made it. */
    public void attachGradFn(Function fn) {
        setHistory(fn);
        requiresGrad = true;
    }

    /** Part of autograd's machinery: adds g into {@link #grad()} (a copy, so grads never alias). */
    public void accumulateGrad(Tensor g, boolean createGraph) { accumulateGrad(g, createGraph, false); }

    /**
     * As {@link #accumulateGrad(Tensor, boolean)}; with {@code owned}, the caller promises that nothing
     * else references {@code g}'s memory, so a first gradient is kept as it is instead of copied
     * (autograd's backward pass does this for gradients it computed and handed to this tensor alone).
     */
    public void accumulateGrad(Tensor g, boolean createGraph, boolean owned) {
        if (!Arrays.equals(g.shape, shape)) {
            throw new IllegalStateException("gradient of shape " + Shape.str(g.shape) + " for a tensor of shape " + Shape.str(shape));
        }
        if (g.dtype() != dtype()) g = g.to(dtype());
        if (grad == null) grad = owned && !createGraph && !g.requiresGrad() ? g : createGraph ? g.clone() : g.detach().clone();
        else if (createGraph) grad = grad.add(g);
        else try (var m = GradMode.noGrad()) { grad.add_(g); }
    }

    /** Backpropagates from this scalar. */
    public void backward() { backward(null, false, false); }

    /** Backpropagates the vector-Jacobian product with {@code gradient} (same shape as this). */
    public void backward(Tensor gradient) { backward(gradient, false, false); }

    public void backward(Tensor gradient, boolean retainGraph, boolean createGraph) {
        Backward.run(new Tensor[]{this}, new Tensor[]{gradient}, retainGraph || createGraph, createGraph);
    }

    /** Sets grad to null (PyTorch's default set_to_none behaviour). */
    public void zeroGrad() { grad = null; }

    // ================================================================ conversion

    public Tensor to(DType dtype) { return dtype == dtype() ? this : new Pointwise.Cast(dtype).apply(this); }

    /** A copy on device (this tensor when already there); not recorded by autograd. */
    public Tensor to(Device device) {
        if (device.equals(device())) return this;
        // Recorded like PyTorch's to(): the gradient travels back to this tensor's device.
        if (requiresGrad() && GradMode.isEnabled()) return new Pointwise.ToDevice(device).apply(this);
        return Dispatch.toDevice(this, device);
    }

    public Tensor toFloat() { return to(DType.FLOAT32); }
    public Tensor toDouble() { return to(DType.FLOAT64); }
    public Tensor toLong() { return to(DType.INT64); }
    public Tensor toInt() { return to(DType.INT32); }
    public Tensor toBool() { return to(DType.BOOL); }

    /** The value of a one-element tensor. */
    public double item() {
        if (numel() != 1) throw new IllegalStateException("a Tensor with " + numel() + " elements cannot be converted to a scalar (shape " + Shape.str(shape) + ")");
        if (!device().isCpu()) return to(Device.CPU).item();
        return storage.getDouble(offset);
    }

    /** The value of a one-element integer tensor, exactly. */
    public long itemLong() {
        if (numel() != 1) throw new IllegalStateException("a Tensor with " + numel() + " elements cannot be converted to a scalar (shape " + Shape.str(shape) + ")");
        if (!device().isCpu()) return to(Device.CPU).itemLong();
        return storage.getLong(offset);
    }

    /** Row-major copies of the values. */
    public float[] toFloatArray() { return (float[]) hostCopy(DType.FLOAT32); }
    public double[] toDoubleArray() { return (double[]) hostCopy(DType.FLOAT64); }
    public long[] toLongArray() { return (long[]) hostCopy(DType.INT64); }

    /** The values as a fresh Java array of dtype's type: on the CPU the array of a contiguous copy, elsewhere a copy to the host. */
    private Object hostCopy(DType dtype) {
        Tensor c = Dispatch.contiguous(this, dtype);
        if (c.device().isCpu()) return c.storage.array();
        Object array = Tensor.empty(shape, dtype, Device.CPU).storage.array();
        Dispatch.backend("toHost", c).toHost(c.storage.buffer(), array);
        return array;
    }

    /** This tensor if contiguous, else a contiguous copy (differentiable). */
    public Tensor contiguous() { return isContiguous() ? this : new Pointwise.Clone().apply(this); }

    /** A differentiable copy with its own storage. */
    @Override public final Tensor clone() { return new Pointwise.Clone().apply(this); }

    // ================================================================ views (results share storage)

    /** A view with a new shape (one dim may be -1); fails when the strides don't allow a view. */
    public Tensor view(int... shape) { return new Views.Reshape(inferShape(shape), false).apply(this); }
    /** A view when possible, else a copy. */
    public Tensor reshape(int... shape) {
        int[] s = inferShape(shape);
        return Arrays.equals(s, this.shape) ? this : new Views.Reshape(s, true).apply(this);
    }
    public Tensor viewAs(Tensor other) { return view(other.shape); }
    public Tensor reshapeAs(Tensor other) { return reshape(other.shape); }
    public Tensor flatten() { return reshape(-1); }
    /** Merges dims start..end (inclusive) into one. */
    public Tensor flatten(int start, int end) {
        if (shape.length == 0) return reshape(1);
        int s = Shape.dim(start, shape.length), e = Shape.dim(end, shape.length);
        if (s > e) throw new IllegalArgumentException("flatten() has invalid args: start_dim " + start + " cannot come after end_dim " + end);
        int[] out = new int[shape.length - (e - s)];
        int merged = 1;
        for (int i = s; i <= e; i++) merged *= shape[i];
        System.arraycopy(shape, 0, out, 0, s);
        out[s] = merged;
        System.arraycopy(shape, e + 1, out, s + 1, shape.length - e - 1);
        return reshape(out);
    }
    /** Removes all size-1 dims. */
    public Tensor squeeze() { return reshape(Arrays.stream(shape).filter(d -> d != 1).toArray()); }
    /** Removes dim if its size is 1, else returns this unchanged (as PyTorch does). */
    public Tensor squeeze(int dim) {
        int d = Shape.dim(dim, shape.length);
        if (shape.length == 0 || shape[d] != 1) return this;
        int[] out = new int[shape.length - 1];
        for (int i = 0, j = 0; i < shape.length; i++) if (i != d) out[j++] = shape[i];
        return reshape(out);
    }
    /** Inserts a size-1 dim at position dim (in the result's dims). */
    public Tensor unsqueeze(int dim) {
        int d = Shape.dim(dim, shape.length + 1);
        int[] out = new int[shape.length + 1];
        for (int i = 0, j = 0; i < out.length; i++) out[i] = i == d ? 1 : shape[j++];
        return reshape(out);
    }
    public Tensor permute(int... dims) {
        if (dims.length != shape.length) throw new IllegalArgumentException("permute: number of dims don't match: got " + dims.length + " for a tensor of shape " + Shape.str(shape));
        int[] d = new int[dims.length];
        boolean[] seen = new boolean[dims.length];
        for (int i = 0; i < dims.length; i++) {
            d[i] = Shape.dim(dims[i], shape.length);
            if (seen[d[i]]) throw new IllegalArgumentException("permute: repeated dim " + dims[i] + " in " + Arrays.toString(dims));
            seen[d[i]] = true;
        }
        return new Views.Permute(d).apply(this);
    }
    public Tensor transpose(int dim0, int dim1) {
        int[] p = new int[shape.length];
        for (int i = 0; i < p.length; i++) p[i] = i;
        int a = Shape.dim(dim0, shape.length), b = Shape.dim(dim1, shape.length);
        p[a] = b;
        p[b] = a;
        return shape.length == 0 ? this : new Views.Permute(p).apply(this);
    }
    /** Transpose of a matrix (a vector or scalar is returned as is). */
    public Tensor t() {
        if (shape.length > 2) throw new IllegalArgumentException("t() expects a tensor with <= 2 dimensions, but self is " + shape.length + "D");
        return shape.length < 2 ? this : transpose(0, 1);
    }
    /** Repeats size-1 dims (a view with stride 0); -1 keeps a dim. */
    public Tensor expand(int... sizes) {
        if (sizes.length < shape.length) throw new IllegalArgumentException("expand: the number of sizes provided (" + sizes.length + ") must be >= the number of dims " + Shape.str(shape));
        int[] s = sizes.clone();
        int lead = s.length - shape.length;
        for (int i = 0; i < shape.length; i++) {
            if (s[lead + i] == -1) s[lead + i] = shape[i];
            else if (shape[i] != 1 && shape[i] != s[lead + i]) {
                throw new IllegalArgumentException("The expanded size of the tensor (" + s[lead + i] + ") must match the existing size (" + shape[i] + ") at non-singleton dimension "
                        + (lead + i) + ". Target sizes: " + Arrays.toString(sizes) + ". Tensor sizes: " + Shape.str(shape));
            }
        }
        return Arrays.equals(s, shape) ? this : new Views.Expand(s).apply(this);
    }
    public Tensor expandAs(Tensor other) { return expand(other.shape); }
    /** Elements start..start+length-1 along dim (a view). */
    public Tensor narrow(int dim, int start, int length) {
        int d = Shape.dim(dim, shape.length);
        int s = start < 0 ? start + shape[d] : start;
        if (s < 0 || length < 0 || s + length > shape[d]) {
            throw new IndexOutOfBoundsException("narrow(): start (" + start + ") + length (" + length + ") exceeds dimension size (" + shape[d] + ") of dim " + dim);
        }
        return new Views.Slice(d, s, s + length, 1).apply(this);
    }
    /** Python's {@code t[..., start:end:step, ...]} along dim; negative and out-of-range bounds are clipped like Python. */
    public Tensor slice(int dim, int start, int end, int step) {
        int d = Shape.dim(dim, shape.length);
        if (step <= 0) throw new IllegalArgumentException("slice step must be positive, got " + step);
        int n = shape[d];
        int s = Math.min(Math.max(start < 0 ? start + n : start, 0), n);
        int e = Math.min(Math.max(end < 0 ? end + n : end, s), n);
        return new Views.Slice(d, s, e, step).apply(this);
    }
    public Tensor slice(int dim, int start, int end) { return slice(dim, start, end, 1); }
    /** The slice at index along dim, with that dim removed (a view). */
    public Tensor select(int dim, int index) {
        int d = Shape.dim(dim, shape.length);
        int i = index < 0 ? index + shape[d] : index;
        if (i < 0 || i >= shape[d]) throw new IndexOutOfBoundsException("index " + index + " is out of bounds for dimension " + d + " with size " + shape[d]);
        return new Views.Slice(d, i, i + 1, 1).apply(this).squeeze(d);
    }
    /** Rows of a leading dim: {@code t.get(i)} is {@code t[i]}. */
    public Tensor get(int index) { return select(0, index); }

    private int[] inferShape(int[] requested) {
        int known = 1, infer = -1;
        for (int i = 0; i < requested.length; i++) {
            if (requested[i] == -1) {
                if (infer >= 0) throw new IllegalArgumentException("only one dimension can be inferred in " + Arrays.toString(requested));
                infer = i;
            } else if (requested[i] < 0) {
                throw new IllegalArgumentException("invalid shape dimension " + requested[i] + " in " + Arrays.toString(requested));
            } else known *= requested[i];
        }
        int n = numel();
        int[] out = requested.clone();
        if (infer >= 0) {
            if (known == 0 || n % known != 0) throw new IllegalArgumentException("shape " + Arrays.toString(requested) + " is invalid for input of size " + n);
            out[infer] = n / known;
        } else if (known != n) {
            throw new IllegalArgumentException("shape " + Arrays.toString(requested) + " is invalid for input of size " + n);
        }
        return out;
    }

    /** Sums a broadcast gradient back down to shape (used by autograd for broadcast inputs). */
    public Tensor sumToShape(int[] target) {
        if (Arrays.equals(shape, target)) return this;
        int lead = shape.length - target.length;
        if (lead < 0) throw new IllegalArgumentException("cannot sum shape " + Shape.str(shape) + " to " + Shape.str(target));
        int[] dims = java.util.stream.IntStream.range(0, shape.length)
                .filter(i -> i < lead || (target[i - lead] == 1 && shape[i] != 1)).toArray();
        Tensor s = dims.length == 0 ? this : sum(dims, true);
        return s.reshape(target);
    }

    // ================================================================ indexing

    /** Advanced indexing {@code t[i0, i1, ...]}: each index tensor (int64/int32, or one bool mask) indexes one leading dim. */
    public Tensor index(Tensor... indices) { return Indexing.index(this, indices); }
    /** {@code t[indices] = values} (accumulate adds instead); in place, returns this. */
    public Tensor indexPut_(Tensor[] indices, Tensor values, boolean accumulate) { return InPlace.apply(this, t -> Indexing.indexPut(t, indices, values, accumulate)); }
    public Tensor indexSelect(int dim, Tensor index) { return Indexing.indexSelect(this, Shape.dim(dim, shape.length), index); }
    public Tensor gather(int dim, Tensor index) { return Indexing.gather(this, Shape.dim(dim, Math.max(shape.length, 1)), index); }
    /** A copy of this with src added at the positions index gives along dim. */
    public Tensor scatterAdd(int dim, Tensor index, Tensor src) { return Indexing.scatterAdd(this, Shape.dim(dim, Math.max(shape.length, 1)), index, src); }
    public Tensor scatterAdd_(int dim, Tensor index, Tensor src) { return InPlace.apply(this, t -> t.scatterAdd(dim, index, src)); }
    public Tensor maskedFill(Tensor mask, double value) { return Indexing.maskedFill(this, mask, value); }
    public Tensor maskedFill_(Tensor mask, double value) { return InPlace.apply(this, t -> t.maskedFill(mask, value)); }
    /** The elements where mask (broadcast) is true, as a 1-d tensor. */
    public Tensor maskedSelect(Tensor mask) { return Indexing.maskedSelect(this, mask); }
    /** Indices of nonzero elements, [count, dim] int64. */
    public Tensor nonzero() { return Indexing.nonzero(this); }

    /** cond ? a : b, broadcast together. */
    public static Tensor where(Tensor cond, Tensor a, Tensor b) {
        if (cond.dtype() != DType.BOOL) throw new IllegalArgumentException("where expected condition to be a bool tensor, but got " + cond.dtype());
        return new Arithmetic.Where().apply(cond, a, b);
    }
    public static Tensor where(Tensor cond, Tensor a, double b) { return where(cond, a, scalar(b, a.dtype())); }

    // ================================================================ joining and splitting

    public static Tensor cat(int dim, Tensor... tensors) { return Joining.cat(tensors, dim); }
    public static Tensor cat(Tensor[] tensors, int dim) { return Joining.cat(tensors, dim); }
    public static Tensor stack(int dim, Tensor... tensors) { return Joining.stack(tensors, dim); }
    public static Tensor stack(Tensor[] tensors, int dim) { return Joining.stack(tensors, dim); }
    /** Views of splitSize elements along dim (the last may be smaller). */
    public Tensor[] split(int splitSize, int dim) { return Joining.split(this, splitSize, dim); }
    /** Views of the given sizes along dim. */
    public Tensor[] split(int[] sizes, int dim) { return Joining.split(this, sizes, dim); }
    /** chunks views along dim, as equal as possible (as torch.chunk). */
    public Tensor[] chunk(int chunks, int dim) { return Joining.chunk(this, chunks, dim); }
    /** Views of each index along dim, with dim removed (as torch.unbind). */
    public Tensor[] unbind(int dim) { return Joining.unbind(this, dim); }

    // ================================================================ arithmetic

    /** A 0-d tensor holding v with a dtype suited to combine with this (PyTorch's scalar promotion). */
    private Tensor wrap(double v) {
        DType t = dtype().isFloatingPoint() ? dtype() : v == Math.rint(v) && dtype() != DType.BOOL ? dtype() : v == Math.rint(v) ? DType.INT64 : DType.FLOAT32;
        return scalar(v, t);
    }

    public Tensor add(Tensor o) { return new Arithmetic.Add().apply(this, o); }
    public Tensor add(double v) { return add(wrap(v)); }
    /** this + alpha * o. */
    public Tensor add(Tensor o, double alpha) { return add(alpha == 1 ? o : o.mul(alpha)); }
    public Tensor sub(Tensor o) { return new Arithmetic.Sub().apply(this, o); }
    public Tensor sub(double v) { return sub(wrap(v)); }
    public Tensor mul(Tensor o) { return new Arithmetic.Mul().apply(this, o); }
    public Tensor mul(double v) { return mul(wrap(v)); }
    public Tensor div(Tensor o) { return new Arithmetic.Div().apply(this, o); }
    public Tensor div(double v) { return div(wrap(v)); }
    /** v - this. */
    public Tensor rsub(double v) { return wrap(v).sub(this); }
    /** v / this. */
    public Tensor rdiv(double v) { return wrap(v).div(this); }
    public Tensor pow(double p) { return new Pointwise.PowScalar(p).apply(this); }
    public Tensor pow(Tensor p) { return new Arithmetic.Pow().apply(this, p); }
    public Tensor neg() { return new Pointwise.Neg().apply(this); }
    public Tensor maximum(Tensor o) { return new Arithmetic.Maximum(true).apply(this, o); }
    public Tensor minimum(Tensor o) { return new Arithmetic.Maximum(false).apply(this, o); }
    public Tensor square() { return mul(this); }

    // ================================================================ comparisons (bool results, no gradient)

    private Tensor cmpScalar(double v) { return scalar(v, dtype().isFloatingPoint() ? dtype() : DType.FLOAT64); }
    public Tensor eq(Tensor o) { return Dispatch.binary(Backend.Binary.EQ, this, o); }
    public Tensor eq(double v) { return eq(cmpScalar(v)); }
    public Tensor ne(Tensor o) { return Dispatch.binary(Backend.Binary.NE, this, o); }
    public Tensor ne(double v) { return ne(cmpScalar(v)); }
    public Tensor lt(Tensor o) { return Dispatch.binary(Backend.Binary.LT, this, o); }
    public Tensor lt(double v) { return lt(cmpScalar(v)); }
    public Tensor le(Tensor o) { return Dispatch.binary(Backend.Binary.LE, this, o); }
    public Tensor le(double v) { return le(cmpScalar(v)); }
    public Tensor gt(Tensor o) { return Dispatch.binary(Backend.Binary.GT, this, o); }
    public Tensor gt(double v) { return gt(cmpScalar(v)); }
    public Tensor ge(Tensor o) { return Dispatch.binary(Backend.Binary.GE, this, o); }
    public Tensor ge(double v) { return ge(cmpScalar(v)); }
    public Tensor logicalAnd(Tensor o) { return Dispatch.binary(Backend.Binary.LOGICAL_AND, this, o); }
    public Tensor logicalOr(Tensor o) { return Dispatch.binary(Backend.Binary.LOGICAL_OR, this, o); }
    public Tensor logicalNot() { return Dispatch.unary(Backend.Unary.LOGICAL_NOT, this); }

    /** Same shape and exactly equal values. */
    public boolean equal(Tensor o) {
        return Arrays.equals(shape, o.shape) && eq(o).logicalNot().sum().item() == 0;
    }

    /** |this - o| <= atol + rtol * |o| everywhere (NaNs are never close), shapes broadcast. */
    public boolean allclose(Tensor o, double rtol, double atol) {
        Tensor a = toDouble().detach(), b = o.toDouble().detach();
        Tensor diff = a.sub(b).abs(), tol = b.abs().mul(rtol).add(atol);
        return diff.le(tol).logicalNot().sum().item() == 0;
    }
    public boolean allclose(Tensor o) { return allclose(o, 1e-5, 1e-8); }

    // ================================================================ elementwise math

    public Tensor abs() { return new Pointwise.Abs().apply(this); }
    public Tensor exp() { return new Pointwise.Exp().apply(this); }
    public Tensor log() { return new Pointwise.Log().apply(this); }
    public Tensor sqrt() { return new Pointwise.Sqrt().apply(this); }
    public Tensor rsqrt() { return sqrt().reciprocal(); }
    public Tensor sin() { return new Pointwise.Sin().apply(this); }
    public Tensor cos() { return new Pointwise.Cos().apply(this); }
    public Tensor tanh() { return new Pointwise.Tanh().apply(this); }
    public Tensor sigmoid() { return new Pointwise.Sigmoid().apply(this); }
    public Tensor relu() { return new Pointwise.Relu().apply(this); }
    public Tensor reciprocal() { return rdiv(1.0); }
    public Tensor clamp(double min, double max) {
        if (min > max) throw new IllegalArgumentException("clamp: min (" + min + ") must not exceed max (" + max + ")");
        return new Pointwise.Clamp(min, max).apply(this);
    }
    public Tensor clampMin(double min) { return new Pointwise.Clamp(min, Double.NaN).apply(this); }
    public Tensor clampMax(double max) { return new Pointwise.Clamp(Double.NaN, max).apply(this); }
    /** -1, 0 or 1 (no gradient). */
    public Tensor sign() { return Dispatch.unary(Backend.Unary.SIGN, this); }
    public Tensor floor() { return Dispatch.unary(Backend.Unary.FLOOR, this); }
    public Tensor ceil() { return Dispatch.unary(Backend.Unary.CEIL, this); }
    public Tensor round() { return Dispatch.unary(Backend.Unary.ROUND, this); }

    // ================================================================ reductions

    private int[] allDims() {
        int[] d = new int[shape.length];
        for (int i = 0; i < d.length; i++) d[i] = i;
        return d;
    }

    private int[] normalizeDims(int[] dims) {
        int[] d = new int[dims.length];
        boolean[] seen = new boolean[Math.max(shape.length, 1)];
        for (int i = 0; i < dims.length; i++) {
            d[i] = Shape.dim(dims[i], shape.length);
            if (seen[d[i]]) throw new IllegalArgumentException("dim " + d[i] + " appears multiple times in the list of dims " + Arrays.toString(dims));
            seen[d[i]] = true;
        }
        if (shape.length == 0) return new int[0];
        return d;
    }

    public Tensor sum() { return new Reductions.Sum(allDims(), false).apply(this); }
    public Tensor sum(int dim, boolean keepdim) { return sum(new int[]{dim}, keepdim); }
    public Tensor sum(int dim) { return sum(dim, false); }
    public Tensor sum(int[] dims, boolean keepdim) { return new Reductions.Sum(normalizeDims(dims), keepdim).apply(this); }

    public Tensor mean() { return new Reductions.Mean(allDims(), false).apply(floatForMean("mean")); }
    public Tensor mean(int dim, boolean keepdim) { return mean(new int[]{dim}, keepdim); }
    public Tensor mean(int dim) { return mean(dim, false); }
    public Tensor mean(int[] dims, boolean keepdim) { return new Reductions.Mean(normalizeDims(dims), keepdim).apply(floatForMean("mean")); }

    private Tensor floatForMean(String op) {
        if (!dtype().isFloatingPoint()) {
            throw new IllegalArgumentException(op + "(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: " + dtype());
        }
        return this;
    }

    /** Variance with Bessel's correction (correction = 1) unless unbiased is false. */
    public Tensor var(int[] dims, boolean unbiased, boolean keepdim) {
        int[] d = normalizeDims(dims);
        int n = 1;
        for (int i : d) n *= shape[i];
        Tensor centered = floatForMean("var").sub(mean(d, true));
        return centered.mul(centered).sum(d, keepdim).div(Math.max(0, n - (unbiased ? 1 : 0)));
    }
    public Tensor var(int dim, boolean unbiased, boolean keepdim) { return var(new int[]{dim}, unbiased, keepdim); }
    public Tensor var() { return var(allDims(), true, false); }
    public Tensor std(int[] dims, boolean unbiased, boolean keepdim) { return var(dims, unbiased, keepdim).sqrt(); }
    public Tensor std(int dim, boolean unbiased, boolean keepdim) { return std(new int[]{dim}, unbiased, keepdim); }
    public Tensor std() { return var().sqrt(); }

    public Tensor prod() { return new Reductions.Prod(allDims(), false).apply(this); }
    public Tensor prod(int dim, boolean keepdim) { return prod(new int[]{dim}, keepdim); }
    public Tensor prod(int[] dims, boolean keepdim) { return new Reductions.Prod(normalizeDims(dims), keepdim).apply(this); }

    /** The largest element (ties share the gradient). */
    public Tensor max() { return new Reductions.MaxAll(true).apply(this); }
    public Tensor min() { return new Reductions.MaxAll(false).apply(this); }
    /** Largest values along dim and their int64 indices, like torch.max(dim). */
    public ValuesIndices max(int dim, boolean keepdim) { return maxDim(true, dim, keepdim); }
    public ValuesIndices max(int dim) { return max(dim, false); }
    public ValuesIndices min(int dim, boolean keepdim) { return maxDim(false, dim, keepdim); }
    public ValuesIndices min(int dim) { return min(dim, false); }
    private ValuesIndices maxDim(boolean max, int dim, boolean keepdim) {
        Reductions.MaxDim fn = new Reductions.MaxDim(max, Shape.dim(dim, Math.max(shape.length, 1)), keepdim);
        Tensor values = fn.apply(this);
        return new ValuesIndices(values, fn.indices());
    }
    /** The result of max(dim)/min(dim). */
    public record ValuesIndices(Tensor values, Tensor indices) {}
    /** Index of the largest element of the flattened tensor. */
    public Tensor argmax() { return Dispatch.argReduce(true, flatten(), 0, false); }
    public Tensor argmax(int dim, boolean keepdim) { return Dispatch.argReduce(true, this, Shape.dim(dim, shape.length), keepdim); }
    public Tensor argmax(int dim) { return argmax(dim, false); }
    public Tensor argmin() { return Dispatch.argReduce(false, flatten(), 0, false); }
    public Tensor argmin(int dim, boolean keepdim) { return Dispatch.argReduce(false, this, Shape.dim(dim, shape.length), keepdim); }
    public Tensor argmin(int dim) { return argmin(dim, false); }
    /** max over dims, values only (ties share the gradient, as torch.amax). */
    public Tensor amax(int dim, boolean keepdim) {
        Tensor m = Dispatch.reduce(Reduce.MAX, this, new int[]{Shape.dim(dim, shape.length)}, true);
        Tensor hit = eq(m).to(dtype());
        Tensor share = hit.div(hit.sum(dim, true));
        Tensor out = mul(share).sum(dim, true);
        return keepdim ? out : out.squeeze(Shape.dim(dim, shape.length));
    }

    /** log(sum(exp(x))) along dim, computed stably by subtracting the max first. */
    public Tensor logsumexp(int dim, boolean keepdim) {
        int d = Shape.dim(dim, shape.length);
        Tensor m = Dispatch.reduce(Reduce.MAX, this, new int[]{d}, true);
        m = where(m.abs().eq(Double.POSITIVE_INFINITY), m.zerosLike(), m);
        Tensor out = sub(m).exp().sum(d, true).log().add(m);
        return keepdim ? out : out.squeeze(d);
    }

    /** The p-norm of all elements (p = 2 by default; inf and -inf give max and min of |x|; 0 counts nonzeros). */
    public Tensor norm() { return norm(2.0); }
    public Tensor norm(double p) { return flatten().norm(p, 0, false); }
    public Tensor norm(double p, int dim, boolean keepdim) {
        Tensor a = floatForMean("norm").abs();
        if (p == Double.POSITIVE_INFINITY) return a.amax(dim, keepdim);
        if (p == Double.NEGATIVE_INFINITY) return a.neg().amax(dim, keepdim).neg();
        if (p == 0) return a.ne(0.0).to(dtype()).sum(dim, keepdim);
        if (p == 2) return mul(this).sum(dim, keepdim).sqrt();
        if (p == 1) return a.sum(dim, keepdim);
        return a.pow(p).sum(dim, keepdim).pow(1.0 / p);
    }

    // ================================================================ linear algebra

    /** Matrix product with PyTorch's rules: vectors are promoted and squeezed back, batch dims broadcast. */
    public Tensor matmul(Tensor o) { return LinearAlgebra.matmul(this, o); }
    public Tensor mm(Tensor o) { return new LinearAlgebra.Mm().apply(this, o); }
    /** this + mat1 @ mat2, this broadcast to the product's shape (torch.addmm with beta = alpha = 1): a bias added in the GEMM's output. */
    public Tensor addmm(Tensor mat1, Tensor mat2) { return new LinearAlgebra.Addmm().apply(this, mat1, mat2); }
    public Tensor bmm(Tensor o) { return new LinearAlgebra.Bmm().apply(this, o); }
    public Tensor mv(Tensor v) {
        if (dim() != 2 || v.dim() != 1) throw new IllegalArgumentException("mv expects a matrix and a vector, got " + Shape.str(shape) + " and " + Shape.str(v.shape));
        return mm(v.unsqueeze(1)).squeeze(1);
    }
    public Tensor dot(Tensor o) {
        if (dim() != 1 || o.dim() != 1) throw new IllegalArgumentException("1D tensors expected, but got " + dim() + "D and " + o.dim() + "D tensors");
        if (shape[0] != o.shape[0]) throw new IllegalArgumentException("inconsistent tensor size, expected tensor [" + shape[0] + "] and src [" + o.shape[0] + "] to have the same number of elements");
        return unsqueeze(0).mm(o.unsqueeze(1)).reshape();
    }
    public Tensor outer(Tensor o) {
        if (dim() != 1 || o.dim() != 1) throw new IllegalArgumentException("outer expects two vectors, got " + Shape.str(shape) + " and " + Shape.str(o.shape));
        return unsqueeze(1).mul(o.unsqueeze(0));
    }
    /** Inverse of a square matrix (or a batch of them); singular matrices raise an error. */
    public Tensor inverse() { return LinearSolve.inverse(this); }
    /** Determinant of a square matrix (or a batch of them). */
    public Tensor det() { return LinearSolve.det(this); }

    // ================================================================ in place

    public Tensor add_(Tensor o) { return inPlaceBinary(Backend.Binary.ADD, o) ? this : InPlace.apply(this, t -> t.add(o)); }
    public Tensor add_(double v) { return InPlace.apply(this, t -> t.add(v)); }
    public Tensor add_(Tensor o, double alpha) { return InPlace.apply(this, t -> t.add(o, alpha)); }
    public Tensor sub_(Tensor o) { return inPlaceBinary(Backend.Binary.SUB, o) ? this : InPlace.apply(this, t -> t.sub(o)); }
    public Tensor sub_(double v) { return InPlace.apply(this, t -> t.sub(v)); }
    public Tensor mul_(Tensor o) { return inPlaceBinary(Backend.Binary.MUL, o) ? this : InPlace.apply(this, t -> t.mul(o)); }
    public Tensor mul_(double v) { return InPlace.apply(this, t -> t.mul(v)); }
    public Tensor div_(Tensor o) { return inPlaceBinary(Backend.Binary.DIV, o) ? this : InPlace.apply(this, t -> t.div(o)); }
    public Tensor div_(double v) { return InPlace.apply(this, t -> t.div(v)); }
    public Tensor pow_(double p) { return InPlace.apply(this, t -> t.pow(p)); }
    public Tensor neg_() { return InPlace.apply(this, Tensor::neg); }
    public Tensor exp_() { return InPlace.apply(this, Tensor::exp); }
    public Tensor sqrt_() { return InPlace.apply(this, Tensor::sqrt); }
    public Tensor relu_() { return InPlace.apply(this, Tensor::relu); }
    public Tensor sigmoid_() { return InPlace.apply(this, Tensor::sigmoid); }
    public Tensor tanh_() { return InPlace.apply(this, Tensor::tanh); }
    public Tensor abs_() { return InPlace.apply(this, Tensor::abs); }
    public Tensor clamp_(double min, double max) { return InPlace.apply(this, t -> t.clamp(min, max)); }
    /** Copies src (broadcast, converted to this dtype) into this tensor; with autograd, gradients flow to src only. */
    public Tensor copy_(Tensor src) {
        if (InPlace.isRecorded(this, src)) return InPlace.apply(this, t -> new Pointwise.Overwrite().apply(t, src));
        Dispatch.copyInto(this, src);
        return this;
    }
    public Tensor zero_() { return fill_(0.0); }
    public Tensor fill_(double value) {
        if (InPlace.isRecorded(this)) return InPlace.apply(this, t -> new Pointwise.Overwrite().apply(t, scalar(value, dtype())));
        Dispatch.fill(this, value);
        return this;
    }

    /** this op= o straight into this tensor's memory, when autograd has nothing to record; false if not done. */
    private boolean inPlaceBinary(Backend.Binary op, Tensor o) {
        return !InPlace.isRecorded(this, o) && Dispatch.binaryInPlace(op, this, o);
    }

    /**
     * A view whose base got a new history (an in-place write through the base or another view, see
     * {@link InPlace}) since this view's history was set: its old history no longer describes its values, so it
     * becomes the region of the base's current history (the view's values are unchanged).
     */
    private void refreshViewHistory() {
        if (base == null || baseHistorySeen == base.historyVersion) return;
        baseHistorySeen = base.historyVersion;
        if (!base.requiresGrad) return;
        try (var g = GradMode.enableGrad()) {
            Tensor fresh = new AsStrided(AsStrided.Geometry.ofView(this)).apply(base);
            setHistory(fresh.gradFn);
            requiresGrad = fresh.requiresGrad;
        }
    }

    /** Fills with uniform values on [from, to) (used by init functions). */
    public Tensor uniform_(double from, double to, Generator g) {
        try (var m = GradMode.noGrad()) { Dispatch.copyInto(this, Creation.rand(shape, dtype(), g).mul(to - from).add(from)); }
        return this;
    }
    /** Fills with normal values of this mean and std. */
    public Tensor normal_(double mean, double std, Generator g) {
        try (var m = GradMode.noGrad()) { Dispatch.copyInto(this, Creation.randn(shape, dtype(), g).mul(std).add(mean)); }
        return this;
    }

    // ================================================================ printing

    /** PyTorch's format: {@code tensor([[1., 2.], [3., 4.]], requires_grad=True)}. */
    @Override public String toString() { return TensorFormat.format(this); }
}
