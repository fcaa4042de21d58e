// Float32 sums. Inputs are contiguous (the host calls contiguous() first). Both kernels are
// deterministic: no atomics, a fixed tree order in shared memory.
#include "ember_common.cuh"

// y[r] = sum_c x[r * cols + c]. One block of EMBER_REDUCE_THREADS threads per row; the grid may
// hold fewer blocks than rows (block-stride loop over rows).
extern "C" __global__ void ember_sum_lastdim_f32(const float* __restrict__ x, float* __restrict__ y,
                                                 long long rows, long long cols) {
    __shared__ float scratch[EMBER_REDUCE_THREADS];
    for (long long r = blockIdx.x; r < rows; r += gridDim.x) {
        const float* row = x + r * cols;
        float acc = 0.0f;
        for (long long c = threadIdx.x; c < cols; c += EMBER_REDUCE_THREADS) acc += row[c];
        const float total = ember_block_sum(acc, scratch);
        if (threadIdx.x == 0) y[r] = total;
    }
}

// First pass of a full sum: block b writes the sum of its grid-stride share to partial[b].
// Launch again with n = gridDim of the first pass and one block to finish (LaunchConfig.sumAll).
extern "C" __global__ void ember_sum_all_f32(const float* __restrict__ x, float* __restrict__ partial,
                                             long long n) {
    __shared__ float scratch[EMBER_REDUCE_THREADS];
    float acc = 0.0f;
    EMBER_GRID_LOOP(i, n) { acc += x[i]; }
    const float total = ember_block_sum(acc, scratch);
    if (threadIdx.x == 0) partial[blockIdx.x] = total;
}

// Whether (v, i) beats (bv, bi) for torch.max: NaN beats everything, ties go to the smaller index.
__device__ __forceinline__ bool ember_max_better(float v, long long i, float bv, long long bi) {
    const bool vn = v != v, bn = bv != bv;
    if (vn != bn) return vn;
    if (vn || v == bv) return i < bi;
    return v > bv;
}

// y[r] = max_c x[r * cols + c] and, when argmax is not null, its first index (torch.max(dim=-1)).
extern "C" __global__ void ember_max_lastdim_f32(const float* __restrict__ x, float* __restrict__ y,
                                                 long long* __restrict__ argmax,
                                                 long long rows, long long cols) {
    __shared__ float best[EMBER_REDUCE_THREADS];
    __shared__ long long where[EMBER_REDUCE_THREADS];
    const int t = threadIdx.x;
    for (long long r = blockIdx.x; r < rows; r += gridDim.x) {
        const float* row = x + r * cols;
        float b = -INFINITY;
        long long w = cols;  // sentinel: loses every tie
        for (long long c = t; c < cols; c += EMBER_REDUCE_THREADS) {
            const float v = row[c];
            if (ember_max_better(v, c, b, w)) { b = v; w = c; }
        }
        best[t] = b;
        where[t] = w;
        __syncthreads();
        for (int s = EMBER_REDUCE_THREADS / 2; s > 0; s >>= 1) {
            if (t < s && ember_max_better(best[t + s], where[t + s], best[t], where[t])) {
                best[t] = best[t + s];
                where[t] = where[t + s];
            }
            __syncthreads();
        }
        if (t == 0) {
            y[r] = best[0];
            if (argmax != nullptr) argmax[r] = where[0];
        }
        __syncthreads();  // best/where are rewritten for the next row
    }
}
