// Batch normalization for a contiguous float32 input viewed as [n, c, hw] (hw = 1 for BatchNorm1d
// on [n, c]). Training runs two kernels: per-channel statistics, then the elementwise apply.
#include "ember_common.cuh"

// One block of EMBER_REDUCE_THREADS threads per channel (block-stride over channels). Writes the
// batch mean and 1/sqrt(biased var + eps) (saved for backward) and, when runningMean is not null,
// updates the running statistics like PyTorch: running = (1 - momentum) * running + momentum * batch,
// with the unbiased variance. Two passes (mean, then squared deviations) keep the variance accurate.
extern "C" __global__ void ember_batch_norm_stats_f32(const float* __restrict__ x, float* __restrict__ mean,
                                                      float* __restrict__ invstd, float* runningMean,
                                                      float* runningVar, long long n, long long c,
                                                      long long hw, float momentum, float eps) {
    __shared__ float scratch[EMBER_REDUCE_THREADS];
    const long long count = n * hw;
    for (long long ch = blockIdx.x; ch < c; ch += gridDim.x) {
        float s = 0.0f;
        for (long long q = threadIdx.x; q < count; q += EMBER_REDUCE_THREADS) {
            const long long b = q / hw, i = q - b * hw;
            s += x[(b * c + ch) * hw + i];
        }
        const float mu = ember_block_sum(s, scratch) / (float)count;
        float ss = 0.0f;
        for (long long q = threadIdx.x; q < count; q += EMBER_REDUCE_THREADS) {
            const long long b = q / hw, i = q - b * hw;
            const float d = x[(b * c + ch) * hw + i] - mu;
            ss += d * d;
        }
        const float m2 = ember_block_sum(ss, scratch);
        if (threadIdx.x == 0) {
            const float var = m2 / (float)count;
            mean[ch] = mu;
            invstd[ch] = rsqrtf(var + eps);
            if (runningMean != nullptr) {
                const float unbiased = count > 1 ? m2 / (float)(count - 1) : var;
                runningMean[ch] = (1.0f - momentum) * runningMean[ch] + momentum * mu;
                runningVar[ch] = (1.0f - momentum) * runningVar[ch] + momentum * unbiased;
            }
        }
    }
}

// y = (x - mean[c]) * invstd[c] * weight[c] + bias[c]; weight and bias may be null (affine=False).
extern "C" __global__ void ember_batch_norm_apply_f32(const float* __restrict__ x, float* __restrict__ y,
                                                      const float* __restrict__ mean, const float* __restrict__ invstd,
                                                      const float* __restrict__ weight, const float* __restrict__ bias,
                                                      long long n, long long c, long long hw) {
    const long long total = n * c * hw;
    EMBER_GRID_LOOP(p, total) {
        const long long ch = (p / hw) % c;
        float v = (x[p] - mean[ch]) * invstd[ch];
        if (weight != nullptr) v *= weight[ch];
        if (bias != nullptr) v += bias[ch];
        y[p] = v;
    }
}

// Evaluation mode: normalize with the running statistics.
extern "C" __global__ void ember_batch_norm_eval_f32(const float* __restrict__ x, float* __restrict__ y,
                                                     const float* __restrict__ runningMean,
                                                     const float* __restrict__ runningVar,
                                                     const float* __restrict__ weight, const float* __restrict__ bias,
                                                     long long n, long long c, long long hw, float eps) {
    const long long total = n * c * hw;
    EMBER_GRID_LOOP(p, total) {
        const long long ch = (p / hw) % c;
        float v = (x[p] - runningMean[ch]) * rsqrtf(runningVar[ch] + eps);
        if (weight != nullptr) v *= weight[ch];
        if (bias != nullptr) v += bias[ch];
        y[p] = v;
    }
}
