// Float32 elementwise kernels. Inputs are strided views (TensorDesc); outputs are contiguous with
// n elements. Binary ops broadcast: the host expands both inputs to the output shape with stride 0
// on broadcast dimensions, so a kernel never needs to know which side was broadcast.
#include "ember_common.cuh"

#define EMBER_UNARY(name, expr)                                                        \
    extern "C" __global__ void ember_##name##_f32(const float* __restrict__ x, TensorDesc xd, \
                                                  float* __restrict__ y, long long n) { \
        EMBER_GRID_LOOP(i, n) {                                                        \
            const float v = x[ember_offset(xd, i)];                                     \
            y[i] = (expr);                                                             \
        }                                                                              \
    }

EMBER_UNARY(neg, -v)
EMBER_UNARY(exp, expf(v))
EMBER_UNARY(log, logf(v))
// NaN stays NaN, like torch.relu.
EMBER_UNARY(relu, v > 0.0f ? v : (v != v ? v : 0.0f))
// Split by sign so expf never overflows.
EMBER_UNARY(sigmoid, v >= 0.0f ? 1.0f / (1.0f + expf(-v)) : expf(v) / (1.0f + expf(v)))
EMBER_UNARY(tanh, tanhf(v))

// Strided -> contiguous copy (Tensor.contiguous()).
EMBER_UNARY(copy, v)

#define EMBER_BINARY(name, expr)                                                        \
    extern "C" __global__ void ember_##name##_f32(const float* __restrict__ a, TensorDesc ad, \
                                                  const float* __restrict__ b, TensorDesc bd, \
                                                  float* __restrict__ y, long long n) {  \
        EMBER_GRID_LOOP(i, n) {                                                         \
            const float u = a[ember_offset(ad, i)];                                      \
            const float v = b[ember_offset(bd, i)];                                      \
            y[i] = (expr);                                                              \
        }                                                                               \
    }

EMBER_BINARY(add, u + v)
EMBER_BINARY(sub, u - v)
EMBER_BINARY(mul, u * v)
EMBER_BINARY(div, u / v)

// d relu(x) / dx applied to the incoming gradient: grad where x > 0, else 0 (PyTorch's convention at 0).
extern "C" __global__ void ember_relu_backward_f32(const float* __restrict__ grad, TensorDesc gd,
                                                   const float* __restrict__ x, TensorDesc xd,
                                                   float* __restrict__ y, long long n) {
    EMBER_GRID_LOOP(i, n) {
        y[i] = x[ember_offset(xd, i)] > 0.0f ? grad[ember_offset(gd, i)] : 0.0f;
    }
}

// y[i] = value for a contiguous buffer.
extern "C" __global__ void ember_fill_f32(float* __restrict__ y, float value, long long n) {
    EMBER_GRID_LOOP(i, n) { y[i] = value; }
}

// y = alpha * x + y (contiguous, in place): gradient accumulation.
extern "C" __global__ void ember_axpy_f32(float alpha, const float* __restrict__ x,
                                          float* __restrict__ y, long long n) {
    EMBER_GRID_LOOP(i, n) { y[i] = fmaf(alpha, x[i], y[i]); }
}
