// The CUDA side of the backend's neural-network primitives, for float32 and float64 alike (values
// travel as double, see ember_dtype.cuh): row gathers and scatters by position, im2col/col2im for
// convolutions (the products themselves are GEMMs), max and window pooling, and the fused Adam
// step. Every buffer is contiguous; sizes follow the host's Conv2dGeometry and PoolWindow.
#include "ember_dtype.cuh"

// Conv2dGeometry's sizes, passed by value.
struct EmberConv {
    int n, c, h, w, o, kh, kw, sh, sw, ph, pw, dh, dw, groups, oh, ow, cg, og, kk, ohw;
};

// Pool2d window sizes (PoolWindow).
struct EmberPool {
    int planes, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow;
};

// y[o] += v atomically, for the floating and integer types (bool "adds" as logical or; uint8 through
// the aligned word that holds it).
__device__ __forceinline__ void ember_add_at(void* y, int t, long long o, double fv, long long iv) {
    switch (t) {
        case EMBER_F32: atomicAdd((float*)y + o, (float)fv); break;
        case EMBER_F64: atomicAdd((double*)y + o, fv); break;
        case EMBER_I32: atomicAdd((int*)y + o, (int)iv); break;
        case EMBER_I64: atomicAdd((unsigned long long*)y + o, (unsigned long long)iv); break;
        case EMBER_BOOL: if (iv != 0) ((unsigned char*)y)[o] = 1; break;
        default: {
            unsigned char* b = (unsigned char*)y + o;
            int* word = (int*)((unsigned long long)b & ~3ULL);
            const int shift = (int)((unsigned long long)b & 3ULL) * 8;
            int old = *word, seen;
            do {
                seen = old;
                const int byte = ((seen >> shift) + (int)iv) & 0xff;
                old = atomicCAS(word, seen, (seen & ~(0xff << shift)) | (byte << shift));
            } while (old != seen);
        }
    }
}

// out row r = src[starts[r], starts[r] + len): index_select, advanced indexing, embedding lookups.
extern "C" __global__ void ember_rows_select(void* out, const void* src, int t, const int* __restrict__ starts,
                                             long long runs, long long len) {
    EMBER_GRID_LOOP(p, runs * len) {
        const long long r = p / len, k = p - r * len;
        const long long s = starts[r] + k;
        if (ember_is_float(t)) ember_store_f(out, t, p, ember_load_f(src, t, s));
        else ember_store_i(out, t, p, ember_load_i(src, t, s));
    }
}

// out[starts[r] + k] = (or += when accumulate) src[srcOffset + r * len + k]; a negative start skips
// its row. Repeated targets add up under accumulate (atomics); without it, one of them wins.
extern "C" __global__ void ember_rows_put(void* out, const int* __restrict__ starts, long long runs, long long len,
                                          const void* src, long long srcOffset, int t, int accumulate) {
    EMBER_GRID_LOOP(p, runs * len) {
        const long long r = p / len, k = p - r * len;
        if (starts[r] < 0) continue;
        const long long d = starts[r] + k, s = srcOffset + p;
        if (accumulate) ember_add_at(out, t, d, ember_load_f(src, t, s), ember_load_i(src, t, s));
        else if (ember_is_float(t)) ember_store_f(out, t, d, ember_load_f(src, t, s));
        else ember_store_i(out, t, d, ember_load_i(src, t, s));
    }
}

// col[i, (ci*kh + ky)*kw + kx, oy*ow + ox] = x[i, group*cg + ci, oy*sh - ph + ky*dh, ox*sw - pw + kx*dw]
// (0 outside the image), for every sample i of one group: col is [n, kk, ohw].
extern "C" __global__ void ember_im2col(const void* x, void* col, int t, EmberConv g, int group) {
    const long long per = (long long)g.kk * g.ohw;
    EMBER_GRID_LOOP(p, g.n * per) {
        const long long i = p / per, rem = p - i * per;
        const int row = (int)(rem / g.ohw), q = (int)(rem - (long long)row * g.ohw);
        const int oy = q / g.ow, ox = q - oy * g.ow;
        const int kx = row % g.kw, ky = (row / g.kw) % g.kh, ci = row / (g.kw * g.kh);
        const int iy = oy * g.sh - g.ph + ky * g.dh, ix = ox * g.sw - g.pw + kx * g.dw;
        double v = 0;
        if (iy >= 0 && iy < g.h && ix >= 0 && ix < g.w)
            v = ember_load_f(x, t, ((i * g.c + group * g.cg + ci) * g.h + iy) * g.w + ix);
        ember_store_f(col, t, p, v);
    }
}

// The adjoint of ember_im2col: each input pixel of the group's channels sums the column entries that
// read it (no atomics, a fixed order: deterministic), overwriting gx there.
extern "C" __global__ void ember_col2im(const void* col, void* gx, int t, EmberConv g, int group) {
    const long long per = (long long)g.cg * g.h * g.w;
    EMBER_GRID_LOOP(p, g.n * per) {
        const long long i = p / per, rem = p - i * per;
        const int ci = (int)(rem / ((long long)g.h * g.w)), pix = (int)(rem - (long long)ci * g.h * g.w);
        const int iy = pix / g.w, ix = pix - iy * g.w;
        double acc = 0;
        for (int ky = 0; ky < g.kh; ++ky) {
            const int ty = iy + g.ph - ky * g.dh;
            if (ty < 0 || ty % g.sh != 0) continue;
            const int oy = ty / g.sh;
            if (oy >= g.oh) continue;
            for (int kx = 0; kx < g.kw; ++kx) {
                const int tx = ix + g.pw - kx * g.dw;
                if (tx < 0 || tx % g.sw != 0) continue;
                const int ox = tx / g.sw;
                if (ox >= g.ow) continue;
                const long long row = ((long long)ci * g.kh + ky) * g.kw + kx;
                acc += ember_load_f(col, t, (i * g.kk + row) * g.ohw + (long long)oy * g.ow + ox);
            }
        }
        ember_store_f(gx, t, (i * g.c + group * g.cg + ci) * (long long)g.h * g.w + pix, acc);
    }
}

// y[i, oc, :] = bias[oc] (or 0): the start the convolution GEMMs accumulate onto.
extern "C" __global__ void ember_conv_bias(void* y, const void* bias, int t, EmberConv g) {
    const long long per = (long long)g.o * g.ohw;
    EMBER_GRID_LOOP(p, g.n * per) {
        const int oc = (int)((p % per) / g.ohw);
        ember_store_f(y, t, p, bias == nullptr ? 0.0 : ember_load_f(bias, t, oc));
    }
}

// Max pooling: y[p, j] = the max of plane p over window j (NaN wins, the last one seen), indices[p, j]
// its position in the plane.
extern "C" __global__ void ember_max_pool2d(const void* x, void* y, int* __restrict__ indices, int t, EmberPool g) {
    const long long ohw = (long long)g.oh * g.ow;
    EMBER_GRID_LOOP(q, g.planes * ohw) {
        const long long p = q / ohw;
        const int j = (int)(q - p * ohw), oy = j / g.ow, ox = j - oy * g.ow;
        const long long xo = p * g.h * g.w;
        int best = -1;
        double max = -INFINITY;
        for (int ki = 0; ki < g.kh; ++ki) {
            const int iy = oy * g.sh - g.ph + ki * g.dh;
            if (iy < 0 || iy >= g.h) continue;
            for (int kj = 0; kj < g.kw; ++kj) {
                const int ix = ox * g.sw - g.pw + kj * g.dw;
                if (ix < 0 || ix >= g.w) continue;
                const int pos = iy * g.w + ix;
                const double v = ember_load_f(x, t, xo + pos);
                if (best < 0 || v > max || v != v) {
                    best = pos;
                    max = v;
                }
            }
        }
        indices[q] = best;
        ember_store_f(y, t, q, max);
    }
}

// gx[p, indices[p, j]] += gy[p, j] (windows may overlap: atomics).
extern "C" __global__ void ember_max_pool2d_backward(const void* gy, const int* __restrict__ indices, void* gx, int t, EmberPool g) {
    const long long ohw = (long long)g.oh * g.ow;
    EMBER_GRID_LOOP(q, g.planes * ohw) {
        const long long p = q / ohw;
        ember_add_at(gx, t, p * g.h * g.w + indices[q], ember_load_f(gy, t, q), 0);
    }
}

// y[p, j] = x[p, indices[p, j]].
extern "C" __global__ void ember_max_pool2d_gather(const void* x, const int* __restrict__ indices, void* y, int t, EmberPool g) {
    const long long ohw = (long long)g.oh * g.ow;
    EMBER_GRID_LOOP(q, g.planes * ohw) {
        const long long p = q / ohw;
        ember_store_f(y, t, q, ember_load_f(x, t, p * g.h * g.w + indices[q]));
    }
}

// out[p, j] = scale[j] * the sum of plane p over rows [b0, b1) and columns [b2, b3), b = bounds[4j..].
extern "C" __global__ void ember_window_sum(const int* __restrict__ bounds, const double* __restrict__ scale,
                                            const void* x, void* out, int t, EmberPool g) {
    const long long ohw = (long long)g.oh * g.ow;
    EMBER_GRID_LOOP(q, g.planes * ohw) {
        const long long p = q / ohw;
        const int j = (int)(q - p * ohw);
        double acc = 0;
        for (int iy = bounds[4 * j]; iy < bounds[4 * j + 1]; ++iy)
            for (int ix = bounds[4 * j + 2]; ix < bounds[4 * j + 3]; ++ix)
                acc += ember_load_f(x, t, p * g.h * g.w + (long long)iy * g.w + ix);
        ember_store_f(out, t, q, acc * scale[j]);
    }
}

// gx over window j of plane p += scale[j] * gy[p, j] (windows may overlap: atomics).
extern "C" __global__ void ember_window_spread(const int* __restrict__ bounds, const double* __restrict__ scale,
                                               const void* gy, void* gx, int t, EmberPool g) {
    const long long ohw = (long long)g.oh * g.ow;
    EMBER_GRID_LOOP(q, g.planes * ohw) {
        const long long p = q / ohw;
        const int j = (int)(q - p * ohw);
        const double v = ember_load_f(gy, t, q) * scale[j];
        for (int iy = bounds[4 * j]; iy < bounds[4 * j + 1]; ++iy)
            for (int ix = bounds[4 * j + 2]; ix < bounds[4 * j + 3]; ++ix)
                ember_add_at(gx, t, p * g.h * g.w + (long long)iy * g.w + ix, v, 0);
    }
}

// One Adam/AdamW step per element (AdamStep on the host): m = b1 m + (1-b1) g, v = b2 v + (1-b2) g^2
// (then its running max when vmax is not null), p = p * decay - stepSize * m / (sqrt(v) / bc2Sqrt + eps),
// g negated under maximize and plus l2 * p.
extern "C" __global__ void ember_adam_step(void* param, const void* grad, void* m, void* v, void* vmax, int t, long long n,
                                           double beta1, double beta2, double eps, double stepSize, double bc2Sqrt,
                                           double decay, double l2, int maximize) {
    EMBER_GRID_LOOP(i, n) {
        const double w = ember_load_f(param, t, i);
        double gi = ember_load_f(grad, t, i);
        if (maximize) gi = -gi;
        if (l2 != 0) gi += l2 * w;
        // Rounded to the parameter's type between steps, as the cpu backend stores them.
        double mi = beta1 * ember_load_f(m, t, i) + (1 - beta1) * gi;
        double vi = beta2 * ember_load_f(v, t, i) + (1 - beta2) * gi * gi;
        ember_store_f(m, t, i, mi);
        ember_store_f(v, t, i, vi);
        mi = ember_load_f(m, t, i);
        vi = ember_load_f(v, t, i);
        if (vmax != nullptr) {
            vi = fmax(ember_load_f(vmax, t, i), vi);
            ember_store_f(vmax, t, i, vi);
        }
        ember_store_f(param, t, i, w * decay - stepSize * mi / (sqrt(vi) / bc2Sqrt + eps));
    }
}
