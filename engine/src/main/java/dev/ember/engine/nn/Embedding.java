package dev.ember.engine.nn;

import dev.ember.engine.DType;
import dev.ember.engine.Shape;
import dev.ember.engine.Tensor;
import dev.ember.engine.autograd.Function;
import dev.ember.engine.ops.Dispatch;
import dev.ember.engine.optim.Option;

import java.util.BitSet;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * A lookup table of numEmbeddings vectors of size embeddingDim, like torch.nn.Embedding: an int64/int32 index tensor
 * of shape [*] gives [*, embeddingDim]. The weight starts as N(0, 1); the paddingIdx row (if any) starts at zero and
 * never receives gradient. With maxNorm, every row an input looks up whose normType-norm exceeds maxNorm is first
 * rescaled in place in the weight (outside autograd) to norm maxNorm, by maxNorm / (norm + 1e-7), as PyTorch does.
 *
 * <p><b>Sparse gradients.</b> Ember has no sparse tensors, so {@code sparse = true} keeps the gradient dense (every
 * optimizer can use it as is) and additionally records which rows a backward pass touched, in a {@link SparseGrad}
 * attached to the weight. An optimizer that wants to update only those rows (SparseAdam) asks
 * {@code Embedding.SparseGrad.of(param)}: null for ordinary parameters, else the touched rows. The record accumulates
 * over backward passes (as the dense gradient does) until cleared: the optimizer calls {@link SparseGrad#clear()}
 * after its step, and {@link #zeroGrad()} clears it too. Rows of paddingIdx are never recorded.
 */
public class Embedding extends Module {
    /** PyTorch's defaults of the optional arguments, declared once: the short constructors and the model spec read them. */
    public static final Option<Integer> PADDING_IDX = Option.integerOrNone("padding_idx");
    public static final Option<Double> MAX_NORM = Option.realOrNone("max_norm");
    public static final Option<Double> NORM_TYPE = Option.real("norm_type", 2.0);
    public static final Option<Boolean> SCALE_GRAD_BY_FREQ = Option.bool("scale_grad_by_freq", false);
    public static final Option<Boolean> SPARSE = Option.bool("sparse", false);

    public final int numEmbeddings, embeddingDim;
    /** The padding row (non-negative), or null. */
    public final Integer paddingIdx;
    public final boolean sparse;
    /** Whether each looked-up row's gradient is divided by how often the row occurs in the input (PyTorch's scale_grad_by_freq). */
    public final boolean scaleGradByFreq;
    /** The largest norm a looked-up row may keep, or null for no limit; normType is the p of that p-norm. */
    public final Double maxNorm;
    public final double normType;
    public Parameter weight;

    public Embedding(int numEmbeddings, int embeddingDim) { this(numEmbeddings, embeddingDim, PADDING_IDX.defaultValue(), SPARSE.defaultValue()); }

    public Embedding(int numEmbeddings, int embeddingDim, Integer paddingIdx) { this(numEmbeddings, embeddingDim, paddingIdx, SPARSE.defaultValue()); }

    /** paddingIdx may be negative (counted from the end) or null for none. */
    public Embedding(int numEmbeddings, int embeddingDim, Integer paddingIdx, boolean sparse) {
        this(numEmbeddings, embeddingDim, paddingIdx, MAX_NORM.defaultValue(), NORM_TYPE.defaultValue(), SCALE_GRAD_BY_FREQ.defaultValue(), sparse);
    }

    /** PyTorch's options in its order: maxNorm null for none, normType 2 by default. */
    public Embedding(int numEmbeddings, int embeddingDim, Integer paddingIdx, Double maxNorm, double normType, boolean scaleGradByFreq, boolean sparse) {
        this(numEmbeddings, embeddingDim, paddingIdx, maxNorm, normType, scaleGradByFreq, sparse, null);
    }

    private Embedding(int numEmbeddings, int embeddingDim, Integer paddingIdx, Double maxNorm, double normType, boolean scaleGradByFreq, boolean sparse,
                      Tensor pretrained) {
        if (numEmbeddings <= 0 || embeddingDim <= 0) {
            throw new IllegalArgumentException("Embedding needs positive sizes, got num_embeddings=" + numEmbeddings + ", embedding_dim=" + embeddingDim);
        }
        checkNorm(maxNorm, normType);
        this.numEmbeddings = numEmbeddings;
        this.embeddingDim = embeddingDim;
        this.paddingIdx = paddingIdx == null ? null : normalizePaddingIdx(paddingIdx, numEmbeddings);
        this.sparse = sparse;
        this.scaleGradByFreq = scaleGradByFreq;
        this.maxNorm = maxNorm;
        this.normType = normType;
        if (pretrained != null) {
            weight = new Parameter(pretrained.detach().clone());
        } else {
            weight = new Parameter(Tensor.empty(numEmbeddings, embeddingDim));
            resetParameters();
        }
        if (sparse) SparseGrad.register(weight);
    }

    /**
     * An Embedding holding a copy of a [num, dim] matrix (nn.Embedding.from_pretrained); freeze turns off its gradient.
     * The padding row is kept as given.
     */
    public static Embedding fromPretrained(Tensor embeddings, boolean freeze, Integer paddingIdx) { return fromPretrained(embeddings, freeze, paddingIdx, null, 2.0, false); }

    /** {@link #fromPretrained(Tensor, boolean, Integer)} with a max_norm (null for none), norm_type and scale_grad_by_freq. */
    public static Embedding fromPretrained(Tensor embeddings, boolean freeze, Integer paddingIdx, Double maxNorm, double normType, boolean scaleGradByFreq) {
        if (embeddings.dim() != 2) throw new IllegalArgumentException("Embeddings parameter is expected to be 2-dimensional, got shape " + Shape.str(embeddings.shape()));
        Embedding e = new Embedding(embeddings.size(0), embeddings.size(1), paddingIdx, maxNorm, normType, scaleGradByFreq, false, embeddings);
        e.weight.requiresGrad_(!freeze);
        return e;
    }

    private static int normalizePaddingIdx(int paddingIdx, int numEmbeddings) {
        if (paddingIdx >= numEmbeddings || paddingIdx < -numEmbeddings) {
            throw new IllegalArgumentException("padding_idx must be within num_embeddings (" + numEmbeddings + "), got " + paddingIdx);
        }
        return paddingIdx < 0 ? paddingIdx + numEmbeddings : paddingIdx;
    }

    /** N(0, 1), with the padding row zeroed. */
    public void resetParameters() {
        Init.normal_(weight, 0, 1);
        if (paddingIdx != null) {
            try (var g = dev.ember.engine.autograd.GradMode.noGrad()) { weight.select(0, paddingIdx).fill_(0); }
        }
    }

    @Override public Tensor forward(Tensor input) { return embedding(input, weight, paddingIdx, maxNorm, normType, scaleGradByFreq, sparse); }

    private static void checkNorm(Double maxNorm, double normType) {
        if (maxNorm != null && !(maxNorm > 0)) throw new IllegalArgumentException("max_norm must be positive (or null for none), got " + maxNorm);
        if (!(normType > 0)) throw new IllegalArgumentException("norm_type must be positive, got " + normType);
    }

    /** Rows of the weight touched by backward since the record was last cleared (sorted), or null unless sparse. */
    public int[] touchedRows() { return sparse ? SparseGrad.register(weight).rows() : null; }

    /** Clears the weight's gradient and, when sparse, its record of touched rows. */
    @Override public void zeroGrad() {
        super.zeroGrad();
        if (sparse) SparseGrad.register(weight).clear();
    }

    /**
     * Functional lookup (F.embedding): rows of weight [num, dim] at input's indices. Gradients for paddingIdx (null for
     * none; negative counts from the end) are dropped; sparse records the touched rows in the weight's {@link SparseGrad}.
     */
    public static Tensor embedding(Tensor input, Tensor weight, Integer paddingIdx, boolean sparse) {
        return embedding(input, weight, paddingIdx, null, 2.0, false, sparse);
    }

    /**
     * {@link #embedding(Tensor, Tensor, Integer, boolean)} that first renormalizes, in place and outside autograd, each
     * weight row the input refers to whose normType-norm exceeds maxNorm (null: no limit), like F.embedding(max_norm=...);
     * scaleGradByFreq divides each row's gradient by the number of times the input looks it up.
     */
    public static Tensor embedding(Tensor input, Tensor weight, Integer paddingIdx, Double maxNorm, double normType, boolean scaleGradByFreq, boolean sparse) {
        checkNorm(maxNorm, normType);
        if (weight.dim() != 2) throw new IllegalArgumentException("embedding: weight must be 2-D [num_embeddings, embedding_dim], got shape " + Shape.str(weight.shape()));
        if (input.dtype() != DType.INT64 && input.dtype() != DType.INT32) {
            throw new IllegalArgumentException("Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int; but got " + input.dtype()
                    + " instead (shape " + Shape.str(input.shape()) + ")");
        }
        int num = weight.size(0);
        long[] raw = input.toLongArray();
        int[] rows = new int[raw.length];
        for (int i = 0; i < raw.length; i++) {
            if (raw[i] < 0 || raw[i] >= num) {
                throw new IndexOutOfBoundsException("index " + raw[i] + " is out of range for Embedding with num_embeddings=" + num + " (indices shape " + Shape.str(input.shape()) + ")");
            }
            rows[i] = (int) raw[i];
        }
        if (maxNorm != null) renorm(weight, rows, maxNorm, normType);
        int pad = paddingIdx == null ? -1 : normalizePaddingIdx(paddingIdx, num);
        SparseGrad record = sparse ? SparseGrad.register(weight) : null;
        return new Lookup(rows, input.shape(), pad, scaleGradByFreq, record).apply(weight);
    }

    /** Scales each distinct row in rows whose p-norm exceeds maxNorm by maxNorm / (norm + 1e-7); other rows are not written. */
    private static void renorm(Tensor weight, int[] rows, double maxNorm, double p) {
        BitSet seen = new BitSet();
        try (var g = dev.ember.engine.autograd.GradMode.noGrad()) {
            for (int r : rows) {
                if (seen.get(r)) continue;
                seen.set(r);
                Tensor target = weight.detach().select(0, r);
                double[] row = target.toDoubleArray(); // only the looked-up rows are read: tables can be large
                double norm = 0;
                for (double v : row) norm = Double.isInfinite(p) ? Math.max(norm, Math.abs(v)) : norm + Math.pow(Math.abs(v), p);
                if (!Double.isInfinite(p)) norm = Math.pow(norm, 1 / p);
                if (norm <= maxNorm) continue;
                double scale = maxNorm / (norm + 1e-7);
                for (int j = 0; j < row.length; j++) row[j] *= scale;
                target.copy_(Tensor.of(row, DType.FLOAT64)); // bumps the weight's version, as PyTorch's embedding_renorm_
            }
        }
    }

    /** Copies rows of the weight; its backward scatters the gradient rows back (skipping the padding row). */
    static final class Lookup extends Function {
        private final int[] rows, indexShape;
        private final int paddingIdx;
        private final boolean scaleGradByFreq;
        private final SparseGrad record;

        Lookup(int[] rows, int[] indexShape, int paddingIdx, boolean scaleGradByFreq, SparseGrad record) {
            this.rows = rows;
            this.indexShape = indexShape;
            this.paddingIdx = paddingIdx;
            this.scaleGradByFreq = scaleGradByFreq;
            this.record = record;
        }

        @Override protected Tensor forward(Tensor... x) {
            Tensor w = x[0];
            int d = w.size(1);
            int[] outShape = java.util.Arrays.copyOf(indexShape, indexShape.length + 1);
            outShape[indexShape.length] = d;
            Tensor dense = Dispatch.dense(w, w.dtype()), out = Tensor.empty(outShape, w.dtype(), w.device());
            int[] starts = new int[rows.length];
            for (int i = 0; i < rows.length; i++) starts[i] = rows[i] * d;
            Dispatch.indexSelect(out, dense, starts, d);
            return out;
        }

        @Override protected Tensor[] backward(Tensor g) {
            if (record != null) record.add(rows, paddingIdx);
            int num = inputs()[0].size(0);
            return new Tensor[]{new ScatterRows(rows, indexShape, num, paddingIdx).apply(scaleGradByFreq ? g.mul(inverseFrequencies(num)) : g)};
        }

        /** 1 / (lookups of row r in this input) for each lookup, shaped to scale the gradient's rows. */
        private Tensor inverseFrequencies(int num) {
            int[] counts = new int[num];
            for (int r : rows) counts[r]++;
            double[] scale = new double[rows.length];
            for (int i = 0; i < rows.length; i++) scale[i] = 1.0 / counts[rows[i]];
            int[] shape = java.util.Arrays.copyOf(indexShape, indexShape.length + 1);
            shape[indexShape.length] = 1;
            return Tensor.of(scale, inputDtype(0)).reshape(shape);
        }

        @Override public String name() { return "EmbeddingBackward0"; }
    }

    /** The weight's gradient: a [num, dim] zero matrix with each gradient row added at its index; differentiable (its backward is a lookup). */
    static final class ScatterRows extends Function {
        private final int[] rows, indexShape;
        private final int num, paddingIdx;

        ScatterRows(int[] rows, int[] indexShape, int num, int paddingIdx) {
            this.rows = rows;
            this.indexShape = indexShape;
            this.num = num;
            this.paddingIdx = paddingIdx;
        }

        @Override protected Tensor forward(Tensor... x) {
            Tensor g = Dispatch.dense(x[0], x[0].dtype());
            int d = g.size(-1);
            Tensor out = Tensor.empty(new int[]{num, d}, g.dtype(), g.device());
            int[] to = new int[rows.length];
            for (int i = 0; i < rows.length; i++) to[i] = rows[i] == paddingIdx ? -1 : rows[i] * d; // the padding row gets no gradient
            Dispatch.indexPut(out, to, d, g, true);
            return out;
        }

        @Override protected Tensor[] backward(Tensor gg) {
            // d(scatter)/dg is a lookup; the padding row's gradient was dropped, so its lookups see zeros.
            Tensor looked = new Lookup(rows, indexShape, -1, false, null).apply(gg);
            if (paddingIdx < 0) return new Tensor[]{looked};
            boolean[] keep = new boolean[rows.length];
            for (int i = 0; i < rows.length; i++) keep[i] = rows[i] != paddingIdx;
            Tensor mask = Tensor.tensor(keep).reshape(indexShape).unsqueeze(-1);
            return new Tensor[]{looked.mul(mask)};
        }

        @Override public String name() { return "EmbeddingDenseBackward0"; }
    }

    /**
     * The rows of a sparse Embedding's weight that backward has written gradient into since the last {@link #clear()}.
     * Kept per weight tensor (weakly, so it goes away with the tensor).
     */
    public static final class SparseGrad {
        private static final Map<Tensor, SparseGrad> BY_WEIGHT = Collections.synchronizedMap(new WeakHashMap<>());
        private final BitSet touched = new BitSet();

        private SparseGrad() {}

        /** The record for this weight, or null when it is not used by a sparse embedding. */
        public static SparseGrad of(Tensor weight) { return BY_WEIGHT.get(weight); }

        static SparseGrad register(Tensor weight) { return BY_WEIGHT.computeIfAbsent(weight, w -> new SparseGrad()); }

        synchronized void add(int[] rows, int paddingIdx) {
            for (int r : rows) if (r != paddingIdx) touched.set(r);
        }

        /** The touched rows in increasing order. */
        public synchronized int[] rows() { return touched.stream().toArray(); }

        /** Forgets the touched rows (call after an optimizer step has consumed them). */
        public synchronized void clear() { touched.clear(); }
    }

    @Override public String extraRepr() {
        return numEmbeddings + ", " + embeddingDim + (paddingIdx != null ? ", padding_idx=" + paddingIdx : "") + (maxNorm != null ? ", max_norm=" + maxNorm : "")
                + (normType != 2.0 ? ", norm_type=" + normType : "") + (scaleGradByFreq ? ", scale_grad_by_freq=True" : "") + (sparse ? ", sparse=True" : "");
    }
}
