// Convolution and pooling helpers for NCHW float32 tensors (contiguous).
#include "ember_common.cuh"

struct Conv2dGeom {
    int n, c, h, w;          // input
    int kh, kw;              // kernel
    int sh, sw, ph, pw, dh, dw;  // stride, zero padding, dilation
    int oh, ow;              // output
};

// im2col: col[b, (ci*kh + ky)*kw + kx, oy*ow + ox] = x[b, ci, oy*sh - ph + ky*dh, ox*sw - pw + kx*dw]
// (0 outside the image). Then conv2d is a batched GEMM weight[cout, c*kh*kw] @ col[b].
extern "C" __global__ void ember_im2col_f32(const float* __restrict__ x, float* __restrict__ col, Conv2dGeom g) {
    const long long spatial = (long long)g.oh * g.ow;
    const long long rowsPerImage = (long long)g.c * g.kh * g.kw;
    const long long n = (long long)g.n * rowsPerImage * spatial;
    EMBER_GRID_LOOP(p, n) {
        const int ox = (int)(p % g.ow);
        const int oy = (int)((p / g.ow) % g.oh);
        const long long row = (p / spatial) % rowsPerImage;
        const long long b = p / (spatial * rowsPerImage);
        const int kx = (int)(row % g.kw);
        const int ky = (int)((row / g.kw) % g.kh);
        const long long ci = row / ((long long)g.kw * g.kh);
        const int iy = oy * g.sh - g.ph + ky * g.dh;
        const int ix = ox * g.sw - g.pw + kx * g.dw;
        float v = 0.0f;
        if (iy >= 0 && iy < g.h && ix >= 0 && ix < g.w) v = x[((b * g.c + ci) * g.h + iy) * g.w + ix];
        col[p] = v;
    }
}

// col2im (the im2col adjoint, for the conv2d input gradient): each input pixel sums the column
// entries that read it, so no atomics are needed and the result is deterministic.
extern "C" __global__ void ember_col2im_f32(const float* __restrict__ col, float* __restrict__ dx, Conv2dGeom g) {
    const long long spatial = (long long)g.oh * g.ow;
    const long long rowsPerImage = (long long)g.c * g.kh * g.kw;
    const long long n = (long long)g.n * g.c * g.h * g.w;
    EMBER_GRID_LOOP(p, n) {
        const int ix = (int)(p % g.w);
        const int iy = (int)((p / g.w) % g.h);
        const long long ci = (p / ((long long)g.w * g.h)) % g.c;
        const long long b = p / ((long long)g.w * g.h * g.c);
        const float* colImage = col + b * rowsPerImage * spatial;
        float acc = 0.0f;
        for (int ky = 0; ky < g.kh; ++ky) {
            const int ty = iy + g.ph - ky * g.dh;  // = oy * sh
            if (ty < 0 || ty % g.sh != 0) continue;
            const int oy = ty / g.sh;
            if (oy >= g.oh) continue;
            for (int kx = 0; kx < g.kw; ++kx) {
                const int tx = ix + g.pw - kx * g.dw;
                if (tx < 0 || tx % g.sw != 0) continue;
                const int ox = tx / g.sw;
                if (ox >= g.ow) continue;
                const long long row = (ci * g.kh + ky) * g.kw + kx;
                acc += colImage[row * spatial + (long long)oy * g.ow + ox];
            }
        }
        dx[p] = acc;
    }
}

// max_pool2d forward: y[b, c, oy, ox] = max over the window (padding counts as -inf), and
// argmax = the flat index iy*w + ix of the first maximum inside the input plane (PyTorch's indices).
extern "C" __global__ void ember_max_pool2d_f32(const float* __restrict__ x, float* __restrict__ y,
                                                long long* __restrict__ argmax, Conv2dGeom g) {
    const long long n = (long long)g.n * g.c * g.oh * g.ow;
    EMBER_GRID_LOOP(p, n) {
        const int ox = (int)(p % g.ow);
        const int oy = (int)((p / g.ow) % g.oh);
        const long long plane = p / ((long long)g.ow * g.oh);  // b * c + ci
        const float* xp = x + plane * g.h * g.w;
        float best = -INFINITY;
        long long where = -1;
        for (int ky = 0; ky < g.kh; ++ky) {
            const int iy = oy * g.sh - g.ph + ky * g.dh;
            if (iy < 0 || iy >= g.h) continue;
            for (int kx = 0; kx < g.kw; ++kx) {
                const int ix = ox * g.sw - g.pw + kx * g.dw;
                if (ix < 0 || ix >= g.w) continue;
                const float v = xp[(long long)iy * g.w + ix];
                if (where < 0 || v > best || (v != v && best == best)) {
                    best = v;
                    where = (long long)iy * g.w + ix;
                }
            }
        }
        y[p] = best;
        argmax[p] = where;
    }
}

// max_pool2d backward: dx (zeroed by the host) += dy at each window's argmax. Windows may
// overlap (stride < kernel), hence atomicAdd.
extern "C" __global__ void ember_max_pool2d_backward_f32(const float* __restrict__ dy,
                                                         const long long* __restrict__ argmax,
                                                         float* __restrict__ dx, Conv2dGeom g) {
    const long long n = (long long)g.n * g.c * g.oh * g.ow;
    EMBER_GRID_LOOP(p, n) {
        const long long where = argmax[p];
        if (where < 0) continue;
        const long long plane = p / ((long long)g.ow * g.oh);
        atomicAdd(&dx[plane * g.h * g.w + where], dy[p]);
    }
}
