// The generic tensor kernels of the CUDA backend: any dtype, any strided view, one kernel per
// primitive with the operation and the element types passed as codes. Floating-point values are
// computed in double and integers in long long, then stored in the output's type, so float32
// results round once, like the CPU backend's. Codes (CudaCodes on the host):
//   dtype:  0 bool (1 byte), 1 uint8, 2 int32, 3 int64, 4 float32, 5 float64
//   unary:  0 neg, 1 abs, 2 sign, 3 relu, 4 floor, 5 ceil, 6 round, 7 exp, 8 log, 9 sqrt, 10 sin,
//           11 cos, 12 tanh, 13 sigmoid, 14 reciprocal, 15 logical_not, 16 erf
//   binary: 0 add, 1 sub, 2 mul, 3 div, 4 pow, 5 maximum, 6 minimum, 7 relu_grad (a where b > 0),
//           8 eq, 9 ne, 10 lt, 11 le, 12 gt, 13 ge, 14 logical_and, 15 logical_or
//   reduce: 0 sum, 1 prod, 2 max, 3 min
#include "ember_dtype.cuh"

// y[i] = x[i] converted to y's type; both are strided views over n elements (x may broadcast).
extern "C" __global__ void ember_copy(const void* x, TensorDesc xd, int xt, void* y, TensorDesc yd, int yt, long long n) {
    EMBER_GRID_LOOP(i, n) {
        const long long xo = ember_offset(xd, i), yo = ember_offset(yd, i);
        if (ember_is_float(xt) || ember_is_float(yt)) ember_store_f(y, yt, yo, ember_load_f(x, xt, xo));
        else ember_store_i(y, yt, yo, ember_load_i(x, xt, xo));
    }
}

extern "C" __global__ void ember_fill(void* y, TensorDesc yd, int yt, double value, long long n) {
    EMBER_GRID_LOOP(i, n) { ember_store_f(y, yt, ember_offset(yd, i), value); }
}

__device__ __forceinline__ double ember_unary_f(int op, double v) {
    switch (op) {
        case 0: return -v;
        case 1: return fabs(v);
        case 2: return v > 0 ? 1.0 : (v < 0 ? -1.0 : v);  // keeps 0, -0 and NaN, like Math.signum
        case 3: return v > 0 ? v : (v != v ? v : 0.0);
        case 4: return floor(v);
        case 5: return ceil(v);
        case 6: return rint(v);
        case 7: return exp(v);
        case 8: return log(v);
        case 9: return sqrt(v);
        case 10: return sin(v);
        case 11: return cos(v);
        case 12: return tanh(v);
        case 13: return v >= 0 ? 1.0 / (1.0 + exp(-v)) : exp(v) / (1.0 + exp(v));
        case 14: return 1.0 / v;
        case 16: return erf(v);
        default: return v == 0.0 ? 1.0 : 0.0;
    }
}

__device__ __forceinline__ long long ember_unary_i(int op, long long v) {
    switch (op) {
        case 0: return -v;
        case 1: return v < 0 ? -v : v;
        case 2: return (v > 0) - (v < 0);
        case 3: return v > 0 ? v : 0;
        case 15: return v == 0 ? 1 : 0;
        default: return v;  // floor, ceil, round of an integer
    }
}

// y = op(x); computed in double when ct (the compute type) is floating, else in long long.
extern "C" __global__ void ember_unary(int op, const void* x, TensorDesc xd, int xt, void* y, TensorDesc yd, int yt,
                                       int ct, long long n) {
    EMBER_GRID_LOOP(i, n) {
        const long long xo = ember_offset(xd, i), yo = ember_offset(yd, i);
        if (ember_is_float(ct)) ember_store_f(y, yt, yo, ember_unary_f(op, ember_load_f(x, xt, xo)));
        else ember_store_i(y, yt, yo, ember_unary_i(op, ember_load_i(x, xt, xo)));
    }
}

// Comparisons and logical ops (codes 8..15), the same for both lanes.
template <class T>
__device__ __forceinline__ T ember_compare(int op, T u, T v) {
    switch (op) {
        case 8: return u == v;
        case 9: return u != v;
        case 10: return u < v;
        case 11: return u <= v;
        case 12: return u > v;
        case 13: return u >= v;
        case 14: return u != 0 && v != 0;
        default: return u != 0 || v != 0;
    }
}

__device__ __forceinline__ double ember_binary_f(int op, double u, double v) {
    switch (op) {
        case 0: return u + v;
        case 1: return u - v;
        case 2: return u * v;
        case 3: return u / v;
        case 4: return pow(u, v);
        case 5: return (u != u || v != v) ? (u != u ? u : v) : (u > v ? u : v);  // NaN wins, like Math.max
        case 6: return (u != u || v != v) ? (u != u ? u : v) : (u < v ? u : v);
        case 7: return v > 0 ? u : 0.0;
        default: return ember_compare(op, u, v);
    }
}

__device__ __forceinline__ long long ember_ipow(long long b, long long e) {
    if (e < 0) return b == 1 ? 1 : (b == -1 ? ((e & 1) ? -1 : 1) : 0);
    long long r = 1;
    while (e) {
        if (e & 1) r *= b;
        b *= b;
        e >>= 1;
    }
    return r;
}

__device__ __forceinline__ long long ember_binary_i(int op, long long u, long long v) {
    switch (op) {
        case 0: return u + v;
        case 1: return u - v;
        case 2: return u * v;
        case 3: return v == 0 ? 0 : u / v;
        case 4: return ember_ipow(u, v);
        case 5: return u > v ? u : v;
        case 6: return u < v ? u : v;
        case 7: return v > 0 ? u : 0;
        default: return ember_compare(op, u, v);
    }
}

// y = op(a, b) over n elements of broadcast views; ct: the type the op computes in (floating: double).
extern "C" __global__ void ember_binary(int op, const void* a, TensorDesc ad, int at, const void* b, TensorDesc bd, int bt,
                                        void* y, TensorDesc yd, int yt, int ct, long long n) {
    EMBER_GRID_LOOP(i, n) {
        const long long ao = ember_offset(ad, i), bo = ember_offset(bd, i), yo = ember_offset(yd, i);
        if (ember_is_float(ct)) ember_store_f(y, yt, yo, ember_binary_f(op, ember_load_f(a, at, ao), ember_load_f(b, bt, bo)));
        else ember_store_i(y, yt, yo, ember_binary_i(op, ember_load_i(a, at, ao), ember_load_i(b, bt, bo)));
    }
}

// y = cond ? a : b (cond of any type: nonzero is true).
extern "C" __global__ void ember_where(const void* c, TensorDesc cd, int cdt, const void* a, TensorDesc ad, int at,
                                       const void* b, TensorDesc bd, int bt, void* y, TensorDesc yd, int yt, long long n) {
    EMBER_GRID_LOOP(i, n) {
        const bool pick = ember_load_i(c, cdt, ember_offset(cd, i)) != 0;
        const void* src = pick ? a : b;
        const int st = pick ? at : bt;
        const long long so = ember_offset(pick ? ad : bd, i), yo = ember_offset(yd, i);
        if (ember_is_float(st) || ember_is_float(yt)) ember_store_f(y, yt, yo, ember_load_f(src, st, so));
        else ember_store_i(y, yt, yo, ember_load_i(src, st, so));
    }
}

__device__ __forceinline__ double ember_reduce_f(int op, double acc, double v) {
    switch (op) {
        case 0: return acc + v;
        case 1: return acc * v;
        case 2: return (acc != acc || v != v) ? (acc != acc ? acc : v) : (v > acc ? v : acc);
        default: return (acc != acc || v != v) ? (acc != acc ? acc : v) : (v < acc ? v : acc);
    }
}

__device__ __forceinline__ long long ember_reduce_i(int op, long long acc, long long v) {
    switch (op) {
        case 0: return acc + v;
        case 1: return acc * v;
        case 2: return v > acc ? v : acc;
        default: return v < acc ? v : acc;
    }
}

// Reduces a view whose element o * inner + i (row-major over xd's shape) is the i-th input of
// output o: the host permutes the reduced dimensions last. One block of EMBER_REDUCE_THREADS
// threads per output (block-stride over outputs); each thread folds a fixed strided share and the
// shares meet in a fixed tree, so the result does not depend on timing. Accumulates in double
// (floating ct) or long long. y is contiguous with `outer` elements; inner >= 1 (the host fills
// empty reductions with the identity).
extern "C" __global__ void ember_reduce(int op, const void* x, TensorDesc xd, int xt, void* y, int yt, int ct,
                                        long long outer, long long inner) {
    __shared__ double fs[EMBER_REDUCE_THREADS];
    __shared__ long long is[EMBER_REDUCE_THREADS];
    const int t = threadIdx.x;
    const bool fl = ember_is_float(ct);
    for (long long o = blockIdx.x; o < outer; o += gridDim.x) {
        const long long base = o * inner;
        double fa = 0;
        long long ia = 0;
        bool any = false;
        for (long long i = t; i < inner; i += EMBER_REDUCE_THREADS) {
            const long long xo = ember_offset(xd, base + i);
            if (fl) {
                const double v = ember_load_f(x, xt, xo);
                fa = any ? ember_reduce_f(op, fa, v) : v;
            } else {
                const long long v = ember_load_i(x, xt, xo);
                ia = any ? ember_reduce_i(op, ia, v) : v;
            }
            any = true;
        }
        // Threads with no share hold the first element, which every op but sum and prod ignores.
        if (!any) {
            const long long xo = ember_offset(xd, base);
            fa = op == 0 ? 0.0 : (op == 1 ? 1.0 : (fl ? ember_load_f(x, xt, xo) : 0.0));
            ia = op == 0 ? 0 : (op == 1 ? 1 : ember_load_i(x, xt, xo));
        }
        fs[t] = fa;
        is[t] = ia;
        __syncthreads();
        for (int s = EMBER_REDUCE_THREADS / 2; s > 0; s >>= 1) {
            if (t < s) {
                if (fl) fs[t] = ember_reduce_f(op, fs[t], fs[t + s]);
                else is[t] = ember_reduce_i(op, is[t], is[t + s]);
            }
            __syncthreads();
        }
        if (t == 0) {
            if (fl) ember_store_f(y, yt, o, fs[0]);
            else ember_store_i(y, yt, o, is[0]);
        }
        __syncthreads();
    }
}

// Whether (v, i) beats (bv, bi) for argmax (isMax) or argmin: NaN beats everything, ties go to the
// smaller index (torch.argmax).
__device__ __forceinline__ bool ember_arg_better(bool isMax, double v, long long i, double bv, long long bi) {
    const bool vn = v != v, bn = bv != bv;
    if (vn != bn) return vn;
    if (vn || v == bv) return i < bi;
    return isMax ? v > bv : v < bv;
}

// idx[o] = the position in 0..inner-1 of output o's max (isMax) or min, laid out like ember_reduce.
extern "C" __global__ void ember_arg_reduce(int isMax, const void* x, TensorDesc xd, int xt, long long* idx,
                                            long long outer, long long inner) {
    __shared__ double bestV[EMBER_REDUCE_THREADS];
    __shared__ long long bestI[EMBER_REDUCE_THREADS];
    const int t = threadIdx.x;
    for (long long o = blockIdx.x; o < outer; o += gridDim.x) {
        const long long base = o * inner;
        double bv = 0;
        long long bi = -1;
        for (long long i = t; i < inner; i += EMBER_REDUCE_THREADS) {
            const double v = ember_load_f(x, xt, ember_offset(xd, base + i));
            if (bi < 0 || ember_arg_better(isMax != 0, v, i, bv, bi)) {
                bv = v;
                bi = i;
            }
        }
        bestV[t] = bv;
        bestI[t] = bi;
        __syncthreads();
        for (int s = EMBER_REDUCE_THREADS / 2; s > 0; s >>= 1) {
            if (t < s && bestI[t + s] >= 0 &&
                (bestI[t] < 0 || ember_arg_better(isMax != 0, bestV[t + s], bestI[t + s], bestV[t], bestI[t]))) {
                bestV[t] = bestV[t + s];
                bestI[t] = bestI[t + s];
            }
            __syncthreads();
        }
        if (t == 0) idx[o] = bestI[0];
        __syncthreads();
    }
}

// C[b] = alpha * op(A[b]) op(B[b]) + beta * C[b] in double (float64 tensors; float32 uses sgemm).
// One thread per element of C, grid (ceil(n/16), ceil(m/16), batch) of 16x16 blocks.
extern "C" __global__ void ember_dgemm(int transA, int transB, int m, int n, int k, double alpha,
                                       const double* __restrict__ a, long long lda, long long strideA,
                                       const double* __restrict__ b, long long ldb, long long strideB, double beta,
                                       double* __restrict__ c, long long ldc, long long strideC) {
    const int col = blockIdx.x * blockDim.x + threadIdx.x, row = blockIdx.y * blockDim.y + threadIdx.y;
    if (row >= m || col >= n) return;
    const double* A = a + blockIdx.z * strideA;
    const double* B = b + blockIdx.z * strideB;
    double s = 0;
    for (int q = 0; q < k; ++q) {
        const double av = transA ? A[(long long)q * lda + row] : A[(long long)row * lda + q];
        const double bv = transB ? B[(long long)col * ldb + q] : B[(long long)q * ldb + col];
        s += av * bv;
    }
    double* C = c + blockIdx.z * strideC + (long long)row * ldc + col;
    *C = beta == 0.0 ? alpha * s : alpha * s + beta * *C;
}
