package dev.ember.spark;

import static org.junit.jupiter.api.Assertions.*;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Spark ML's prediction: hand-worked rows, and the batch kernel (a lane per row) against the row-by-row argmax. */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class ArgmaxTest {
    private static final float NAN = Float.NaN, INF = Float.POSITIVE_INFINITY;

    /** Rows whose argmax is worked out by hand: ties, signed zeros, NaN first and later, infinities. */
    private static final float[] HAND_WORKED = {
        1, 3, 2, 3,         // a tie: the first 3
        -0f, 0f, -1, -2,    // -0 and 0 are equal: index 0
        NAN, 5, 6, 7,       // nothing compares above a leading NaN: index 0
        1, NAN, INF, 2,     // a later NaN is never above (torch.argmax would pick it); +inf is
        -9, -8, -7, -6,     // the last
        -INF, -INF, -INF, -INF, // all equal: the first
        NAN, NAN, NAN, NAN};    // all NaN: the first
    private static final int[] HAND_WORKED_ARGMAX = {1, 0, 0, 2, 3, 0, 0};

    @Test
    void rowByRowTakesTheFirstOfTheLargestAndIgnoresWhatIsNotAbove() {
        // Read at an offset, as rows of a batch are.
        for (int r = 0; r < HAND_WORKED_ARGMAX.length; r++) assertEquals(HAND_WORKED_ARGMAX[r], Argmax.of(HAND_WORKED, 4 * r, 4), "row " + r);
    }

    @Test
    void theBatchKernelGivesTheHandWorkedClassesInEveryLane() {
        // The 7 hand-worked rows repeated to 61 rows: full vectors of rows in each lane position, and a tail.
        int rows = 61;
        float[] batch = new float[rows * 4];
        for (int r = 0; r < rows; r++) System.arraycopy(HAND_WORKED, r % 7 * 4, batch, r * 4, 4);
        float[] best = new float[rows];
        Argmax.rows(batch, rows, 4, best);
        for (int r = 0; r < rows; r++) assertEquals(HAND_WORKED_ARGMAX[r % 7], best[r], "row " + r);
    }

    @Test
    void theBatchKernelIsTheRowByRowArgmaxOnRandomAndSpecialValues() {
        SplittableRandom random = new SplittableRandom(15);
        float[] specials = {NAN, INF, -INF, 0f, -0f, Float.MAX_VALUE, -Float.MAX_VALUE, Float.MIN_VALUE, 1f};
        for (int k = 1; k <= 40; k++) {
            for (int rows : new int[]{1, 7, 16, 17, 64, 100}) {
                float[] v = new float[rows * k];
                for (int i = 0; i < v.length; i++) {
                    // Few distinct values, so ties are common; a special value one time in eight.
                    v[i] = random.nextInt(8) == 0 ? specials[random.nextInt(specials.length)] : random.nextInt(-3, 4) * 0.5f;
                }
                float[] best = new float[rows];
                Argmax.rows(v, rows, k, best);
                for (int r = 0; r < rows; r++) assertEquals(Argmax.of(v, r * k, k), best[r], "k " + k + ", " + rows + " rows, row " + r);
            }
        }
    }
}
