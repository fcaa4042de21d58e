package dev.ember.engine.backend.cpu;

/** Inverse and determinant of float64 matrices on the CPU, from an LU decomposition with partial pivoting. */
final class CpuLinearSolve {
    private CpuLinearSolve() {}

    /** Inverts each n×n matrix of m (overwritten by its LU factors) into out; -1, or the first zero pivot as matrix * n + column. */
    static int inverse(double[] m, double[] out, int batch, int n) {
        for (int b = 0; b < batch; b++) {
            int base = b * n * n;
            Lu lu = Lu.factor(m, base, n);
            if (lu.zeroPivot >= 0) return b * n + lu.zeroPivot;
            lu.invertInto(m, base, n, out);
        }
        return -1;
    }

    /** det of each n×n matrix of m (overwritten by its LU factors) into out; 0 for a singular one. */
    static void det(double[] m, double[] out, int batch, int n) {
        for (int b = 0; b < batch; b++) out[b] = Lu.factor(m, b * n * n, n).det(m, b * n * n, n);
    }

    /**
     * PA = LU of one n×n row-major matrix, stored in place at m[base..]: L (unit diagonal implied) below the
     * diagonal, U on and above it. perm[i] is the original row now at row i.
     */
    private record Lu(int[] perm, int sign, int zeroPivot) {
        /** Factors until done or until a column has no nonzero pivot (then zeroPivot is its index, else -1). */
        static Lu factor(double[] m, int base, int n) {
            int[] perm = new int[n];
            for (int i = 0; i < n; i++) perm[i] = i;
            int sign = 1;
            for (int k = 0; k < n; k++) {
                // Partial pivoting: the largest |value| in column k keeps the multipliers <= 1.
                int p = k;
                double best = Math.abs(m[base + k * n + k]);
                for (int i = k + 1; i < n; i++) {
                    double v = Math.abs(m[base + i * n + k]);
                    if (v > best) { best = v; p = i; }
                }
                if (best == 0) return new Lu(perm, sign, k);
                if (p != k) {
                    swapRows(m, base + k * n, base + p * n, n);
                    int t = perm[k]; perm[k] = perm[p]; perm[p] = t;
                    sign = -sign;
                }
                int rk = base + k * n;
                double pivot = m[rk + k];
                for (int i = k + 1; i < n; i++) {
                    int ri = base + i * n;
                    double f = m[ri + k] /= pivot;
                    if (f != 0) for (int j = k + 1; j < n; j++) m[ri + j] -= f * m[rk + j];
                }
            }
            return new Lu(perm, sign, -1);
        }

        /** det(A) = sign(P) * prod(diag U), or 0 when factoring stopped at a zero pivot. */
        double det(double[] m, int base, int n) {
            if (zeroPivot >= 0) return 0;
            double d = sign;
            for (int i = 0; i < n; i++) d *= m[base + i * n + i];
            return d;
        }

        /** Writes A^-1 = U^-1 L^-1 P at out[base..], solving for all columns at once with whole-row updates. */
        void invertInto(double[] m, int base, int n, double[] out) {
            java.util.Arrays.fill(out, base, base + n * n, 0);
            for (int i = 0; i < n; i++) out[base + i * n + perm[i]] = 1; // X = P
            for (int i = 0; i < n; i++) {            // X = L^-1 X (forward substitution)
                int ri = base + i * n;
                for (int k = 0; k < i; k++) axpy(-m[ri + k], out, base + k * n, ri, n);
            }
            for (int i = n - 1; i >= 0; i--) {       // X = U^-1 X (back substitution)
                int ri = base + i * n;
                for (int k = i + 1; k < n; k++) axpy(-m[ri + k], out, base + k * n, ri, n);
                double d = 1 / m[ri + i];
                for (int j = 0; j < n; j++) out[ri + j] *= d;
            }
        }

        /** x[to..to+n) += alpha * x[from..from+n). */
        private static void axpy(double alpha, double[] x, int from, int to, int n) {
            if (alpha == 0) return;
            for (int j = 0; j < n; j++) x[to + j] += alpha * x[from + j];
        }

        private static void swapRows(double[] m, int r1, int r2, int n) {
            for (int j = 0; j < n; j++) {
                double t = m[r1 + j]; m[r1 + j] = m[r2 + j]; m[r2 + j] = t;
            }
        }
    }
}
