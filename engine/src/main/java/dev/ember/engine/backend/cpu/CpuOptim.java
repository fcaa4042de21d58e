package dev.ember.engine.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import dev.ember.engine.DType;
import dev.ember.engine.backend.AdamStep;

/** Fused optimizer steps on CPU buffers: one pass over parameter, gradient and state. */
final class CpuOptim {
    private CpuOptim() {}

    static void adam(AdamStep s, int n, CpuBuffer p, int pOff, CpuBuffer g, int gOff, CpuBuffer m, int mOff, CpuBuffer v, int vOff, CpuBuffer vmax, int xOff) {
        if (p.dtype() == DType.FLOAT32) {
            adamFloat(p.floats(), pOff, g.floats(), gOff, m.floats(), mOff, v.floats(), vOff, vmax == null ? null : vmax.floats(), xOff, n,
                    (float) s.beta1(), (float) s.beta2(), (float) s.eps(), (float) s.stepSize(), (float) s.bc2Sqrt(), (float) s.decay(), (float) s.l2(), s.maximize());
        } else {
            adamDouble(p.doubles(), pOff, g.doubles(), gOff, m.doubles(), mOff, v.doubles(), vOff, vmax == null ? null : vmax.doubles(), xOff, n, s);
        }
    }

    /** One pass over float32 storage, in float arithmetic like PyTorch's float32 kernels. */
    private static void adamFloat(float[] w, int pOff, float[] g, int gOff, float[] ma, int mOff, float[] va, int vOff, float[] mx, int xOff, int n,
                                  float b1, float b2, float eps, float stepSize, float bc2Sqrt, float decay, float l2, boolean maximize) {
        float c1 = 1 - b1, c2 = 1 - b2;
        if (!maximize && l2 == 0 && mx == null) {
            // The common case on 16-lane vectors: the scalar loop's float sqrt and divide don't auto-vectorize.
            VectorSpecies<Float> sp = FloatVector.SPECIES_PREFERRED;
            int i = 0;
            for (int end = sp.loopBound(n); i < end; i += sp.length()) {
                FloatVector gi = FloatVector.fromArray(sp, g, gOff + i);
                FloatVector mi = FloatVector.fromArray(sp, ma, mOff + i).mul(b1).add(gi.mul(c1));
                FloatVector vi = FloatVector.fromArray(sp, va, vOff + i).mul(b2).add(gi.mul(gi).mul(c2));
                mi.intoArray(ma, mOff + i);
                vi.intoArray(va, vOff + i);
                FloatVector denom = vi.lanewise(VectorOperators.SQRT).div(bc2Sqrt).add(eps);
                FloatVector.fromArray(sp, w, pOff + i).mul(decay).sub(mi.mul(stepSize).div(denom)).intoArray(w, pOff + i);
            }
            for (; i < n; i++) {
                float gi = g[gOff + i];
                float mi = b1 * ma[mOff + i] + c1 * gi, vi = b2 * va[vOff + i] + c2 * gi * gi;
                ma[mOff + i] = mi;
                va[vOff + i] = vi;
                w[pOff + i] = w[pOff + i] * decay - stepSize * mi / ((float) Math.sqrt(vi) / bc2Sqrt + eps);
            }
            return;
        }
        for (int i = 0; i < n; i++) {
            float pi = w[pOff + i], gi = maximize ? -g[gOff + i] : g[gOff + i];
            if (l2 != 0) gi += l2 * pi;
            pi *= decay;
            float mi = b1 * ma[mOff + i] + c1 * gi, vi = b2 * va[vOff + i] + c2 * gi * gi;
            ma[mOff + i] = mi;
            va[vOff + i] = vi;
            if (mx != null) {
                vi = Math.max(mx[xOff + i], vi);
                mx[xOff + i] = vi;
            }
            w[pOff + i] = pi - stepSize * mi / ((float) Math.sqrt(vi) / bc2Sqrt + eps);
        }
    }

    private static void adamDouble(double[] w, int pOff, double[] g, int gOff, double[] ma, int mOff, double[] va, int vOff, double[] mx, int xOff, int n, AdamStep s) {
        double b1 = s.beta1(), b2 = s.beta2();
        for (int i = 0; i < n; i++) {
            double pi = w[pOff + i] * s.decay(), gi = s.maximize() ? -g[gOff + i] : g[gOff + i];
            if (s.l2() != 0) gi += s.l2() * w[pOff + i];
            double mi = b1 * ma[mOff + i] + (1 - b1) * gi, vi = b2 * va[vOff + i] + (1 - b2) * gi * gi;
            ma[mOff + i] = mi;
            va[vOff + i] = vi;
            if (mx != null) {
                vi = Math.max(mx[xOff + i], vi);
                mx[xOff + i] = vi;
            }
            w[pOff + i] = pi - s.stepSize() * mi / (Math.sqrt(vi) / s.bc2Sqrt() + s.eps());
        }
    }
}
