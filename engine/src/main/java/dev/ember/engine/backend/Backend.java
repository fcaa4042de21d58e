package dev.ember.engine.backend;

import dev.ember.engine.DType;
import dev.ember.engine.Device;

/**
 * The primitives one device provides, on {@link Buffer}s and {@link View}s: never tensors, never autograd. The ops
 * above decide shapes, dtypes, broadcasting (a broadcast operand comes as a view of the output's shape with 0
 * strides) and allocate outputs; a backend only moves and computes elements. Inputs may be of any dtype: a
 * backend converts them to the lane it computes in (float32 for float32 results, else float64) and writes the
 * output buffer's own dtype. Only {@link #fromHost} and {@link #toHost} see Java arrays.
 */
public interface Backend {
    enum Unary { NEG, ABS, SIGN, RELU, FLOOR, CEIL, ROUND, EXP, LOG, SQRT, SIN, COS, TANH, SIGMOID, ERF, RECIPROCAL, LOGICAL_NOT;
        /** Whether the result is floating point even for an integer input (exp, log, ...). */
        public boolean floatResult() { return ordinal() >= EXP.ordinal() && this != LOGICAL_NOT; }
    }

    /** RELU_GRAD is {@code b > 0 ? a : 0}: ReLU's backward in one pass. */
    enum Binary { ADD, SUB, MUL, DIV, POW, MAXIMUM, MINIMUM, RELU_GRAD, EQ, NE, LT, LE, GT, GE, LOGICAL_AND, LOGICAL_OR;
        /** Comparisons and logical ops: a bool result, computed in the operands' common type. */
        public boolean isComparison() { return ordinal() >= EQ.ordinal(); }
    }

    enum Reduce { SUM, PROD, MAX, MIN }

    Device device();

    /** A zero-filled buffer. */
    Buffer allocate(DType dtype, int length);

    /** Copies a Java array ({@code float[]}, {@code double[]}, {@code long[]}, {@code int[]}, {@code byte[]} of dst's dtype) into dst. */
    void fromHost(Object array, Buffer dst);

    /** Copies src into a Java array of its dtype's type and length. */
    void toHost(Buffer src, Object array);

    /** Writes src's elements, converted to dst's dtype, into dst; both views have dst's shape. */
    void copy(Buffer dst, View dstView, Buffer src, View srcView);

    void fill(Buffer dst, View dstView, double value);

    /** out (contiguous, x's shape) = op(x). */
    void unary(Unary op, Buffer out, Buffer x, View xView);

    /** out = a op b over out's view; a and b may share memory with out only as the very same view. */
    void binary(Binary op, Buffer out, View outView, Buffer a, View aView, Buffer b, View bView);

    /** out (contiguous) = cond != 0 ? a : b; all views have out's shape. */
    void where(Buffer out, Buffer cond, View condView, Buffer a, View aView, Buffer b, View bView);

    /** out (contiguous, x's shape without dims) = op over dims (distinct, in range, any order). */
    void reduce(Reduce op, Buffer out, Buffer x, View xView, int[] dims);

    /** out (int64, contiguous, x's shape without dim) = index of the first max (or min) along dim, NaN counting as the max. */
    void argReduce(boolean max, Buffer out, Buffer x, View xView, int dim);

    /**
     * out (contiguous) row r = src[starts[r], starts[r] + rowLength), starts an int32 buffer of element positions:
     * index_select, advanced indexing, gather (rowLength 1), embedding lookups. out and src share a dtype.
     */
    void indexSelect(Buffer out, Buffer src, Buffer starts, int rowLength);

    /**
     * out[starts[r] + k] = src[srcOffset + r * rowLength + k], or += when accumulate, for each row r in order (so
     * repeated targets add up); a negative start skips its row: index_put, index_add, scatter_add, embedding
     * gradients. out and src share a dtype.
     */
    void indexPut(Buffer out, Buffer starts, int rowLength, Buffer src, int srcOffset, boolean accumulate);

    /** y = conv2d(x, w) + bias (bias may be null); x, w, bias, y contiguous from element 0, of one floating dtype. */
    void conv2d(Conv2dGeometry g, Buffer x, Buffer w, Buffer bias, Buffer y);

    /** gradInput (overwritten) = conv2d's input gradient from gradOutput and w: the transposed convolution. */
    void conv2dInputGrad(Conv2dGeometry g, Buffer gradOutput, Buffer w, Buffer gradInput);

    /** gradWeight (overwritten) = conv2d's weight gradient from gradOutput and x, summed over the samples. */
    void conv2dWeightGrad(Conv2dGeometry g, Buffer gradOutput, Buffer x, Buffer gradWeight);

    /**
     * Max pooling of each plane of x into y, NaN winning; indices (int32, y's length) gets each winner's position in
     * its flattened input plane. x, y, indices contiguous from element 0.
     */
    void maxPool2d(PoolWindow win, Buffer x, Buffer y, Buffer indices);

    /** gradInput[p, indices[p, j]] += gradOutput[p, j]: max pooling's backward, into a zeroed gradInput. */
    void maxPool2dBackward(PoolWindow win, Buffer gradOutput, Buffer indices, Buffer gradInput);

    /** y[p, j] = x[p, indices[p, j]]: the adjoint of {@link #maxPool2dBackward}. */
    void maxPool2dGather(PoolWindow win, Buffer x, Buffer indices, Buffer y);

    /**
     * out[p, j] = scale[j] * the sum of plane p of x over rows [y0, y1) and columns [x0, x1), bounds (int32) holding
     * (y0, y1, x0, x1) for each output position j and scale float64: average and adaptive average pooling.
     */
    void windowSum(PoolWindow win, Buffer bounds, Buffer scale, Buffer x, Buffer out);

    /** gradInput over the window of (p, j) += scale[j] * gradOutput[p, j]: the adjoint of {@link #windowSum}. */
    void windowSpread(PoolWindow win, Buffer bounds, Buffer scale, Buffer gradOutput, Buffer gradInput);

    /**
     * Inverts each of batch n×n row-major float64 matrices in a (overwritten by its LU factors) into out; returns -1,
     * or for a singular matrix (a zero pivot) its first zero pivot as {@code matrix * n + column}.
     */
    int inverse(Buffer a, Buffer out, int batch, int n);

    /** The determinant of each of batch n×n row-major float64 matrices in a (overwritten) into out (float64). */
    void det(Buffer a, Buffer out, int batch, int n);

    /**
     * One fused Adam step over n contiguous elements of each buffer from its offset, updating param, expAvg,
     * expAvgSq and (amsgrad only, else null) maxExpAvgSq in place; all share param's floating dtype.
     */
    void adamStep(AdamStep step, int n, Buffer param, int paramOffset, Buffer grad, int gradOffset,
                  Buffer expAvg, int expAvgOffset, Buffer expAvgSq, int expAvgSqOffset, Buffer maxExpAvgSq, int maxOffset);

    /**
     * Row-major {@code C[m,n] = (accumulate ? C : 0) + op(A) op(B)} in one floating dtype; op(A) is A [m,k], or A
     * stored [k,m] when transA; row r of a matrix starts at {@code off + r * ld}.
     */
    void gemm(boolean transA, boolean transB, int m, int n, int k, Buffer a, int aOffset, int lda,
              Buffer b, int bOffset, int ldb, Buffer c, int cOffset, int ldc, boolean accumulate);

    /**
     * Whether {@link #gemm} with {@code accumulate} adds the finished product to each element of C in one addition
     * ({@code C + (op(A) op(B))}, rather than adding partial sums as they come) for this dtype and inner size k: then a
     * bias placed in C first gives the same floats as adding it after the product (addmm's fused bias).
     */
    default boolean gemmAddsProductOnce(DType dtype, int k) { return false; }

    /**
     * Softmax of each of {@code rows} contiguous rows of {@code len} elements of x into out (both contiguous from their
     * offsets), with the arithmetic of the composed ops {@code exp(x - logsumexp(x))} in their order, so the floats are
     * theirs. Returns false where this backend has no such kernel for the dtype; the caller then composes the ops.
     */
    default boolean softmaxRows(Buffer x, int xOffset, Buffer out, int outOffset, int rows, int len) { return false; }
}
