// Fused Adam / AdamW step over a contiguous float32 parameter, following torch.optim.Adam
// (amsgrad=False, maximize=False):
//   g = grad (+ weightDecay * p for Adam's L2 penalty)      [decoupled == 0]
//   p = p * (1 - lr * weightDecay)                          [decoupled != 0, AdamW]
//   m = beta1 * m + (1 - beta1) * g
//   v = beta2 * v + (1 - beta2) * g^2
//   p = p - (lr / bias1) * m / (sqrt(v) / sqrt(bias2) + eps)
// with bias1 = 1 - beta1^t and bias2 = 1 - beta2^t computed on the host for step t.
#include "ember_common.cuh"

extern "C" __global__ void ember_adam_f32(float* __restrict__ p, const float* __restrict__ grad,
                                          float* __restrict__ m, float* __restrict__ v, long long n,
                                          float lr, float beta1, float beta2, float eps, float weightDecay,
                                          float bias1, float bias2, int decoupled) {
    const float stepSize = lr / bias1;
    const float sqrtBias2 = sqrtf(bias2);
    EMBER_GRID_LOOP(i, n) {
        float w = p[i];
        float g = grad[i];
        if (weightDecay != 0.0f) {
            if (decoupled) w *= 1.0f - lr * weightDecay;
            else g = fmaf(weightDecay, w, g);
        }
        const float mi = fmaf(beta1, m[i], (1.0f - beta1) * g);
        const float vi = fmaf(beta2, v[i], (1.0f - beta2) * g * g);
        m[i] = mi;
        v[i] = vi;
        p[i] = w - stepSize * mi / (sqrtf(vi) / sqrtBias2 + eps);
    }
}
