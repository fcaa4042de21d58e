// Shared definitions for Ember's CUDA kernels. Every kernel is `extern "C"` so the host finds it
// by its plain name in the PTX (no C++ mangling).
#pragma once

#define EMBER_MAX_RANK 8
// Kernels that reduce through shared memory (tensor.cu's reductions) are written for exactly this
// many threads per block (LaunchConfig.REDUCE_THREADS on the host).
#define EMBER_REDUCE_THREADS 256

// A strided view: element i (row-major over shape) lives at offset + sum(coord[k] * strides[k]).
// Passed by value as a kernel argument: 144 bytes, packed on the host by CudaTensorDesc.
// Broadcasting is expressed with stride 0; a contiguous view sets `contiguous` so the kernel
// skips the index arithmetic.
struct TensorDesc {
    int rank;
    int contiguous;
    long long offset;
    long long shape[EMBER_MAX_RANK];
    long long strides[EMBER_MAX_RANK];
};

// Storage offset of the i-th element (row-major order over d.shape).
__device__ __forceinline__ long long ember_offset(const TensorDesc& d, long long i) {
    if (d.contiguous) return d.offset + i;
    long long off = d.offset;
    for (int k = d.rank - 1; k >= 0; --k) {
        long long s = d.shape[k];
        long long q = i / s;
        off += (i - q * s) * d.strides[k];
        i = q;
    }
    return off;
}

// Grid-stride loop over [0, n): works for any grid size, so the host may cap the grid.
#define EMBER_GRID_LOOP(i, n) \
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < (n); \
         i += (long long)blockDim.x * gridDim.x)
