package dev.ember.engine.backend.cpu;

import dev.ember.engine.backend.Buffer;
import dev.ember.engine.backend.Conv2dGeometry;

import java.util.Map;
import java.util.TreeMap;

/**
 * Convolution as im2col + GEMM, like PyTorch's CPU "slow" convolution: for every sample and group, the input
 * patches are unfolded into a [C/groups * kH * kW, oH * oW] matrix and multiplied by the weight viewed as
 * [O/groups, C/groups * kH * kW]; backward uses the same two matrices (col2im folds the input gradient back).
 * Samples are split across threads; buffers are per thread chunk. Each step is written once over a {@link Lane};
 * the float32 and float64 call sites are each monomorphic. All buffers are contiguous from element 0.
 */
final class CpuConvolution {
    private CpuConvolution() {}

    static <A> void forward(Conv2dGeometry g, Lane<A> lane, Buffer xt, Buffer wt, Buffer bt, Buffer yt) {
        A x = lane.array(xt), w = lane.array(wt), y = lane.array(yt), b = bt == null ? null : lane.array(bt);
        boolean pw = g.pointwise();
        forRange(g.n, (start, end) -> {
            A col = pw ? null : lane.alloc(g.kk * g.ohw);
            for (int i = start; i < end; i++) {
                for (int gr = 0; gr < g.groups; gr++) {
                    int xo = (i * g.c + gr * g.cg) * g.h * g.w, yo = (i * g.o + gr * g.og) * g.ohw;
                    if (!pw) im2col(lane, x, xo, g, col);
                    if (b != null) for (int oc = 0; oc < g.og; oc++) lane.fill(y, yo + oc * g.ohw, yo + (oc + 1) * g.ohw, lane.get(b, gr * g.og + oc));
                    lane.gemm(false, false, g.og, g.ohw, g.kk, w, gr * g.og * g.kk, g.kk, pw ? x : col, pw ? xo : 0, g.ohw, y, yo, g.ohw, b != null);
                }
            }
        });
    }

    /** dX: per group, dCol = W^T dY, folded back onto the input plane by col2im. */
    static <A> void inputGrad(Conv2dGeometry g, Lane<A> lane, Buffer gyt, Buffer wt, Buffer gxt) {
        A gy = lane.array(gyt), w = lane.array(wt), gx = lane.array(gxt);
        boolean pw = g.pointwise();
        forRange(g.n, (start, end) -> {
            A col = pw ? null : lane.alloc(g.kk * g.ohw);
            for (int i = start; i < end; i++) {
                for (int gr = 0; gr < g.groups; gr++) {
                    int xo = (i * g.c + gr * g.cg) * g.h * g.w, yo = (i * g.o + gr * g.og) * g.ohw;
                    lane.gemm(true, false, g.kk, g.ohw, g.og, w, gr * g.og * g.kk, g.kk, gy, yo, g.ohw, pw ? gx : col, pw ? xo : 0, g.ohw, false);
                    if (!pw) col2im(lane, col, g, gx, xo);
                }
            }
        });
    }

    /** dW: per group, sum over samples of dY Col^T; each thread chunk sums into its own buffer, merged in order. */
    static <A> void weightGrad(Conv2dGeometry g, Lane<A> lane, Buffer gyt, Buffer xt, Buffer gwt) {
        A gy = lane.array(gyt), x = lane.array(xt), gw = lane.array(gwt);
        boolean pw = g.pointwise();
        int size = g.o * g.kk;
        Map<Integer, A> partial = new TreeMap<>();
        forRange(g.n, (start, end) -> {
            A col = pw ? null : lane.alloc(g.kk * g.ohw);
            A acc = lane.alloc(size);
            for (int i = start; i < end; i++) {
                for (int gr = 0; gr < g.groups; gr++) {
                    int xo = (i * g.c + gr * g.cg) * g.h * g.w, yo = (i * g.o + gr * g.og) * g.ohw;
                    if (!pw) im2col(lane, x, xo, g, col);
                    lane.gemm(false, true, g.og, g.kk, g.ohw, gy, yo, g.ohw, pw ? x : col, pw ? xo : 0, g.ohw, acc, gr * g.og * g.kk, g.kk, true);
                }
            }
            synchronized (partial) { partial.put(start, acc); }
        });
        lane.fill(gw, 0, size, 0);
        for (A acc : partial.values()) lane.addTo(gw, 0, 1, acc, 0, size);
    }

    // ---------------------------------------------------------------- im2col / col2im

    /**
     * Output columns ox whose input column ox*stride + first lies in [0, w): returns {from, to}. Outside that
     * range the patch reads padding.
     */
    private static int validFrom(int first, int stride) { return first >= 0 ? 0 : (-first + stride - 1) / stride; }

    private static int validTo(int first, int stride, int w, int ow) { return first >= w ? 0 : Math.min(ow, (w - first + stride - 1) / stride); }

    /** Unfolds the cg input planes at x[xo..] into col, row (c, ki, kj), column (oy, ox); padding reads as 0. */
    private static <A> void im2col(Lane<A> lane, A x, int xo, Conv2dGeometry g, A col) {
        int row = 0;
        for (int c = 0; c < g.cg; c++) {
            int plane = xo + c * g.h * g.w;
            for (int ki = 0; ki < g.kh; ki++) {
                for (int kj = 0; kj < g.kw; kj++, row++) {
                    int first = kj * g.dw - g.pw;
                    int from = validFrom(first, g.sw), to = Math.max(from, validTo(first, g.sw, g.w, g.ow));
                    for (int oy = 0; oy < g.oh; oy++) {
                        int dst = row * g.ohw + oy * g.ow, iy = oy * g.sh - g.ph + ki * g.dh;
                        if (iy < 0 || iy >= g.h) { lane.fill(col, dst, dst + g.ow, 0); continue; }
                        int src = plane + iy * g.w + first;
                        if (from > 0) lane.fill(col, dst, dst + from, 0);
                        lane.gather(x, src + from * g.sw, g.sw, col, dst + from, to - from);
                        if (to < g.ow) lane.fill(col, dst + to, dst + g.ow, 0);
                    }
                }
            }
        }
    }

    /** The adjoint of im2col: adds every patch entry back onto its input position (gx planes are overwritten first). */
    private static <A> void col2im(Lane<A> lane, A col, Conv2dGeometry g, A gx, int xo) {
        lane.fill(gx, xo, xo + g.cg * g.h * g.w, 0);
        int row = 0;
        for (int c = 0; c < g.cg; c++) {
            int plane = xo + c * g.h * g.w;
            for (int ki = 0; ki < g.kh; ki++) {
                for (int kj = 0; kj < g.kw; kj++, row++) {
                    int first = kj * g.dw - g.pw;
                    int from = validFrom(first, g.sw), to = validTo(first, g.sw, g.w, g.ow);
                    if (to <= from) continue;
                    for (int oy = 0; oy < g.oh; oy++) {
                        int iy = oy * g.sh - g.ph + ki * g.dh;
                        if (iy < 0 || iy >= g.h) continue;
                        int src = row * g.ohw + oy * g.ow, dst = plane + iy * g.w + first;
                        lane.addTo(gx, dst + from * g.sw, g.sw, col, src + from, to - from);
                    }
                }
            }
        }
    }

    /** One chunk of samples per Ember CPU thread; GEMMs inside a chunk then run inline. */
    private static void forRange(int n, Parallel.RangeBody body) { Parallel.forRange(n, 1, body); }
}
