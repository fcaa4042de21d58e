package dev.ember.engine.backend.cpu;

import dev.ember.engine.DType;
import dev.ember.engine.backend.Buffer;
import dev.ember.engine.backend.PoolWindow;

/**
 * Max and window-sum pooling on CPU buffers, all contiguous from element 0. Each plane is independent, so planes
 * are split across threads; each step is written once over a {@link Lane}.
 */
final class CpuPooling {
    private CpuPooling() {}

    static void maxPool2d(PoolWindow g, CpuBuffer xb, CpuBuffer yb, int[] indices) {
        boolean f32 = xb.dtype() == DType.FLOAT32;
        float[] xf = f32 ? xb.floats() : null, yf = f32 ? yb.floats() : null;
        double[] xd = f32 ? null : xb.doubles(), yd = f32 ? null : yb.doubles();
        // Every window whole (no padding, no ceil-mode overhang): the common 2x2 pool gets its own loop.
        if (f32 && g.kh == 2 && g.kw == 2 && g.sh == 2 && g.sw == 2 && g.ph == 0 && g.pw == 0 && g.dh == 1 && g.dw == 1
                && 2 * g.oh <= g.h && 2 * g.ow <= g.w) {
            Parallel.forRange(g.planes, 1, (start, end) -> maxPool2x2(g, xf, yf, indices, start, end));
            return;
        }
        Parallel.forRange(g.planes, 1, (start, end) -> {
            for (int p = start; p < end; p++) {
                int xo = p * g.h * g.w, yo = p * g.oh * g.ow;
                for (int oy = 0; oy < g.oh; oy++) {
                    int y0 = oy * g.sh - g.ph;
                    for (int ox = 0; ox < g.ow; ox++) {
                        int x0 = ox * g.sw - g.pw;
                        int best = -1;
                        double max = Double.NEGATIVE_INFINITY;
                        for (int ki = 0; ki < g.kh; ki++) {
                            int iy = y0 + ki * g.dh;
                            if (iy < 0 || iy >= g.h) continue;
                            for (int kj = 0; kj < g.kw; kj++) {
                                int ix = x0 + kj * g.dw;
                                if (ix < 0 || ix >= g.w) continue;
                                int pos = iy * g.w + ix;
                                double v = f32 ? xf[xo + pos] : xd[xo + pos];
                                // A NaN wins (the last one seen), as in PyTorch.
                                if (best < 0 || v > max || Double.isNaN(v)) {
                                    best = pos;
                                    max = v;
                                }
                            }
                        }
                        int o = yo + oy * g.ow + ox;
                        indices[o] = best;
                        if (f32) yf[o] = (float) max;
                        else yd[o] = max;
                    }
                }
            }
        });
    }

    /** The 2x2 window with stride 2 in float32, all windows inside the input: no bounds checks, float compares. */
    private static void maxPool2x2(PoolWindow g, float[] x, float[] y, int[] idx, int start, int end) {
        int w = g.w, hw = g.h * g.w, oh = g.oh, ow = g.ow;
        for (int p = start; p < end; p++) {
            int xo = p * hw, yo = p * oh * ow;
            for (int oy = 0; oy < oh; oy++) {
                for (int ox = 0; ox < ow; ox++) {
                    int pos = 2 * oy * w + 2 * ox, best = pos;
                    float max = x[xo + pos];
                    // Same order and NaN rule as the general loop: a later NaN or larger value wins.
                    float v = x[xo + pos + 1];
                    if (v > max || v != v) { best = pos + 1; max = v; }
                    v = x[xo + pos + w];
                    if (v > max || v != v) { best = pos + w; max = v; }
                    v = x[xo + pos + w + 1];
                    if (v > max || v != v) { best = pos + w + 1; max = v; }
                    int o = yo + oy * ow + ox;
                    idx[o] = best;
                    y[o] = max;
                }
            }
        }
    }

    /** gx[p, indices[p, j]] += gy[p, j]; float sums round as float adds. */
    static <A> void maxPool2dBackward(PoolWindow g, Lane<A> lane, Buffer gyb, int[] indices, Buffer gxb) {
        A a = lane.array(gyb), b = lane.array(gxb);
        int hw = g.h * g.w, ohw = g.oh * g.ow;
        Parallel.forRange(g.planes, 1, (s, e) -> {
            for (int p = s; p < e; p++) {
                for (int j = 0; j < ohw; j++) {
                    int to = p * hw + indices[p * ohw + j];
                    lane.set(b, to, lane.get(b, to) + lane.get(a, p * ohw + j));
                }
            }
        });
    }

    /** y[p, j] = x[p, indices[p, j]]. */
    static <A> void maxPool2dGather(PoolWindow g, Lane<A> lane, Buffer xb, int[] indices, Buffer yb) {
        A x = lane.array(xb), y = lane.array(yb);
        int hw = g.h * g.w, ohw = g.oh * g.ow;
        for (int p = 0; p < g.planes; p++) {
            for (int j = 0; j < ohw; j++) lane.set(y, p * ohw + j, lane.get(x, p * hw + indices[p * ohw + j]));
        }
    }

    /** out[p, j] = scale[j] * the sum (in double) of plane p over the window bounds[4j..4j+3] = (y0, y1, x0, x1). */
    static <A> void windowSum(PoolWindow g, Lane<A> lane, int[] bounds, double[] scale, Buffer xb, Buffer outb) {
        A a = lane.array(xb), b = lane.array(outb);
        int hw = g.h * g.w, ohw = g.oh * g.ow;
        Parallel.forRange(g.planes, 1, (s, e) -> {
            for (int p = s; p < e; p++) {
                for (int j = 0; j < ohw; j++) {
                    int x0 = bounds[4 * j + 2], len = bounds[4 * j + 3] - x0;
                    double acc = 0;
                    for (int iy = bounds[4 * j]; iy < bounds[4 * j + 1]; iy++) acc += lane.sum(a, p * hw + iy * g.w + x0, len);
                    lane.set(b, p * ohw + j, acc * scale[j]);
                }
            }
        });
    }

    /** gx over the window of (p, j) += scale[j] * gy[p, j]: the adjoint of {@link #windowSum}. */
    static <A> void windowSpread(PoolWindow g, Lane<A> lane, int[] bounds, double[] scale, Buffer gyb, Buffer gxb) {
        A a = lane.array(gyb), b = lane.array(gxb);
        int hw = g.h * g.w, ohw = g.oh * g.ow;
        Parallel.forRange(g.planes, 1, (s, e) -> {
            for (int p = s; p < e; p++) {
                for (int j = 0; j < ohw; j++) {
                    double v = lane.get(a, p * ohw + j) * scale[j];
                    int x0 = bounds[4 * j + 2], len = bounds[4 * j + 3] - x0;
                    for (int iy = bounds[4 * j]; iy < bounds[4 * j + 1]; iy++) lane.addValue(b, p * hw + iy * g.w + x0, len, v);
                }
            }
        });
    }
}
