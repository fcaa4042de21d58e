// Row-major float32 GEMM, batched over blockIdx.z:
//   C[z] = alpha * op(A[z]) @ op(B[z]) + beta * C[z],   op(A) is [m, k], op(B) is [k, n], C is [m, n]
// A[z] starts at A + z * strideA (likewise B, C). transA: A is stored [k, m] (lda >= m); otherwise
// [m, k] (lda >= k). transB: B is stored [n, k]; otherwise [k, n]. When beta == 0, C is not read
// (so uninitialized memory or NaN in C does not leak into the result), like BLAS.
//
// Tiling: each 256-thread block computes a 64x64 tile of C; per step it stages a 64x16 slice of
// op(A) and a 16x64 slice of op(B) in shared memory, and each thread accumulates a 4x4 register
// block (rows ty + 16*i, columns tx + 16*j, so shared-memory reads of B are conflict-free).
// Launch: block (16, 16), grid (ceil(n/64), ceil(m/64), batch) -- LaunchConfig.sgemm.
#include "ember_common.cuh"

#define SG_BM 64
#define SG_BN 64
#define SG_BK 16
#define SG_T 16  // threads per block side
#define SG_R 4   // register block side: SG_BM == SG_T * SG_R

extern "C" __global__ void __launch_bounds__(SG_T * SG_T)
ember_sgemm_f32(int transA, int transB, int m, int n, int k, float alpha,
                const float* __restrict__ A, long long lda, long long strideA,
                const float* __restrict__ B, long long ldb, long long strideB, float beta,
                float* __restrict__ C, long long ldc, long long strideC) {
    // As is stored k-major ([kk][row]) so the inner product loop reads a row vector of A and B alike.
    __shared__ float As[SG_BK][SG_BM];
    __shared__ float Bs[SG_BK][SG_BN];

    const long long z = blockIdx.z;
    A += z * strideA;
    B += z * strideB;
    C += z * strideC;
    const int tx = threadIdx.x, ty = threadIdx.y;
    const int tid = ty * SG_T + tx;
    const int row0 = blockIdx.y * SG_BM;
    const int col0 = blockIdx.x * SG_BN;

    float acc[SG_R][SG_R];
#pragma unroll
    for (int i = 0; i < SG_R; ++i)
#pragma unroll
        for (int j = 0; j < SG_R; ++j) acc[i][j] = 0.0f;

    for (int k0 = 0; k0 < k; k0 += SG_BK) {
        // Stage the tiles: 1024 elements each, 4 per thread; the index order follows the storage
        // order so that neighbouring threads read neighbouring addresses.
#pragma unroll
        for (int r = 0; r < (SG_BM * SG_BK) / (SG_T * SG_T); ++r) {
            const int e = tid + r * SG_T * SG_T;
            int i, kk;
            if (transA) { i = e % SG_BM; kk = e / SG_BM; } else { kk = e % SG_BK; i = e / SG_BK; }
            const int gi = row0 + i, gk = k0 + kk;
            float v = 0.0f;
            if (gi < m && gk < k) v = transA ? A[(long long)gk * lda + gi] : A[(long long)gi * lda + gk];
            As[kk][i] = v;
        }
#pragma unroll
        for (int r = 0; r < (SG_BN * SG_BK) / (SG_T * SG_T); ++r) {
            const int e = tid + r * SG_T * SG_T;
            int j, kk;
            if (transB) { kk = e % SG_BK; j = e / SG_BK; } else { j = e % SG_BN; kk = e / SG_BN; }
            const int gj = col0 + j, gk = k0 + kk;
            float v = 0.0f;
            if (gj < n && gk < k) v = transB ? B[(long long)gj * ldb + gk] : B[(long long)gk * ldb + gj];
            Bs[kk][j] = v;
        }
        __syncthreads();
#pragma unroll
        for (int kk = 0; kk < SG_BK; ++kk) {
            float a[SG_R], b[SG_R];
#pragma unroll
            for (int i = 0; i < SG_R; ++i) a[i] = As[kk][ty + SG_T * i];
#pragma unroll
            for (int j = 0; j < SG_R; ++j) b[j] = Bs[kk][tx + SG_T * j];
#pragma unroll
            for (int i = 0; i < SG_R; ++i)
#pragma unroll
                for (int j = 0; j < SG_R; ++j) acc[i][j] = fmaf(a[i], b[j], acc[i][j]);
        }
        __syncthreads();
    }

#pragma unroll
    for (int i = 0; i < SG_R; ++i) {
        const int gi = row0 + ty + SG_T * i;
        if (gi >= m) continue;
#pragma unroll
        for (int j = 0; j < SG_R; ++j) {
            const int gj = col0 + tx + SG_T * j;
            if (gj >= n) continue;
            float* c = C + (long long)gi * ldc + gj;
            *c = beta == 0.0f ? alpha * acc[i][j] : fmaf(beta, *c, alpha * acc[i][j]);
        }
    }
}
