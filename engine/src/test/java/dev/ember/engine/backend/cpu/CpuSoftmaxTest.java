package dev.ember.engine.backend.cpu;

import static org.junit.jupiter.api.Assertions.*;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Short rows go a lane per row: their softmax must be, bit for bit, the along-the-row computation (the kernel's
 * before), on every row length the lane path takes and past it, any row count, and the values where rounding and
 * IEEE rules matter. {@code FusedInferenceTest} compares both with the composed ops and hand-worked values.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class CpuSoftmaxTest {
    private static final float[] SPECIALS = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f,
        Float.MAX_VALUE, -Float.MAX_VALUE, Float.MIN_VALUE, -Float.MIN_VALUE, 3e38f, -3e38f, 88.7f, -103.9f, 1e-30f};

    private static void assertSameBits(float[] expected, float[] actual, String what) {
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(actual[i])) {
                fail(what + ", element " + i + ": expected " + expected[i] + " but was " + actual[i]);
            }
        }
    }

    /** rows() of x at an offset into a fresh array, against alongRows() of the same. */
    private static void assertAsAlongRows(float[] x, int rows, int len, String what) {
        int off = 3;
        float[] padded = new float[off + x.length];
        System.arraycopy(x, 0, padded, off, x.length);
        float[] expected = new float[x.length + 5], actual = new float[x.length + 5];
        CpuSoftmax.alongRows(padded, off, expected, 2, rows, len);
        CpuSoftmax.rows(padded, off, actual, 2, rows, len);
        assertSameBits(expected, actual, what);
        // In place: out is x itself.
        float[] inPlace = padded.clone();
        CpuSoftmax.rows(inPlace, off, inPlace, off, rows, len);
        float[] expectedInPlace = new float[x.length];
        System.arraycopy(expected, 2, expectedInPlace, 0, x.length);
        float[] actualInPlace = new float[x.length];
        System.arraycopy(inPlace, off, actualInPlace, 0, x.length);
        assertSameBits(expectedInPlace, actualInPlace, what + ", in place");
    }

    @Test
    void laneRowsAreTheAlongRowBitsForEveryShortRowLengthAndRowCount() {
        SplittableRandom random = new SplittableRandom(15);
        for (int len = 1; len <= CpuSoftmax.MAX_LANE_ROW + 8; len++) {
            for (int rows : new int[]{1, 15, 16, 17, 48, 100, 1500}) {
                float[] x = new float[rows * len];
                for (int i = 0; i < x.length; i++) {
                    int kind = random.nextInt(16);
                    // Gaussian logits at several scales, ties (small integers), and special values.
                    x[i] = kind == 0 ? SPECIALS[random.nextInt(SPECIALS.length)]
                            : kind < 4 ? random.nextInt(-2, 3)
                            : (float) (random.nextGaussian() * (kind < 10 ? 3 : 60));
                }
                assertAsAlongRows(x, rows, len, "len " + len + ", " + rows + " rows");
            }
        }
    }

    @Test
    void rowsOfSpecialValuesAreTheAlongRowBits() {
        // Every row of 10 a different mix: all NaN, all +inf, all -inf, NaN among finite, +inf among -inf, huge
        // logits that overflow a naive exp, tiny ones whose exps underflow, signed zeros and exact ties.
        float[][] rows = {
            filled(Float.NaN), filled(Float.POSITIVE_INFINITY), filled(Float.NEGATIVE_INFINITY), filled(-0f), filled(0f),
            {1, 2, Float.NaN, 4, 5, 6, 7, 8, 9, 10},
            {Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, 0, 0, 0, 0, 0, 0, 0, 0},
            {3e38f, 3e38f, -3e38f, 0, 1, 2, 3, 4, 5, 6},
            {-1e30f, -1e30f + 1e24f, -1e30f, -1e30f, -1e30f, -1e30f, -1e30f, -1e30f, -1e30f, -1e30f},
            {1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000},
            {-0f, 0f, -0f, 0f, -0f, 0f, -0f, 0f, -0f, 0f},
            {88.7f, -103.9f, 0, 0, 0, 0, 0, 0, 0, 1e-30f},
            {Float.MIN_VALUE, -Float.MIN_VALUE, 0, 0, 0, 0, 0, 0, 0, 0},
            {Float.MAX_VALUE, -Float.MAX_VALUE, 0, 0, 0, 0, 0, 0, 0, 0},
            {Float.NEGATIVE_INFINITY, 0, 0, 0, 0, 0, 0, 0, 0, Float.NaN},
            {5, 5, 5, 5, 5, 5, 5, 5, 5, 4}};
        float[] x = new float[rows.length * 10];
        for (int r = 0; r < rows.length; r++) System.arraycopy(rows[r], 0, x, r * 10, 10);
        assertAsAlongRows(x, rows.length, 10, "special rows");
    }

    @Test
    void laneRowsGiveHandWorkedProbabilities() {
        // 16 rows (one vector's worth) of 2 classes {0, ln 3}: e^0 / (1 + 3) and 3 / 4; and a row of four equal logits.
        float ln3 = (float) Math.log(3);
        float[] x = new float[16 * 2];
        for (int r = 0; r < 16; r++) {
            x[2 * r] = 0;
            x[2 * r + 1] = ln3;
        }
        float[] p = new float[x.length];
        CpuSoftmax.rows(x, 0, p, 0, 16, 2);
        for (int i = 0; i < p.length; i += 2) {
            assertEquals(0.25f, p[i], 1e-6f, "row " + i / 2);
            assertEquals(0.75f, p[i + 1], 1e-6f, "row " + i / 2);
        }
        float[] equal = new float[16 * 4], q = new float[16 * 4];
        java.util.Arrays.fill(equal, 7.5f);
        CpuSoftmax.rows(equal, 0, q, 0, 16, 4);
        for (int i = 0; i < q.length; i++) assertEquals(0.25f, q[i], 1e-7f, "element " + i);
    }

    private static float[] filled(float v) {
        float[] row = new float[10];
        java.util.Arrays.fill(row, v);
        return row;
    }
}
