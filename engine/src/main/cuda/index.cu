// Gather, scatter-add, index-select and index-add for float32 data with int64 indices.
// Every tensor is contiguous and viewed as [outer, dim, inner] around the indexed dimension.
// An index outside [0, dim) is not followed: the kernel records it in *bad (when not null) as
// (position + 1) of the first offender it sees, and the host turns that into an error message.
#include "ember_common.cuh"

__device__ __forceinline__ bool ember_index_ok(long long j, long long dim, long long pos, int* bad) {
    if (j >= 0 && j < dim) return true;
    if (bad != nullptr) atomicCAS(bad, 0, (int)min(pos + 1, (long long)0x7fffffff));
    return false;
}

// torch.gather(x, d, idx): y[o, j, i] = x[o, idx[o, j, i], i]; idx and y are [outer, idxDim, inner].
extern "C" __global__ void ember_gather_f32(const float* __restrict__ x, const long long* __restrict__ idx,
                                            float* __restrict__ y, long long outer, long long xDim,
                                            long long idxDim, long long inner, int* bad) {
    const long long n = outer * idxDim * inner;
    EMBER_GRID_LOOP(p, n) {
        const long long i = p % inner;
        const long long o = p / (idxDim * inner);
        const long long j = idx[p];
        y[p] = ember_index_ok(j, xDim, p, bad) ? x[(o * xDim + j) * inner + i] : 0.0f;
    }
}

// Tensor.scatter_add_(d, idx, src): y[o, idx[o, j, i], i] += src[o, j, i] (the gather backward).
extern "C" __global__ void ember_scatter_add_f32(float* __restrict__ y, const long long* __restrict__ idx,
                                                 const float* __restrict__ src, long long outer, long long yDim,
                                                 long long idxDim, long long inner, int* bad) {
    const long long n = outer * idxDim * inner;
    EMBER_GRID_LOOP(p, n) {
        const long long i = p % inner;
        const long long o = p / (idxDim * inner);
        const long long j = idx[p];
        if (ember_index_ok(j, yDim, p, bad)) atomicAdd(&y[(o * yDim + j) * inner + i], src[p]);
    }
}

// torch.index_select(x, d, idx) with a 1-D idx of length k: y[o, j, i] = x[o, idx[j], i].
extern "C" __global__ void ember_index_select_f32(const float* __restrict__ x, const long long* __restrict__ idx,
                                                  float* __restrict__ y, long long outer, long long xDim,
                                                  long long k, long long inner, int* bad) {
    const long long n = outer * k * inner;
    EMBER_GRID_LOOP(p, n) {
        const long long i = p % inner;
        const long long j = (p / inner) % k;
        const long long o = p / (k * inner);
        const long long src = idx[j];
        y[p] = ember_index_ok(src, xDim, j, bad) ? x[(o * xDim + src) * inner + i] : 0.0f;
    }
}

// Tensor.index_add_(d, idx, src): y[o, idx[j], i] += src[o, j, i] (the index_select / embedding backward).
extern "C" __global__ void ember_index_add_f32(float* __restrict__ y, const long long* __restrict__ idx,
                                               const float* __restrict__ src, long long outer, long long yDim,
                                               long long k, long long inner, int* bad) {
    const long long n = outer * k * inner;
    EMBER_GRID_LOOP(p, n) {
        const long long i = p % inner;
        const long long j = (p / inner) % k;
        const long long o = p / (k * inner);
        const long long dst = idx[j];
        if (ember_index_ok(dst, yDim, j, bad)) atomicAdd(&y[(o * yDim + dst) * inner + i], src[p]);
    }
}
