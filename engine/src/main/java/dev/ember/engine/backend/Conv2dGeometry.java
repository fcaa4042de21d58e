package dev.ember.engine.backend;

/**
 * Sizes of one 2-d convolution, checked by the op: input [n, c, h, w], weight [o, c / groups, kh, kw], stride
 * (sh, sw), padding (ph, pw), dilation (dh, dw), output [n, o, oh, ow]. {@code kk} is the row count of one group's
 * unfolded patch matrix, {@code ohw} its column count.
 */
public final class Conv2dGeometry {
    public final int n, c, h, w, o, kh, kw, sh, sw, ph, pw, dh, dw, groups, oh, ow, cg, og, kk, ohw;

    public Conv2dGeometry(int n, int c, int h, int w, int o, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw, int groups) {
        this.n = n; this.c = c; this.h = h; this.w = w; this.o = o; this.kh = kh; this.kw = kw;
        this.sh = sh; this.sw = sw; this.ph = ph; this.pw = pw; this.dh = dh; this.dw = dw; this.groups = groups;
        oh = (h + 2 * ph - dh * (kh - 1) - 1) / sh + 1;
        ow = (w + 2 * pw - dw * (kw - 1) - 1) / sw + 1;
        cg = c / groups;
        og = o / groups;
        kk = cg * kh * kw;
        ohw = oh * ow;
    }

    /** A 1x1 kernel with stride 1 and no padding reads the input plane as the patch matrix itself. */
    public boolean pointwise() { return kh == 1 && kw == 1 && sh == 1 && sw == 1 && ph == 0 && pw == 0; }
}
