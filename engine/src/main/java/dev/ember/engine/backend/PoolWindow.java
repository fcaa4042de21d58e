package dev.ember.engine.backend;

/**
 * Sizes of one 2-d pooling, checked by the op: {@code planes} independent [h, w] input planes (samples times
 * channels), each pooled to [oh, ow] by a kh x kw window with stride (sh, sw), padding (ph, pw) and dilation
 * (dh, dw). Average pools give their windows explicitly and use only planes, h, w, oh and ow.
 */
public final class PoolWindow {
    public final int planes, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow;

    public PoolWindow(int planes, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw, int oh, int ow) {
        this.planes = planes; this.h = h; this.w = w; this.kh = kh; this.kw = kw; this.sh = sh; this.sw = sw;
        this.ph = ph; this.pw = pw; this.dh = dh; this.dw = dw; this.oh = oh; this.ow = ow;
    }

    /** Planes of this size pooled to [oh, ow] by windows the caller lists. */
    public static PoolWindow adaptive(int planes, int h, int w, int oh, int ow) { return new PoolWindow(planes, h, w, 0, 0, 0, 0, 0, 0, 1, 1, oh, ow); }
}
