package dev.ember.engine.backend.cpu;

import dev.ember.engine.DType;
import dev.ember.engine.backend.AdamStep;
import dev.ember.engine.backend.Backend;
import dev.ember.engine.backend.Backend.Binary;
import dev.ember.engine.backend.Backend.Reduce;
import dev.ember.engine.backend.Backend.Unary;
import dev.ember.engine.backend.View;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The CPU backend on buffers and views directly, with values worked out by hand. */
@Timeout(30)
class CpuBackendTest {
    private final Backend cpu = CpuBackend.INSTANCE;

    @Test
    void binaryWritesAStridedOutputViewAndConvertsABroadcastOperand() {
        // out: column 1 of a [2, 2] float32 buffer (stride 2, offset 1); a = [1, 2] float32; b = int64 scalar 10 broadcast.
        CpuBuffer out = CpuBuffer.of(new float[]{-1, -1, -1, -1});
        CpuBuffer a = CpuBuffer.of(new float[]{1, 2});
        CpuBuffer b = CpuBuffer.of(new long[]{10});
        cpu.binary(Binary.MUL, out, new View(new int[]{2}, new int[]{2}, 1), a, View.contiguous(2), b, new View(new int[]{2}, new int[]{0}, 0));
        assertArrayEquals(new float[]{-1, 10, -1, 20}, out.floats());
    }

    @Test
    void comparisonsComputeInTheOperandsCommonType() {
        // int64 against float64 compares in float64, the promoted type: 1 < 1.5, not 5 < 5, not 7 < 6.5.
        CpuBuffer out = CpuBuffer.allocate(DType.BOOL, 3);
        cpu.binary(Binary.LT, out, View.contiguous(3), CpuBuffer.of(new long[]{1, 5, 7}), View.contiguous(3),
                CpuBuffer.of(new double[]{1.5, 5, 6.5}), View.contiguous(3));
        assertArrayEquals(new byte[]{1, 0, 0}, out.bytes());
    }

    @Test
    void unaryOnATransposedViewReadsInViewOrder() {
        // x = [[1, 2], [3, 4]] read transposed: [[1, 3], [2, 4]]; neg gives [-1, -3, -2, -4].
        CpuBuffer x = CpuBuffer.of(new float[]{1, 2, 3, 4}), out = CpuBuffer.allocate(DType.FLOAT32, 4);
        cpu.unary(Unary.NEG, out, x, new View(new int[]{2, 2}, new int[]{1, 2}, 0));
        assertArrayEquals(new float[]{-1, -3, -2, -4}, out.floats());
    }

    @Test
    void reduceOverAMiddleDimAndArgmax() {
        // x [2, 3, 2] = 0..11; sum over dim 1: [[0+2+4, 1+3+5], [6+8+10, 7+9+11]] = [[6, 9], [24, 27]].
        double[] values = new double[12];
        for (int i = 0; i < 12; i++) values[i] = i;
        CpuBuffer x = CpuBuffer.of(values), sum = CpuBuffer.allocate(DType.FLOAT64, 4);
        cpu.reduce(Reduce.SUM, sum, x, View.contiguous(2, 3, 2), new int[]{1});
        assertArrayEquals(new double[]{6, 9, 24, 27}, sum.doubles());
        // argmax along dim 2 of [[3, 9, 9], [7, 1, 2]]: first max wins, so [1, 0].
        CpuBuffer y = CpuBuffer.of(new float[]{3, 9, 9, 7, 1, 2}), idx = CpuBuffer.allocate(DType.INT64, 2);
        cpu.argReduce(true, idx, y, View.contiguous(2, 3), 1);
        assertArrayEquals(new long[]{1, 0}, idx.longs());
    }

    @Test
    void copyCastsAndBroadcasts() {
        // A float64 row [1.5, -2.5] broadcast into a [2, 2] int32 buffer: truncation toward zero.
        CpuBuffer dst = CpuBuffer.allocate(DType.INT32, 4);
        cpu.copy(dst, View.contiguous(2, 2), CpuBuffer.of(new double[]{1.5, -2.5}), new View(new int[]{2, 2}, new int[]{0, 1}, 0));
        assertArrayEquals(new int[]{1, -2, 1, -2}, dst.ints());
    }

    @Test
    void gemmTakesBuffersAndRefusesIntegerMatrices() {
        // [[1, 2], [3, 4]] @ [[5, 6], [7, 8]] = [[19, 22], [43, 50]].
        CpuBuffer c = CpuBuffer.allocate(DType.FLOAT64, 4);
        cpu.gemm(false, false, 2, 2, 2, CpuBuffer.of(new double[]{1, 2, 3, 4}), 0, 2, CpuBuffer.of(new double[]{5, 6, 7, 8}), 0, 2, c, 0, 2, false);
        assertArrayEquals(new double[]{19, 22, 43, 50}, c.doubles());
        CpuBuffer i = CpuBuffer.allocate(DType.INT64, 4);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> cpu.gemm(false, false, 2, 2, 2, i, 0, 2, i, 0, 2, i, 0, 2, false));
        assertTrue(e.getMessage().contains("int64"), e.getMessage());
    }

    @Test
    void indexSelectCopiesRowsByPosition() {
        // src [3, 2] = [[1, 2], [3, 4], [5, 6]]; rows 2, 0, 2 start at 4, 0, 4.
        CpuBuffer out = CpuBuffer.allocate(DType.FLOAT32, 6);
        cpu.indexSelect(out, CpuBuffer.of(new float[]{1, 2, 3, 4, 5, 6}), CpuBuffer.of(new int[]{4, 0, 4}), 2);
        assertArrayEquals(new float[]{5, 6, 1, 2, 5, 6}, out.floats());
    }

    @Test
    void indexPutAddsRepeatedTargetsAndSkipsNegativeStarts() {
        // Rows [1, 1], [2, 2], [4, 4], [8, 8] (read from offset 2) go to row 1, row 1, nowhere, row 0 of a [2, 2] buffer of 10s.
        CpuBuffer out = CpuBuffer.of(new double[]{10, 10, 10, 10});
        CpuBuffer src = CpuBuffer.of(new double[]{-9, -9, 1, 1, 2, 2, 4, 4, 8, 8});
        cpu.indexPut(out, CpuBuffer.of(new int[]{2, 2, -1, 0}), 2, src, 2, true);
        assertArrayEquals(new double[]{18, 18, 13, 13}, out.doubles());
        cpu.indexPut(out, CpuBuffer.of(new int[]{2, 2, -1, 0}), 2, src, 2, false); // the last write to a target wins
        assertArrayEquals(new double[]{8, 8, 2, 2}, out.doubles());
    }

    @Test
    void adamsFirstStepMovesEachWeightByLrAgainstItsGradientsSign() {
        // From zero state, step 1: m = (1 - b1) g, v = (1 - b2) g^2, and with stepSize = lr / (1 - b1),
        // bc2Sqrt = sqrt(1 - b2) the update is lr * g / (|g| + eps): 0.1 against the sign. Offsets 1, 0, 2, 0.
        double lr = 0.1, b1 = 0.9, b2 = 0.999;
        AdamStep step = new AdamStep(b1, b2, 1e-8, lr / (1 - b1), Math.sqrt(1 - b2), 1, 0, false);
        for (int n : new int[]{2, 37}) { // 37 runs the vector loop and its scalar tail
            float[] p = new float[n + 1], g = new float[n];
            for (int i = 0; i < n; i++) { p[i + 1] = i % 4; g[i] = i % 2 == 0 ? 0.5f : -4f; }
            CpuBuffer m = CpuBuffer.allocate(DType.FLOAT32, n + 2), v = CpuBuffer.allocate(DType.FLOAT32, n);
            cpu.adamStep(step, n, CpuBuffer.of(p), 1, CpuBuffer.of(g), 0, m, 2, v, 0, null, 0);
            for (int i = 0; i < n; i++) {
                assertEquals(i % 4 + (i % 2 == 0 ? -0.1 : 0.1), p[i + 1], 1e-6, "p[" + i + "]");
                assertEquals((1 - b1) * g[i], m.floats()[i + 2], 1e-7, "exp_avg[" + i + "]");
            }
            assertEquals(0f, p[0]);
        }
    }

    @Test
    void whereKeepsInt64ValuesBeyondDoublePrecision() {
        long big = (1L << 53) + 1; // not a double
        CpuBuffer out = CpuBuffer.allocate(DType.INT64, 2);
        cpu.where(out, CpuBuffer.of(new byte[]{1, 0}, DType.BOOL), View.contiguous(2), CpuBuffer.of(new long[]{big, 0}), View.contiguous(2),
                CpuBuffer.of(new long[]{0, big + 2}), View.contiguous(2));
        assertArrayEquals(new long[]{big, big + 2}, out.longs());
    }

    @Test
    void hostCopiesRoundTrip() {
        CpuBuffer b = CpuBuffer.allocate(DType.INT64, 3);
        cpu.fromHost(new long[]{4, 5, 6}, b);
        long[] back = new long[3];
        cpu.toHost(b, back);
        assertArrayEquals(new long[]{4, 5, 6}, back);
    }

    @Test
    void copyOfOneRowExpandedWritesTheRowIntoEveryRow() {
        // src row [1, 2, 3] at offset 2, expanded to [5, 3] (stride 0 down the rows), into elements 1..15 of a 17-float buffer.
        CpuBuffer src = CpuBuffer.of(new float[]{9, 9, 1, 2, 3, 9});
        CpuBuffer dst = CpuBuffer.of(new float[17]);
        java.util.Arrays.fill(dst.floats(), -1);
        cpu.copy(dst, new View(new int[]{5, 3}, new int[]{3, 1}, 1), src, new View(new int[]{5, 3}, new int[]{0, 1}, 2));
        assertArrayEquals(new float[]{-1, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3, -1}, dst.floats());
        // One row, and no rows: nothing beyond them is written.
        CpuBuffer one = CpuBuffer.of(new float[]{-1, -1, -1, -1});
        cpu.copy(one, new View(new int[]{1, 3}, new int[]{3, 1}, 0), src, new View(new int[]{1, 3}, new int[]{0, 1}, 2));
        assertArrayEquals(new float[]{1, 2, 3, -1}, one.floats());
        CpuBuffer none = CpuBuffer.of(new float[]{-1, -1});
        cpu.copy(none, new View(new int[]{0, 2}, new int[]{2, 1}, 0), src, new View(new int[]{0, 2}, new int[]{0, 1}, 2));
        assertArrayEquals(new float[]{-1, -1}, none.floats());
        // A transposed destination takes the general path: column j of the [3, 2] buffer holds row j of the [2, 3] view.
        CpuBuffer t = CpuBuffer.of(new float[6]);
        cpu.copy(t, new View(new int[]{2, 3}, new int[]{1, 2}, 0), src, new View(new int[]{2, 3}, new int[]{0, 1}, 2));
        assertArrayEquals(new float[]{1, 1, 2, 2, 3, 3}, t.floats());
    }
}
