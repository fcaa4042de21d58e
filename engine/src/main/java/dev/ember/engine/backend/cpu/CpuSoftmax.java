package dev.ember.engine.backend.cpu;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import dev.ember.engine.backend.Backend.Unary;

/**
 * Softmax over the rows of a float matrix with the arithmetic of the composed {@code exp(x - logsumexp(x))} step
 * for step: the row's max (an infinite max taken as 0), {@code exp(x - max)} summed in a double in class order and
 * rounded to float, {@code log} of that float plus the max, then {@code exp(x - lse)}; both exps are
 * {@link VectorMath}'s vector exp, as in the composed ops. The floats are those of the composed ops, without their
 * seven whole-matrix temporaries and passes.
 *
 * <p>Short rows (a classifier's 10 classes) go a vector's worth of rows at a time with a lane per row: the block is
 * transposed so that a vector holds one class of every row, and the max, the shifts, the double sum and both exps
 * are whole-vector ops doing each row's scalar steps in the same order. Longer rows, and the rows left over, go a
 * block of rows at a time, each row's steps along the row.
 */
final class CpuSoftmax {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** Doubles in the bits of F. */
    private static final VectorSpecies<Double> D = VectorSpecies.of(double.class, F.vectorShape());
    /** Half of F: the floats that widen to one D. */
    private static final VectorSpecies<Float> HALF = VectorSpecies.of(float.class, VectorShape.forBitSize(F.vectorBitSize() / 2));
    private static final int LANES = F.length();
    /** Rows up to this long go a lane per row: longer ones fill whole vectors along the row. */
    static final int MAX_LANE_ROW = 32;
    /** Values per block (32 KiB) on the along-the-row path: a block stays in L1/L2 between its passes. */
    private static final int BLOCK_FLOATS = 8192;

    private CpuSoftmax() {}

    static void rows(float[] x, int xOff, float[] out, int outOff, int rows, int len) {
        int acrossRows = len <= MAX_LANE_ROW ? rows - rows % LANES : 0;
        if (acrossRows > 0) laneRows(x, xOff, out, outOff, acrossRows, len);
        if (acrossRows < rows) alongRows(x, xOff + acrossRows * len, out, outOff + acrossRows * len, rows - acrossRows, len);
    }

    /**
     * {@code rows} (a multiple of LANES) rows, a block at a time, a lane per row. The exps go through
     * {@link VectorMath#map} over the block, and the other steps are small methods passing arrays, not vectors: in
     * a large method C2 stops inlining the exp, and its vectors go boxed.
     */
    static void laneRows(float[] x, int xOff, float[] out, int outOff, int rows, int len) {
        int groups = Math.max(1, Math.min(rows / LANES, BLOCK_FLOATS / (len * LANES))), groupSize = len * LANES;
        // t[g * groupSize + c * LANES + r] = x[row g * LANES + r of the block, class c]: a row per lane.
        float[] t = new float[groups * groupSize], shifted = new float[groups * groupSize], lse = new float[groups * LANES];
        double[] sum = new double[LANES];
        for (int r0 = 0; r0 < rows; r0 += groups * LANES) {
            int n = Math.min(groups, (rows - r0) / LANES), size = n * groupSize;
            int in = xOff + r0 * len, o = outOff + r0 * len;
            transposeIn(x, in, t, n, len);
            for (int g = 0; g < n; g++) shiftByMax(t, shifted, g * groupSize, len, lse, g * LANES);
            VectorMath.map(Unary.EXP, shifted, shifted, 0, size);
            for (int g = 0; g < n; g++) {
                sumLanes(shifted, g * groupSize, len, sum);
                for (int r = 0; r < LANES; r++) lse[g * LANES + r] = (float) Math.log((float) sum[r]) + lse[g * LANES + r];
                subtractLanes(t, g * groupSize, len, lse, g * LANES);
            }
            VectorMath.map(Unary.EXP, t, t, 0, size);
            transposeOut(t, out, o, n, len);
        }
    }

    private static void transposeIn(float[] x, int in, float[] t, int groups, int len) {
        for (int row = 0; row < groups * LANES; row++) {
            int to = row / LANES * len * LANES + row % LANES, from = in + row * len;
            for (int c = 0; c < len; c++) t[to + c * LANES] = x[from + c];
        }
    }

    private static void transposeOut(float[] t, float[] out, int o, int groups, int len) {
        for (int row = 0; row < groups * LANES; row++) {
            int from = row / LANES * len * LANES + row % LANES, to = o + row * len;
            for (int c = 0; c < len; c++) out[to + c] = t[from + c * LANES];
        }
    }

    /**
     * For the group at {@code at}: shift = each lane's max as {@link #rowMax} takes it, 0 if infinite, into
     * {@code shift[s..]}; and shifted = t - shift.
     */
    private static void shiftByMax(float[] t, float[] shifted, int at, int len, float[] shift, int s) {
        FloatVector max = FloatVector.fromArray(F, t, at);
        for (int c = 1; c < len; c++) {
            FloatVector v = FloatVector.fromArray(F, t, at + c * LANES);
            max = v.blend(max, max.compare(VectorOperators.GT, v).or(max.test(VectorOperators.IS_NAN)));
        }
        FloatVector m = max.blend(0f, max.test(VectorOperators.IS_INFINITE));
        m.intoArray(shift, s);
        for (int c = 0; c < len; c++) FloatVector.fromArray(F, t, at + c * LANES).sub(m).intoArray(shifted, at + c * LANES);
    }

    /**
     * sum[r] = the double sum of lane r's values, class 0 first, from zero. Half a vector at a time: the Vector API
     * widens a whole vector's upper half through a boxed rearrange.
     */
    private static void sumLanes(float[] v, int at, int len, double[] sum) {
        DoubleVector low = DoubleVector.zero(D), high = DoubleVector.zero(D);
        for (int c = 0; c < len; c++) {
            low = low.add(FloatVector.fromArray(HALF, v, at + c * LANES).convertShape(VectorOperators.F2D, D, 0));
            high = high.add(FloatVector.fromArray(HALF, v, at + c * LANES + HALF.length()).convertShape(VectorOperators.F2D, D, 0));
        }
        low.intoArray(sum, 0);
        high.intoArray(sum, D.length());
    }

    /** t -= lse, lse[s + r] for lane r. */
    private static void subtractLanes(float[] t, int at, int len, float[] lse, int s) {
        FloatVector l = FloatVector.fromArray(F, lse, s);
        for (int c = 0; c < len; c++) FloatVector.fromArray(F, t, at + c * LANES).sub(l).intoArray(t, at + c * LANES);
    }

    /** Rows a block at a time, each row's steps along the row; the block's exps in whole vectors across its rows. */
    static void alongRows(float[] x, int xOff, float[] out, int outOff, int rows, int len) {
        int blockRows = Math.max(1, Math.min(rows, BLOCK_FLOATS / Math.max(1, len)));
        float[] shifted = new float[blockRows * len], lse = new float[blockRows];
        for (int r0 = 0; r0 < rows; r0 += blockRows) {
            int n = Math.min(blockRows, rows - r0), size = n * len;
            int in = xOff + r0 * len, o = outOff + r0 * len;
            for (int r = 0; r < n; r++) {
                int from = in + r * len;
                float max = rowMax(x, from, len);
                lse[r] = Float.isInfinite(max) ? 0f : max;
                for (int i = 0; i < len; i++) shifted[r * len + i] = x[from + i] - lse[r];
            }
            VectorMath.map(Unary.EXP, shifted, shifted, 0, size);
            for (int r = 0; r < n; r++) {
                double sum = 0;
                for (int i = 0; i < len; i++) sum += shifted[r * len + i];
                lse[r] = (float) Math.log((float) sum) + lse[r];
            }
            // out may be x itself: each value is read before its slot is written.
            for (int r = 0; r < n; r++) {
                for (int i = 0; i < len; i++) out[o + r * len + i] = x[in + r * len + i] - lse[r];
            }
            VectorMath.map(Unary.EXP, out, out, o, o + size);
        }
    }

    /**
     * The max of a row as the MAX reduction takes it: NaN wins, and of equal values the later one. A select rather
     * than a branch: which value is the largest so far is unpredictable.
     */
    private static float rowMax(float[] x, int from, int len) {
        float max = x[from];
        for (int i = from + 1; i < from + len; i++) {
            float v = x[i];
            max = max > v || max != max ? max : v;
        }
        return max;
    }
}
