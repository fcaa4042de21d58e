package dev.ember.engine.backend.cpu;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The scalar error function against torch.erf in float64 (moved here with the kernel from ActivationsTest). */
@Timeout(10)
class ErfTest {
    @Test
    void erfIsAccurateToDoublePrecision() {
        double[] x = {-7, -3, -1.1, -0.5, -1e-10, 0, 1e-5, 0.3, 0.84375, 1.0, 1.24, 1.3, 2.0, 2.8, 3.5, 5.9, 6.5};
        double[] expected = {-1.0, -0.9999779095030014, -0.8802050695740817, -0.5204998778130465, -1.1283791670955126e-10, 0.0, 1.1283791670579e-05,
                0.3286267594591274, 0.7672256612323417, 0.8427007929497149, 0.9205051842990297, 0.9340079449406524, 0.9953222650189527,
                0.9999249868053346, 0.9999992569016276, 0.9999999999999999, 1.0}; // torch.erf, float64
        for (int i = 0; i < x.length; i++) {
            assertEquals(expected[i], Erf.erf(x[i]), 2e-16 * Math.abs(expected[i]) + 1e-300, "erf(" + x[i] + ")");
        }
        assertEquals(Double.NaN, Erf.erf(Double.NaN));
        assertEquals(1.0, Erf.erf(Double.POSITIVE_INFINITY));
        assertEquals(-1.0, Erf.erf(Double.NEGATIVE_INFINITY));
    }
}
