// Gather, scatter-add, index-select and index-add for any dtype with int64 indices: the generic
// versions of index.cu's float32 kernels. Every tensor is contiguous and viewed as
// [outer, dim, inner] around the indexed dimension. An index outside [0, dim) is not followed: the
// kernel records (position + 1) of an offender in *bad and the host reports it. The adds use
// atomics (float32, float64, int32, int64), so float sums may round in any order, as on PyTorch's GPU.
#include "ember_dtype.cuh"

__device__ __forceinline__ bool ember_in_range(long long j, long long dim, long long pos, int* bad) {
    if (j >= 0 && j < dim) return true;
    if (bad != nullptr) atomicCAS(bad, 0, (int)min(pos + 1, (long long)0x7fffffff));
    return false;
}

// y[o] (+)= x[xo] converted, for the element types a copy may meet.
__device__ __forceinline__ void ember_move(const void* x, int t, long long xo, void* y, long long yo) {
    if (ember_is_float(t)) ember_store_f(y, t, yo, ember_load_f(x, t, xo));
    else ember_store_i(y, t, yo, ember_load_i(x, t, xo));
}

__device__ __forceinline__ void ember_atomic_add(void* y, int t, long long o, const void* src, long long so) {
    switch (t) {
        case EMBER_F32: atomicAdd((float*)y + o, ((const float*)src)[so]); break;
        case EMBER_F64: atomicAdd((double*)y + o, ((const double*)src)[so]); break;
        case EMBER_I32: atomicAdd((int*)y + o, ((const int*)src)[so]); break;
        default: atomicAdd((unsigned long long*)y + o, (unsigned long long)((const long long*)src)[so]);  // two's complement
    }
}

// torch.gather(x, d, idx): y[o, j, i] = x[o, idx[o, j, i], i]; idx and y are [outer, idxDim, inner].
extern "C" __global__ void ember_gather(const void* x, int t, const long long* __restrict__ idx, void* y, long long outer,
                                        long long xDim, long long idxDim, long long inner, int* bad) {
    const long long n = outer * idxDim * inner;
    EMBER_GRID_LOOP(p, n) {
        const long long i = p % inner, o = p / (idxDim * inner), j = idx[p];
        if (ember_in_range(j, xDim, p, bad)) ember_move(x, t, (o * xDim + j) * inner + i, y, p);
        else ember_store_i(y, t, p, 0);
    }
}

// Tensor.scatter_add_(d, idx, src): y[o, idx[o, j, i], i] += src[o, j, i].
extern "C" __global__ void ember_scatter_add(void* y, int t, const long long* __restrict__ idx, const void* src,
                                             long long outer, long long yDim, long long idxDim, long long inner, int* bad) {
    const long long n = outer * idxDim * inner;
    EMBER_GRID_LOOP(p, n) {
        const long long i = p % inner, o = p / (idxDim * inner), j = idx[p];
        if (ember_in_range(j, yDim, p, bad)) ember_atomic_add(y, t, (o * yDim + j) * inner + i, src, p);
    }
}

// torch.index_select(x, d, idx) with a 1-D idx of length k: y[o, j, i] = x[o, idx[j], i].
extern "C" __global__ void ember_index_select(const void* x, int t, const long long* __restrict__ idx, void* y,
                                              long long outer, long long xDim, long long k, long long inner, int* bad) {
    const long long n = outer * k * inner;
    EMBER_GRID_LOOP(p, n) {
        const long long i = p % inner, j = (p / inner) % k, o = p / (k * inner), s = idx[j];
        if (ember_in_range(s, xDim, j, bad)) ember_move(x, t, (o * xDim + s) * inner + i, y, p);
        else ember_store_i(y, t, p, 0);
    }
}

// Tensor.index_add_(d, idx, src): y[o, idx[j], i] += src[o, j, i] (index_select's and embedding's backward).
extern "C" __global__ void ember_index_add(void* y, int t, const long long* __restrict__ idx, const void* src,
                                           long long outer, long long yDim, long long k, long long inner, int* bad) {
    const long long n = outer * k * inner;
    EMBER_GRID_LOOP(p, n) {
        const long long i = p % inner, j = (p / inner) % k, o = p / (k * inner), d = idx[j];
        if (ember_in_range(d, yDim, j, bad)) ember_atomic_add(y, t, (o * yDim + d) * inner + i, src, p);
    }
}
