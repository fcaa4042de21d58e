// Runs the tiled GEMM kernels (float32 and TF32 tensor cores, the most intricate tiling and barrier
// logic) on the CPU emulator (cuda_emu.h) against plain double-precision loops written here. The
// generic kernels (tensor.cu, nn.cu) are checked through the JVM on the same emulator (CudaOpsTest,
// DeviceOpsTest, CudaModulesTest). Build and run: engine/src/test/cuda/emu/run-emu.sh
// Prints one line per check and a closing "N passed, N failed".
#include "cuda_emu.h"
#include "emu_harness.h"

#include "../../../main/cuda/sgemm.cu"
#include "../../../main/cuda/sgemm_tf32.cu"

#include <string>

template <class K>
static void test_sgemm_variant(const char* name, K kernel, dim3 block, double tol) {
    const int m = 70, n = 130, k = 37, batch = 2;
    for (int ta = 0; ta <= 1; ++ta)
        for (int tb = 0; tb <= 1; ++tb) {
            const long long lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 2, ldc = n + 1;
            const long long sA = lda * (ta ? k : m), sB = ldb * (tb ? n : k), sC = ldc * m;
            std::vector<float> A = randn(batch * sA, 20 + ta), B = randn(batch * sB, 22 + tb), C = randn(batch * sC, 24);
            std::vector<double> want(C.begin(), C.end());
            const float alpha = 0.75f, beta = -0.5f;
            for (int z = 0; z < batch; ++z)
                for (int i = 0; i < m; ++i)
                    for (int j = 0; j < n; ++j) {
                        double s = 0;
                        for (int q = 0; q < k; ++q) {
                            double a = ta ? A[z * sA + q * lda + i] : A[z * sA + i * lda + q];
                            double b = tb ? B[z * sB + j * ldb + q] : B[z * sB + q * ldb + j];
                            s += a * b;
                        }
                        want[z * sC + i * ldc + j] = alpha * s + beta * C[z * sC + i * ldc + j];
                    }
            dim3 grid((n + 63) / 64, (m + 63) / 64, batch);
            emu_launch(kernel, grid, block, ta, tb, m, n, k, alpha, (const float*)A.data(), lda, sA,
                       (const float*)B.data(), ldb, sB, beta, C.data(), ldc, sC);
            check_close(std::string(name) + " transA=" + std::to_string(ta) + " transB=" + std::to_string(tb) +
                        " [70x37]@[37x130] batch 2, alpha/beta, padded ld (padding untouched)", C, want, tol, tol);
        }
    // beta == 0 must not read C: NaN in C stays out of the result.
    std::vector<float> A = randn(9 * 5, 30), B = randn(5 * 3, 31), C(9 * 3, NAN);
    std::vector<double> want(27, 0.0);
    for (int i = 0; i < 9; ++i) for (int j = 0; j < 3; ++j) for (int q = 0; q < 5; ++q) want[i * 3 + j] += (double)A[i * 5 + q] * B[q * 3 + j];
    emu_launch(kernel, dim3(1, 1, 1), block, 0, 0, 9, 3, 5, 1.0f, (const float*)A.data(), 5LL, 0LL, (const float*)B.data(), 3LL, 0LL, 0.0f, C.data(), 3LL, 0LL);
    check_close(std::string(name) + " beta=0 ignores NaN in C", C, want, tol, tol);
}

int main() {
    test_sgemm_variant("sgemm_f32", ember_sgemm_f32, dim3(16, 16), 1e-4);
    // TF32 keeps 10 mantissa bits: |error| ~ 2^-11 * sum|a*b| ~ 1e-2 for k = 37 unit normals.
    test_sgemm_variant("sgemm_tf32", ember_sgemm_tf32, dim3(128), 3e-2);
    std::printf("%d passed, %d failed\n", emu_passed, emu_failed);
    return emu_failed == 0 ? 0 : 1;
}
