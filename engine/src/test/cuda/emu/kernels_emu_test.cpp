// Runs every Ember CUDA kernel on the CPU emulator (cuda_emu.h) against plain double-precision
// reference loops written here. Build and run: engine/src/test/cuda/emu/run-emu.sh
// Prints one line per check and a closing "N passed, N failed".
#include "cuda_emu.h"
#include "emu_harness.h"

#include "../../../main/cuda/elementwise.cu"
#include "../../../main/cuda/reduce.cu"
#include "../../../main/cuda/softmax.cu"
#include "../../../main/cuda/index.cu"
#include "../../../main/cuda/conv.cu"
#include "../../../main/cuda/batchnorm.cu"
#include "../../../main/cuda/adam.cu"
#include "../../../main/cuda/sgemm.cu"
#include "../../../main/cuda/sgemm_tf32.cu"

#include <algorithm>
#include <functional>

static TensorDesc desc(std::vector<long long> shape, std::vector<long long> strides, long long offset = 0) {
    TensorDesc d{};
    d.rank = (int)shape.size();
    d.offset = offset;
    bool contiguous = true;
    long long expect = 1;
    for (int k = d.rank - 1; k >= 0; --k) {
        d.shape[k] = shape[k];
        d.strides[k] = strides[k];
        if (shape[k] != 1 && strides[k] != expect) contiguous = false;
        expect *= shape[k];
    }
    d.contiguous = contiguous ? 1 : 0;
    return d;
}

static const dim3 GRID(3), BLOCK(EMBER_REDUCE_THREADS);

static void test_elementwise() {
    // x is a transposed view: logical [4, 6] over storage [6, 4], offset 2 into a padded buffer.
    const int R = 4, Cc = 6;
    std::vector<float> store = randn(2 + R * Cc, 1);
    for (auto& v : store) v = v * 2.0f;
    store[5] = 0.0f;
    TensorDesc xd = desc({R, Cc}, {1, R}, 2);
    auto at = [&](long long i) { long long r = i / Cc, c = i % Cc; return (double)store[2 + r + c * R]; };
    const long long n = R * Cc;
    struct U { const char* name; void (*k)(const float*, TensorDesc, float*, long long); std::function<double(double)> f; };
    std::vector<U> ops = {
        {"neg", ember_neg_f32, [](double v) { return -v; }},
        {"exp", ember_exp_f32, [](double v) { return std::exp(v); }},
        {"log", ember_log_f32, [](double v) { return std::log(v); }},
        {"relu", ember_relu_f32, [](double v) { return v > 0 ? v : 0.0; }},
        {"sigmoid", ember_sigmoid_f32, [](double v) { return 1 / (1 + std::exp(-v)); }},
        {"tanh", ember_tanh_f32, [](double v) { return std::tanh(v); }},
        {"copy", ember_copy_f32, [](double v) { return v; }},
    };
    for (auto& op : ops) {
        std::vector<float> y(n);
        emu_launch(op.k, dim3(2), dim3(8), (const float*)store.data(), xd, y.data(), n);
        std::vector<double> want(n);
        for (long long i = 0; i < n; ++i) want[i] = op.f(at(i));
        check_close(std::string("unary ") + op.name + " (transposed view)", y, want, 1e-6, 1e-5);
    }
    {   // sigmoid far out in both tails must not overflow
        std::vector<float> x = {-100.f, -30.f, 0.f, 30.f, 100.f}, y(5);
        emu_launch(ember_sigmoid_f32, dim3(1), dim3(32), (const float*)x.data(), desc({5}, {1}), y.data(), 5LL);
        std::vector<double> want;
        for (float v : x) want.push_back(1 / (1 + std::exp(-(double)v)));
        check_close("sigmoid tails", y, want, 1e-30, 1e-6);
    }
    // Broadcasting: a [3, 1, 5] + b [4, 5] -> [3, 4, 5].
    std::vector<float> a = randn(15, 2), b = randn(20, 3);
    for (auto& v : b) v = v + (v >= 0 ? 0.5f : -0.5f);  // keep away from 0 for div
    TensorDesc ad = desc({3, 4, 5}, {5, 0, 1}), bd = desc({3, 4, 5}, {0, 5, 1});
    struct B { const char* name; void (*k)(const float*, TensorDesc, const float*, TensorDesc, float*, long long); std::function<double(double, double)> f; };
    std::vector<B> bops = {
        {"add", ember_add_f32, [](double u, double v) { return u + v; }},
        {"sub", ember_sub_f32, [](double u, double v) { return u - v; }},
        {"mul", ember_mul_f32, [](double u, double v) { return u * v; }},
        {"div", ember_div_f32, [](double u, double v) { return u / v; }},
    };
    for (auto& op : bops) {
        std::vector<float> y(60);
        emu_launch(op.k, dim3(1), dim3(16), (const float*)a.data(), ad, (const float*)b.data(), bd, y.data(), 60LL);
        std::vector<double> want(60);
        for (int i = 0; i < 3; ++i)
            for (int j = 0; j < 4; ++j)
                for (int k = 0; k < 5; ++k) want[(i * 4 + j) * 5 + k] = op.f(a[i * 5 + k], b[j * 5 + k]);
        check_close(std::string("binary ") + op.name + " (broadcast [3,1,5] x [4,5])", y, want, 1e-6, 1e-5);
    }
    {
        std::vector<float> g = randn(60, 4), x = randn(60, 5), y(60);
        x[7] = 0.0f;
        TensorDesc d = desc({60}, {1});
        emu_launch(ember_relu_backward_f32, dim3(2), dim3(32), (const float*)g.data(), d, (const float*)x.data(), d, y.data(), 60LL);
        std::vector<double> want(60);
        for (int i = 0; i < 60; ++i) want[i] = x[i] > 0 ? g[i] : 0.0;
        check_close("relu_backward", y, want, 0, 0);
    }
    {
        std::vector<float> y(100, 1.0f), x = randn(100, 6);
        emu_launch(ember_axpy_f32, dim3(1), dim3(64), 2.0f, (const float*)x.data(), y.data(), 100LL);
        std::vector<double> want(100);
        for (int i = 0; i < 100; ++i) want[i] = 1.0 + 2.0 * x[i];
        check_close("axpy", y, want, 1e-6, 1e-6);
        emu_launch(ember_fill_f32, dim3(1), dim3(64), y.data(), 3.5f, 100LL);
        check_close("fill", y, std::vector<double>(100, 3.5), 0, 0);
    }
}

static void test_reductions() {
    const long long rows = 5, cols = 1000;
    std::vector<float> x = randn(rows * cols, 7), y(rows);
    emu_launch(ember_sum_lastdim_f32, dim3(2), BLOCK, (const float*)x.data(), y.data(), rows, cols);
    std::vector<double> want(rows, 0.0);
    for (long long r = 0; r < rows; ++r)
        for (long long c = 0; c < cols; ++c) want[r] += x[r * cols + c];
    check_close("sum_lastdim [5, 1000]", y, want, 1e-3, 1e-4);

    const long long n = 70001;
    std::vector<float> big = randn(n, 8), partial(4), total(1);
    emu_launch(ember_sum_all_f32, dim3(4), BLOCK, (const float*)big.data(), partial.data(), n);
    emu_launch(ember_sum_all_f32, dim3(1), BLOCK, (const float*)partial.data(), total.data(), 4LL);
    double s = 0;
    for (float v : big) s += v;
    check_close("sum_all two passes (70001)", total, {s}, 5e-3, 1e-4);

    // max with ties (first index wins), a NaN row, an all -inf row.
    const long long mc = 300;
    std::vector<float> m(3 * mc);
    for (long long c = 0; c < mc; ++c) { m[c] = (float)(c % 17); m[mc + c] = -1.0f; m[2 * mc + c] = -INFINITY; }
    m[mc + 200] = NAN;
    m[mc + 250] = NAN;
    std::vector<float> my(3);
    std::vector<long long> arg(3);
    emu_launch(ember_max_lastdim_f32, dim3(2), BLOCK, (const float*)m.data(), my.data(), arg.data(), 3LL, mc);
    check_close("max_lastdim values", my, {16.0, NAN, -INFINITY}, 0, 0);
    check_true("max_lastdim argmax (first of ties, first NaN, -inf row -> 0)", arg[0] == 16 && arg[1] == 200 && arg[2] == 0);
}

static void test_softmax() {
    const long long rows = 4, cols = 300;
    std::vector<float> x = randn(rows * cols, 9, 3.0f), y(rows * cols), ly(rows * cols);
    x[5] = 80.0f;  // large logit: the max shift keeps exp finite
    emu_launch(ember_softmax_lastdim_f32, dim3(3), BLOCK, (const float*)x.data(), y.data(), rows, cols);
    emu_launch(ember_log_softmax_lastdim_f32, dim3(3), BLOCK, (const float*)x.data(), ly.data(), rows, cols);
    std::vector<double> sm(rows * cols), lsm(rows * cols);
    for (long long r = 0; r < rows; ++r) {
        double mx = -INFINITY, s = 0;
        for (long long c = 0; c < cols; ++c) mx = std::max(mx, (double)x[r * cols + c]);
        for (long long c = 0; c < cols; ++c) s += std::exp(x[r * cols + c] - mx);
        for (long long c = 0; c < cols; ++c) {
            sm[r * cols + c] = std::exp(x[r * cols + c] - mx) / s;
            lsm[r * cols + c] = x[r * cols + c] - mx - std::log(s);
        }
    }
    check_close("softmax_lastdim", y, sm, 1e-7, 1e-4);
    check_close("log_softmax_lastdim", ly, lsm, 1e-4, 1e-5);

    std::vector<float> dy = randn(rows * cols, 10), dx(rows * cols), ldx(rows * cols);
    emu_launch(ember_softmax_backward_f32, dim3(2), BLOCK, (const float*)dy.data(), (const float*)y.data(), dx.data(), rows, cols);
    emu_launch(ember_log_softmax_backward_f32, dim3(2), BLOCK, (const float*)dy.data(), (const float*)ly.data(), ldx.data(), rows, cols);
    std::vector<double> wdx(rows * cols), wldx(rows * cols);
    for (long long r = 0; r < rows; ++r) {
        double dot = 0, s = 0;
        for (long long c = 0; c < cols; ++c) { dot += dy[r * cols + c] * sm[r * cols + c]; s += dy[r * cols + c]; }
        for (long long c = 0; c < cols; ++c) {
            wdx[r * cols + c] = sm[r * cols + c] * (dy[r * cols + c] - dot);
            wldx[r * cols + c] = dy[r * cols + c] - sm[r * cols + c] * s;
        }
    }
    check_close("softmax_backward", dx, wdx, 1e-5, 1e-3);
    check_close("log_softmax_backward", ldx, wldx, 1e-4, 1e-4);
}

static void test_index() {
    // x [2, 5, 3], gather along dim 1 with idx [2, 4, 3].
    const long long outer = 2, xDim = 5, inner = 3, idxDim = 4;
    std::vector<float> x = randn(outer * xDim * inner, 11);
    std::vector<long long> idx(outer * idxDim * inner);
    for (size_t p = 0; p < idx.size(); ++p) idx[p] = (p * 7 + 3) % xDim;
    std::vector<float> y(idx.size());
    int bad = 0;
    emu_launch(ember_gather_f32, dim3(1), dim3(8), (const float*)x.data(), (const long long*)idx.data(), y.data(), outer, xDim, idxDim, inner, &bad);
    std::vector<double> want(idx.size());
    for (long long o = 0; o < outer; ++o)
        for (long long j = 0; j < idxDim; ++j)
            for (long long i = 0; i < inner; ++i) {
                long long p = (o * idxDim + j) * inner + i;
                want[p] = x[(o * xDim + idx[p]) * inner + i];
            }
    check_close("gather dim 1", y, want, 0, 0);
    check_true("gather: no bad index flagged", bad == 0);

    std::vector<float> acc(x.size(), 0.0f);
    emu_launch(ember_scatter_add_f32, dim3(1), dim3(8), acc.data(), (const long long*)idx.data(), (const float*)y.data(), outer, xDim, idxDim, inner, &bad);
    std::vector<double> wacc(x.size(), 0.0);
    for (long long o = 0; o < outer; ++o)
        for (long long j = 0; j < idxDim; ++j)
            for (long long i = 0; i < inner; ++i) {
                long long p = (o * idxDim + j) * inner + i;
                wacc[(o * xDim + idx[p]) * inner + i] += y[p];
            }
    check_close("scatter_add dim 1 (repeated targets)", acc, wacc, 1e-6, 1e-6);

    std::vector<long long> sel = {4, 0, 4, 2};
    std::vector<float> ys(outer * 4 * inner);
    emu_launch(ember_index_select_f32, dim3(1), dim3(8), (const float*)x.data(), (const long long*)sel.data(), ys.data(), outer, xDim, 4LL, inner, &bad);
    std::vector<double> wys(ys.size());
    for (long long o = 0; o < outer; ++o)
        for (long long j = 0; j < 4; ++j)
            for (long long i = 0; i < inner; ++i) wys[(o * 4 + j) * inner + i] = x[(o * xDim + sel[j]) * inner + i];
    check_close("index_select dim 1", ys, wys, 0, 0);

    std::vector<float> ia(x.size(), 0.0f);
    emu_launch(ember_index_add_f32, dim3(1), dim3(8), ia.data(), (const long long*)sel.data(), (const float*)ys.data(), outer, xDim, 4LL, inner, &bad);
    std::vector<double> wia(x.size(), 0.0);
    for (long long o = 0; o < outer; ++o)
        for (long long j = 0; j < 4; ++j)
            for (long long i = 0; i < inner; ++i) wia[(o * xDim + sel[j]) * inner + i] += ys[(o * 4 + j) * inner + i];
    check_close("index_add dim 1 (repeated index 4)", ia, wia, 1e-6, 1e-6);
    check_true("index kernels: no bad index flagged", bad == 0);

    std::vector<long long> badSel = {1, 5, -1};
    std::vector<float> yb(outer * 3 * inner);
    emu_launch(ember_index_select_f32, dim3(1), dim3(1), (const float*)x.data(), (const long long*)badSel.data(), yb.data(), outer, xDim, 3LL, inner, &bad);
    check_true("index_select flags index 5 at position 1 (bad = 2)", bad == 2);
}

static Conv2dGeom geom(int n, int c, int h, int w, int k, int s, int p, int d) {
    Conv2dGeom g{n, c, h, w, k, k, s, s, p, p, d, d, 0, 0};
    g.oh = (h + 2 * p - d * (k - 1) - 1) / s + 1;
    g.ow = (w + 2 * p - d * (k - 1) - 1) / s + 1;
    return g;
}

static void test_conv() {
    for (auto g : {geom(2, 3, 7, 6, 3, 1, 1, 1), geom(1, 2, 9, 8, 3, 2, 1, 2), geom(2, 1, 5, 5, 2, 2, 0, 1)}) {
        const std::string tag = "k" + std::to_string(g.kh) + " s" + std::to_string(g.sh) + " p" + std::to_string(g.ph) + " d" + std::to_string(g.dh);
        const long long rowsPer = (long long)g.c * g.kh * g.kw, spatial = (long long)g.oh * g.ow;
        std::vector<float> x = randn((size_t)g.n * g.c * g.h * g.w, 12), col(g.n * rowsPer * spatial);
        emu_launch(ember_im2col_f32, dim3(2), dim3(64), (const float*)x.data(), col.data(), g);
        // conv via col (one output channel, weights w[row]) vs a direct convolution.
        std::vector<float> wts = randn(rowsPer, 13);
        std::vector<float> got(g.n * spatial);
        std::vector<double> want(g.n * spatial, 0.0);
        for (int b = 0; b < g.n; ++b)
            for (long long q = 0; q < spatial; ++q) {
                double s = 0;
                for (long long r = 0; r < rowsPer; ++r) s += (double)wts[r] * col[(b * rowsPer + r) * spatial + q];
                got[b * spatial + q] = (float)s;
                const int oy = (int)(q / g.ow), ox = (int)(q % g.ow);
                double d = 0;
                for (int ci = 0; ci < g.c; ++ci)
                    for (int ky = 0; ky < g.kh; ++ky)
                        for (int kx = 0; kx < g.kw; ++kx) {
                            int iy = oy * g.sh - g.ph + ky * g.dh, ix = ox * g.sw - g.pw + kx * g.dw;
                            if (iy < 0 || iy >= g.h || ix < 0 || ix >= g.w) continue;
                            d += (double)wts[(ci * g.kh + ky) * g.kw + kx] * x[((b * g.c + ci) * g.h + iy) * g.w + ix];
                        }
                want[b * spatial + q] = d;
            }
        check_close("im2col conv " + tag, got, want, 1e-5, 1e-5);
        // col2im is the adjoint of im2col: <im2col(x), c> == <x, col2im(c)>.
        std::vector<float> cvec = randn(col.size(), 14), dx(x.size());
        emu_launch(ember_col2im_f32, dim3(2), dim3(64), (const float*)cvec.data(), dx.data(), g);
        double lhs = 0, rhs = 0;
        for (size_t i = 0; i < col.size(); ++i) lhs += (double)col[i] * cvec[i];
        for (size_t i = 0; i < x.size(); ++i) rhs += (double)x[i] * dx[i];
        check_close("col2im adjoint " + tag, {(float)rhs}, {lhs}, 1e-4, 1e-5);
    }
    // max_pool2d 3x3 stride 2 padding 1 (overlapping windows) forward and backward.
    Conv2dGeom g = geom(2, 2, 7, 7, 3, 2, 1, 1);
    std::vector<float> x = randn((size_t)g.n * g.c * g.h * g.w, 15);
    const long long outN = (long long)g.n * g.c * g.oh * g.ow;
    std::vector<float> y(outN);
    std::vector<long long> arg(outN);
    emu_launch(ember_max_pool2d_f32, dim3(2), dim3(32), (const float*)x.data(), y.data(), arg.data(), g);
    std::vector<double> want(outN);
    std::vector<long long> wantArg(outN);
    for (long long p = 0; p < outN; ++p) {
        const int ox = p % g.ow, oy = (p / g.ow) % g.oh;
        const long long plane = p / (g.ow * g.oh);
        double best = -INFINITY;
        long long where = -1;
        for (int ky = 0; ky < 3; ++ky)
            for (int kx = 0; kx < 3; ++kx) {
                int iy = oy * 2 - 1 + ky, ix = ox * 2 - 1 + kx;
                if (iy < 0 || iy >= g.h || ix < 0 || ix >= g.w) continue;
                double v = x[plane * g.h * g.w + iy * g.w + ix];
                if (where < 0 || v > best) { best = v; where = iy * g.w + ix; }
            }
        want[p] = best;
        wantArg[p] = where;
    }
    check_close("max_pool2d k3 s2 p1", y, want, 0, 0);
    check_true("max_pool2d indices", arg == wantArg);
    std::vector<float> dy = randn(outN, 16), dx(x.size(), 0.0f);
    emu_launch(ember_max_pool2d_backward_f32, dim3(2), dim3(32), (const float*)dy.data(), (const long long*)arg.data(), dx.data(), g);
    std::vector<double> wdx(x.size(), 0.0);
    for (long long p = 0; p < outN; ++p) wdx[(p / (g.ow * g.oh)) * g.h * g.w + wantArg[p]] += dy[p];
    check_close("max_pool2d backward (overlapping windows)", dx, wdx, 1e-6, 1e-6);
}

static void test_batchnorm() {
    const long long n = 4, c = 3, hw = 10, count = n * hw;
    std::vector<float> x = randn(n * c * hw, 17, 2.0f);
    for (auto& v : x) v += 5.0f;
    std::vector<float> mean(c), invstd(c), rm = {0.1f, 0.2f, 0.3f}, rv = {1.0f, 2.0f, 3.0f};
    const float momentum = 0.1f, eps = 1e-5f;
    emu_launch(ember_batch_norm_stats_f32, dim3(2), BLOCK, (const float*)x.data(), mean.data(), invstd.data(), rm.data(), rv.data(), n, c, hw, momentum, eps);
    std::vector<double> wm(c), wi(c), wrm(c), wrv(c);
    for (long long ch = 0; ch < c; ++ch) {
        double s = 0, ss = 0;
        for (long long b = 0; b < n; ++b) for (long long i = 0; i < hw; ++i) s += x[(b * c + ch) * hw + i];
        double mu = s / count;
        for (long long b = 0; b < n; ++b) for (long long i = 0; i < hw; ++i) { double d = x[(b * c + ch) * hw + i] - mu; ss += d * d; }
        wm[ch] = mu;
        wi[ch] = 1 / std::sqrt(ss / count + eps);
        wrm[ch] = 0.9 * (0.1 * (ch + 1)) + 0.1 * mu;
        wrv[ch] = 0.9 * (ch + 1.0) + 0.1 * ss / (count - 1);
    }
    check_close("batch_norm_stats mean", mean, wm, 1e-5, 1e-5);
    check_close("batch_norm_stats invstd", invstd, wi, 1e-6, 1e-5);
    check_close("batch_norm_stats running_mean", rm, wrm, 1e-6, 1e-5);
    check_close("batch_norm_stats running_var (unbiased)", rv, wrv, 1e-6, 1e-5);
    std::vector<float> w = {1.5f, -1.0f, 0.5f}, bias = {0.0f, 1.0f, -2.0f}, y(x.size()), y2(x.size());
    emu_launch(ember_batch_norm_apply_f32, dim3(2), dim3(32), (const float*)x.data(), y.data(), (const float*)mean.data(), (const float*)invstd.data(), (const float*)w.data(), (const float*)bias.data(), n, c, hw);
    emu_launch(ember_batch_norm_apply_f32, dim3(2), dim3(32), (const float*)x.data(), y2.data(), (const float*)mean.data(), (const float*)invstd.data(), (const float*)nullptr, (const float*)nullptr, n, c, hw);
    std::vector<double> wy(x.size()), wy2(x.size());
    for (size_t p = 0; p < x.size(); ++p) {
        long long ch = (p / hw) % c;
        wy2[p] = (x[p] - wm[ch]) * wi[ch];
        wy[p] = wy2[p] * w[ch] + bias[ch];
    }
    check_close("batch_norm_apply affine", y, wy, 1e-5, 1e-4);
    check_close("batch_norm_apply affine=False", y2, wy2, 1e-5, 1e-4);
    emu_launch(ember_batch_norm_eval_f32, dim3(2), dim3(32), (const float*)x.data(), y.data(), (const float*)rm.data(), (const float*)rv.data(), (const float*)w.data(), (const float*)bias.data(), n, c, hw, eps);
    for (size_t p = 0; p < x.size(); ++p) {
        long long ch = (p / hw) % c;
        wy[p] = (x[p] - rm[ch]) / std::sqrt((double)rv[ch] + eps) * w[ch] + bias[ch];
    }
    check_close("batch_norm_eval", y, wy, 1e-5, 1e-4);
}

static void test_adam() {
    for (int decoupled = 0; decoupled <= 1; ++decoupled) {
        const long long n = 50;
        std::vector<float> p = randn(n, 18), m(n, 0.0f), v(n, 0.0f);
        std::vector<double> rp(p.begin(), p.end()), rm(n, 0.0), rv(n, 0.0);
        const double lr = 1e-2, b1 = 0.9, b2 = 0.999, eps = 1e-8, wd = 0.05;
        for (int t = 1; t <= 3; ++t) {
            std::vector<float> g = randn(n, 100 + t);
            const double bias1 = 1 - std::pow(b1, t), bias2 = 1 - std::pow(b2, t);
            emu_launch(ember_adam_f32, dim3(1), dim3(32), p.data(), (const float*)g.data(), m.data(), v.data(), n,
                       (float)lr, (float)b1, (float)b2, (float)eps, (float)wd, (float)bias1, (float)bias2, decoupled);
            for (long long i = 0; i < n; ++i) {  // torch.optim.Adam / AdamW step, written out
                double gi = g[i];
                if (decoupled) rp[i] *= 1 - lr * wd; else gi += wd * rp[i];
                rm[i] = b1 * rm[i] + (1 - b1) * gi;
                rv[i] = b2 * rv[i] + (1 - b2) * gi * gi;
                rp[i] -= lr / bias1 * rm[i] / (std::sqrt(rv[i]) / std::sqrt(bias2) + eps);
            }
        }
        check_close(decoupled ? "adamw 3 steps" : "adam (L2) 3 steps", p, rp, 1e-5, 1e-4);
    }
}

template <class K>
static void test_sgemm_variant(const char* name, K kernel, dim3 block, double tol) {
    const int m = 70, n = 130, k = 37, batch = 2;
    for (int ta = 0; ta <= 1; ++ta)
        for (int tb = 0; tb <= 1; ++tb) {
            const long long lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 2, ldc = n + 1;
            const long long sA = lda * (ta ? k : m), sB = ldb * (tb ? n : k), sC = ldc * m;
            std::vector<float> A = randn(batch * sA, 20 + ta), B = randn(batch * sB, 22 + tb), C = randn(batch * sC, 24);
            std::vector<double> want(C.begin(), C.end());
            const float alpha = 0.75f, beta = -0.5f;
            for (int z = 0; z < batch; ++z)
                for (int i = 0; i < m; ++i)
                    for (int j = 0; j < n; ++j) {
                        double s = 0;
                        for (int q = 0; q < k; ++q) {
                            double a = ta ? A[z * sA + q * lda + i] : A[z * sA + i * lda + q];
                            double b = tb ? B[z * sB + j * ldb + q] : B[z * sB + q * ldb + j];
                            s += a * b;
                        }
                        want[z * sC + i * ldc + j] = alpha * s + beta * C[z * sC + i * ldc + j];
                    }
            dim3 grid((n + 63) / 64, (m + 63) / 64, batch);
            emu_launch(kernel, grid, block, ta, tb, m, n, k, alpha, (const float*)A.data(), lda, sA,
                       (const float*)B.data(), ldb, sB, beta, C.data(), ldc, sC);
            check_close(std::string(name) + " transA=" + std::to_string(ta) + " transB=" + std::to_string(tb) +
                        " [70x37]@[37x130] batch 2, alpha/beta, padded ld (padding untouched)", C, want, tol, tol);
        }
    // beta == 0 must not read C: NaN in C stays out of the result.
    std::vector<float> A = randn(9 * 5, 30), B = randn(5 * 3, 31), C(9 * 3, NAN);
    std::vector<double> want(27, 0.0);
    for (int i = 0; i < 9; ++i) for (int j = 0; j < 3; ++j) for (int q = 0; q < 5; ++q) want[i * 3 + j] += (double)A[i * 5 + q] * B[q * 3 + j];
    emu_launch(kernel, dim3(1, 1, 1), block, 0, 0, 9, 3, 5, 1.0f, (const float*)A.data(), 5LL, 0LL, (const float*)B.data(), 3LL, 0LL, 0.0f, C.data(), 3LL, 0LL);
    check_close(std::string(name) + " beta=0 ignores NaN in C", C, want, tol, tol);
}

int main() {
    test_elementwise();
    test_reductions();
    test_softmax();
    test_index();
    test_conv();
    test_batchnorm();
    test_adam();
    test_sgemm_variant("sgemm_f32", ember_sgemm_f32, dim3(16, 16), 1e-4);
    // TF32 keeps 10 mantissa bits: |error| ~ 2^-11 * sum|a*b| ~ 1e-2 for k = 37 unit normals.
    test_sgemm_variant("sgemm_tf32", ember_sgemm_tf32, dim3(128), 3e-2);
    std::printf("%d passed, %d failed\n", emu_passed, emu_failed);
    return emu_failed == 0 ? 0 : 1;
}
