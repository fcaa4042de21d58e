package dev.ember.engine;

import dev.ember.engine.autograd.GradMode;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * add_/sub_/mul_/div_ outside autograd write straight into the destination; every layout must give what
 * computing out of place and copying gives, worked out here element by element.
 */
class InPlaceArithmeticTest {
    private static float[] seq(int n, float start, float step) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = start + i * step;
        return v;
    }

    private static Tensor matrix(float[] v, int rows, int cols) { return Tensor.of(v, DType.FLOAT32).reshape(rows, cols); }

    @Test
    void contiguousAndBroadcastOperands() {
        float[] a = seq(12, 1, 0.5f), b = seq(12, -2, 0.25f), row = {2, -1, 0.5f, 4};
        Tensor x = matrix(a.clone(), 3, 4);
        x.add_(matrix(b, 3, 4));
        float[] expected = new float[12];
        for (int i = 0; i < 12; i++) expected[i] = a[i] + b[i];
        assertArrayEquals(expected, x.toFloatArray(), 0f);

        Tensor y = matrix(a.clone(), 3, 4);
        y.mul_(Tensor.of(row, DType.FLOAT32));
        for (int i = 0; i < 12; i++) expected[i] = a[i] * row[i % 4];
        assertArrayEquals(expected, y.toFloatArray(), 0f);

        Tensor z = matrix(a.clone(), 3, 4);
        z.div_(Tensor.of(new float[]{4f}, DType.FLOAT32));
        for (int i = 0; i < 12; i++) expected[i] = a[i] / 4f;
        assertArrayEquals(expected, z.toFloatArray(), 0f);
    }

    @Test
    void viewsWriteOnlyTheirElements() {
        float[] a = seq(12, 0, 1);
        Tensor x = matrix(a.clone(), 3, 4);
        x.narrow(1, 1, 2).sub_(matrix(new float[]{1, 2, 3, 4, 5, 6}, 3, 2));
        float[] expected = a.clone();
        for (int r = 0; r < 3; r++) { expected[r * 4 + 1] -= 1 + 2 * r; expected[r * 4 + 2] -= 2 + 2 * r; }
        assertArrayEquals(expected, x.toFloatArray(), 0f);

        Tensor t = matrix(a.clone(), 3, 4);
        t.t().add_(matrix(seq(12, 100, 1), 4, 3)); // a transposed destination: element (i, j) of t^T is t[j][i]
        for (int i = 0; i < 4; i++) for (int j = 0; j < 3; j++) expected[j * 4 + i] = a[j * 4 + i] + 100 + i * 3 + j;
        assertArrayEquals(expected, t.toFloatArray(), 0f);
    }

    @Test
    void aliasedOperandsReadTheOldValues() {
        float[] a = seq(9, 1, 1);
        Tensor x = matrix(a.clone(), 3, 3);
        x.add_(x.t());
        float[] expected = new float[9];
        for (int i = 0; i < 3; i++) for (int j = 0; j < 3; j++) expected[i * 3 + j] = a[i * 3 + j] + a[j * 3 + i];
        assertArrayEquals(expected, x.toFloatArray(), 0f);

        Tensor y = matrix(a.clone(), 3, 3);
        y.mul_(y);
        for (int i = 0; i < 9; i++) expected[i] = a[i] * a[i];
        assertArrayEquals(expected, y.toFloatArray(), 0f);
    }

    @Test
    void versionMovesAndAutogradRulesHold() {
        Tensor x = Tensor.ones(2, 2);
        int before = x.version();
        x.add_(Tensor.ones(2, 2));
        assertTrue(x.version() > before, "an in-place write bumps the version counter");

        Tensor leaf = Tensor.ones(2, 2).requiresGrad_();
        assertThrows(IllegalStateException.class, () -> leaf.add_(Tensor.ones(2, 2)));
        try (var g = GradMode.noGrad()) { leaf.add_(Tensor.ones(2, 2)); } // as optimizers do
        assertArrayEquals(new float[]{2, 2, 2, 2}, leaf.detach().toFloatArray(), 0f);
    }
}
