// TF32 tensor-core variant of ember_sgemm_f32 for sm_80 and newer (same arguments, same
// semantics, but inputs are rounded to TF32 -- 10 mantissa bits -- before multiplying, like
// torch.backends.cuda.matmul.allow_tf32 = True; accumulation stays in float32).
// Each 128-thread block (4 warps, 2x2) computes a 64x64 tile of C; each warp owns a 32x32
// sub-tile as 2x2 WMMA 16x16x8 accumulators. Tiles are zero-padded in shared memory, so any
// m, n, k works. Launch: block (128), grid (ceil(n/64), ceil(m/64), batch) -- LaunchConfig.sgemmTf32.
// ember-arch: compute_80   (read by build-ptx.sh; the other kernels are built for compute_75)
#include <mma.h>
#include "ember_common.cuh"

using namespace nvcuda;

#define TC_BM 64
#define TC_BN 64
#define TC_BK 16
#define TC_THREADS 128
// Leading dimensions padded by 4 floats: still multiples of 4 (WMMA's rule for 32-bit types),
// and row starts stay 32-byte aligned for the 16-row steps the warps take.
#define TC_LDA (TC_BK + 4)
#define TC_LDB (TC_BN + 4)
#define TC_LDC (TC_BN + 4)

extern "C" __global__ void __launch_bounds__(TC_THREADS)
ember_sgemm_tf32(int transA, int transB, int m, int n, int k, float alpha,
                 const float* __restrict__ A, long long lda, long long strideA,
                 const float* __restrict__ B, long long ldb, long long strideB, float beta,
                 float* __restrict__ C, long long ldc, long long strideC) {
    __shared__ __align__(32) float As[TC_BM * TC_LDA];  // [row][kk]
    __shared__ __align__(32) float Bs[TC_BK * TC_LDB];  // [kk][col]
    __shared__ __align__(32) float Cs[TC_BM * TC_LDC];  // [row][col]

    const long long z = blockIdx.z;
    A += z * strideA;
    B += z * strideB;
    C += z * strideC;
    const int tid = threadIdx.x;
    const int warp = tid / 32;
    const int warpRow = (warp / 2) * 32, warpCol = (warp % 2) * 32;
    const int row0 = blockIdx.y * TC_BM;
    const int col0 = blockIdx.x * TC_BN;

    wmma::fragment<wmma::accumulator, 16, 16, 8, float> acc[2][2];
#pragma unroll
    for (int i = 0; i < 2; ++i)
#pragma unroll
        for (int j = 0; j < 2; ++j) wmma::fill_fragment(acc[i][j], 0.0f);

    for (int k0 = 0; k0 < k; k0 += TC_BK) {
#pragma unroll
        for (int r = 0; r < (TC_BM * TC_BK) / TC_THREADS; ++r) {
            const int e = tid + r * TC_THREADS;
            int i, kk;
            if (transA) { i = e % TC_BM; kk = e / TC_BM; } else { kk = e % TC_BK; i = e / TC_BK; }
            const int gi = row0 + i, gk = k0 + kk;
            float v = 0.0f;
            if (gi < m && gk < k) v = transA ? A[(long long)gk * lda + gi] : A[(long long)gi * lda + gk];
            As[i * TC_LDA + kk] = v;
        }
#pragma unroll
        for (int r = 0; r < (TC_BN * TC_BK) / TC_THREADS; ++r) {
            const int e = tid + r * TC_THREADS;
            int j, kk;
            if (transB) { kk = e % TC_BK; j = e / TC_BK; } else { j = e % TC_BN; kk = e / TC_BN; }
            const int gj = col0 + j, gk = k0 + kk;
            float v = 0.0f;
            if (gj < n && gk < k) v = transB ? B[(long long)gj * ldb + gk] : B[(long long)gk * ldb + gj];
            Bs[kk * TC_LDB + j] = v;
        }
        __syncthreads();
#pragma unroll
        for (int kk = 0; kk < TC_BK; kk += 8) {
            wmma::fragment<wmma::matrix_a, 16, 16, 8, wmma::precision::tf32, wmma::row_major> a[2];
            wmma::fragment<wmma::matrix_b, 16, 16, 8, wmma::precision::tf32, wmma::row_major> b[2];
#pragma unroll
            for (int i = 0; i < 2; ++i) {
                wmma::load_matrix_sync(a[i], As + (warpRow + 16 * i) * TC_LDA + kk, TC_LDA);
#pragma unroll
                for (int t = 0; t < a[i].num_elements; ++t) a[i].x[t] = wmma::__float_to_tf32(a[i].x[t]);
            }
#pragma unroll
            for (int j = 0; j < 2; ++j) {
                wmma::load_matrix_sync(b[j], Bs + kk * TC_LDB + warpCol + 16 * j, TC_LDB);
#pragma unroll
                for (int t = 0; t < b[j].num_elements; ++t) b[j].x[t] = wmma::__float_to_tf32(b[j].x[t]);
            }
#pragma unroll
            for (int i = 0; i < 2; ++i)
#pragma unroll
                for (int j = 0; j < 2; ++j) wmma::mma_sync(acc[i][j], a[i], b[j], acc[i][j]);
        }
        __syncthreads();
    }

#pragma unroll
    for (int i = 0; i < 2; ++i)
#pragma unroll
        for (int j = 0; j < 2; ++j)
            wmma::store_matrix_sync(Cs + (warpRow + 16 * i) * TC_LDC + warpCol + 16 * j, acc[i][j],
                                    TC_LDC, wmma::mem_row_major);
    __syncthreads();
    for (int e = tid; e < TC_BM * TC_BN; e += TC_THREADS) {
        const int i = e / TC_BN, j = e % TC_BN;
        const int gi = row0 + i, gj = col0 + j;
        if (gi >= m || gj >= n) continue;
        float* c = C + (long long)gi * ldc + gj;
        const float v = alpha * Cs[i * TC_LDC + j];
        *c = beta == 0.0f ? v : fmaf(beta, *c, v);
    }
}
