// Softmax and log-softmax over the last dimension of a contiguous [rows, cols] float32 tensor,
// with their backward passes. One block of EMBER_REDUCE_THREADS threads per row (block-stride over
// rows); the max is subtracted first so expf never overflows.
#include "ember_common.cuh"

extern "C" __global__ void ember_softmax_lastdim_f32(const float* __restrict__ x, float* __restrict__ y,
                                                     long long rows, long long cols) {
    __shared__ float scratch[EMBER_REDUCE_THREADS];
    for (long long r = blockIdx.x; r < rows; r += gridDim.x) {
        const float* xr = x + r * cols;
        float* yr = y + r * cols;
        float m = -INFINITY;
        for (long long c = threadIdx.x; c < cols; c += EMBER_REDUCE_THREADS) m = fmaxf(m, xr[c]);
        m = ember_block_max(m, scratch);
        float s = 0.0f;
        for (long long c = threadIdx.x; c < cols; c += EMBER_REDUCE_THREADS) {
            const float e = expf(xr[c] - m);
            yr[c] = e;
            s += e;
        }
        s = ember_block_sum(s, scratch);
        const float inv = 1.0f / s;
        for (long long c = threadIdx.x; c < cols; c += EMBER_REDUCE_THREADS) yr[c] *= inv;
    }
}

extern "C" __global__ void ember_log_softmax_lastdim_f32(const float* __restrict__ x, float* __restrict__ y,
                                                         long long rows, long long cols) {
    __shared__ float scratch[EMBER_REDUCE_THREADS];
    for (long long r = blockIdx.x; r < rows; r += gridDim.x) {
        const float* xr = x + r * cols;
        float* yr = y + r * cols;
        float m = -INFINITY;
        for (long long c = threadIdx.x; c < cols; c += EMBER_REDUCE_THREADS) m = fmaxf(m, xr[c]);
        m = ember_block_max(m, scratch);
        float s = 0.0f;
        for (long long c = threadIdx.x; c < cols; c += EMBER_REDUCE_THREADS) s += expf(xr[c] - m);
        s = ember_block_sum(s, scratch);
        const float lse = m + logf(s);
        for (long long c = threadIdx.x; c < cols; c += EMBER_REDUCE_THREADS) yr[c] = xr[c] - lse;
    }
}

// dx = y * (dy - sum(dy * y)) where y = softmax(x).
extern "C" __global__ void ember_softmax_backward_f32(const float* __restrict__ dy, const float* __restrict__ y,
                                                      float* __restrict__ dx, long long rows, long long cols) {
    __shared__ float scratch[EMBER_REDUCE_THREADS];
    for (long long r = blockIdx.x; r < rows; r += gridDim.x) {
        const long long base = r * cols;
        float dot = 0.0f;
        for (long long c = threadIdx.x; c < cols; c += EMBER_REDUCE_THREADS) dot += dy[base + c] * y[base + c];
        dot = ember_block_sum(dot, scratch);
        for (long long c = threadIdx.x; c < cols; c += EMBER_REDUCE_THREADS)
            dx[base + c] = y[base + c] * (dy[base + c] - dot);
    }
}

// dx = dy - exp(y) * sum(dy) where y = log_softmax(x).
extern "C" __global__ void ember_log_softmax_backward_f32(const float* __restrict__ dy, const float* __restrict__ y,
                                                          float* __restrict__ dx, long long rows, long long cols) {
    __shared__ float scratch[EMBER_REDUCE_THREADS];
    for (long long r = blockIdx.x; r < rows; r += gridDim.x) {
        const long long base = r * cols;
        float s = 0.0f;
        for (long long c = threadIdx.x; c < cols; c += EMBER_REDUCE_THREADS) s += dy[base + c];
        s = ember_block_sum(s, scratch);
        for (long long c = threadIdx.x; c < cols; c += EMBER_REDUCE_THREADS)
            dx[base + c] = dy[base + c] - expf(y[base + c]) * s;
    }
}
