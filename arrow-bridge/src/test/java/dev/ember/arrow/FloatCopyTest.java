package dev.ember.arrow;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class FloatCopyTest {
    @Test
    void finiteFindsEveryNonFiniteValueInTheVectorsAndTheTail() {
        float[] bad = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.intBitsToFloat(0xffc00001)};
        for (int n = 1; n <= 70; n++) {
            float[] row = new float[n + 3];
            for (int i = 0; i < row.length; i++) row[i] = i % 3 == 0 ? -0f : i % 3 == 1 ? Float.MAX_VALUE : -Float.MAX_VALUE;
            // A bad value just outside [off, off + n) on either side is not the row's.
            row[0] = Float.NaN;
            row[n + 1] = Float.NaN;
            assertEquals(true, FloatCopy.finite(row, 1, n), "n=" + n + ", largest floats only");
            for (int at = 0; at < n; at++) {
                for (float b : bad) {
                    float saved = row[1 + at];
                    row[1 + at] = b;
                    assertEquals(false, FloatCopy.finite(row, 1, n), "n=" + n + ", " + b + " at " + at);
                    row[1 + at] = saved;
                }
            }
        }
    }
}
