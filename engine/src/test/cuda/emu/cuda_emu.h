// A tiny CPU stand-in for the CUDA execution model, enough to run Ember's kernels unchanged on a
// machine without a GPU: every CUDA thread of a block is a std::thread, __syncthreads() is a
// std::barrier, __shared__ arrays are function statics (blocks run one after another), and the
// WMMA fragments hold the whole tile in every thread. It checks indexing, tiling, bounds and
// synchronization logic -- not performance, warp-level timing or the real tensor-core numerics.
#pragma once
#include <barrier>
#include <cassert>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

struct dim3 {
    unsigned x, y, z;
    dim3(unsigned x_ = 1, unsigned y_ = 1, unsigned z_ = 1) : x(x_), y(y_), z(z_) {}
};
inline thread_local dim3 threadIdx, blockIdx;
inline dim3 blockDim, gridDim;
inline std::barrier<>* emu_barrier = nullptr;
inline std::mutex emu_atomic_lock;

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __shared__ static
#define __launch_bounds__(...)
#define __restrict__ __restrict
#define __align__(n) __attribute__((aligned(n)))

inline void __syncthreads() { emu_barrier->arrive_and_wait(); }
inline float atomicAdd(float* p, float v) { std::lock_guard<std::mutex> g(emu_atomic_lock); float o = *p; *p = o + v; return o; }
inline double atomicAdd(double* p, double v) { std::lock_guard<std::mutex> g(emu_atomic_lock); double o = *p; *p = o + v; return o; }
inline int atomicAdd(int* p, int v) { std::lock_guard<std::mutex> g(emu_atomic_lock); int o = *p; *p = o + v; return o; }
inline unsigned long long atomicAdd(unsigned long long* p, unsigned long long v) { std::lock_guard<std::mutex> g(emu_atomic_lock); unsigned long long o = *p; *p = o + v; return o; }
inline int atomicCAS(int* p, int cmp, int v) { std::lock_guard<std::mutex> g(emu_atomic_lock); int o = *p; if (o == cmp) *p = v; return o; }
inline float rsqrtf(float v) { return 1.0f / std::sqrt(v); }
template <class T> inline T min(T a, T b) { return a < b ? a : b; }
template <class T> inline T max(T a, T b) { return a > b ? a : b; }

// Worker threads reused across blocks and launches (creating 256 threads per block dominated the
// run time). run(n, job) runs job(0..n-1) on n workers at once and returns when all are done.
class EmuPool {
  public:
    void run(unsigned n, const std::function<void(unsigned)>& job) {
        std::unique_lock<std::mutex> lk(mu_);
        while (workers_.size() < n) {
            const unsigned id = (unsigned)workers_.size();
            workers_.emplace_back([this, id] { loop(id); });
            workers_.back().detach();
        }
        job_ = &job;
        active_ = n;
        remaining_ = n;
        ++generation_;
        start_.notify_all();
        done_.wait(lk, [this] { return remaining_ == 0; });
        job_ = nullptr;
    }

  private:
    void loop(unsigned id) {
        unsigned long seen = 0;
        std::unique_lock<std::mutex> lk(mu_);
        for (;;) {
            start_.wait(lk, [&] { return generation_ != seen; });
            seen = generation_;
            if (id >= active_) continue;
            const std::function<void(unsigned)>* job = job_;
            lk.unlock();
            (*job)(id);
            lk.lock();
            if (--remaining_ == 0) done_.notify_all();
        }
    }
    std::mutex mu_;
    std::condition_variable start_, done_;
    std::vector<std::thread> workers_;
    const std::function<void(unsigned)>* job_ = nullptr;
    unsigned active_ = 0, remaining_ = 0;
    unsigned long generation_ = 0;
};
// Never destroyed: its workers wait on its condition variable until the process exits.
inline EmuPool& emu_pool = *new EmuPool;

// Runs kernel<<<grid, block>>>(args...): blocks in order, the threads of a block concurrently.
template <class... P, class... A>
void emu_launch(void (*kernel)(P...), dim3 grid, dim3 block, A... args) {
    gridDim = grid;
    blockDim = block;
    const unsigned nthreads = block.x * block.y * block.z;
    for (unsigned bz = 0; bz < grid.z; ++bz)
        for (unsigned by = 0; by < grid.y; ++by)
            for (unsigned bx = 0; bx < grid.x; ++bx) {
                std::barrier<> bar(nthreads);
                emu_barrier = &bar;
                const std::function<void(unsigned)> job = [&](unsigned t) {
                    blockIdx = dim3(bx, by, bz);
                    threadIdx = dim3(t % block.x, (t / block.x) % block.y, t / (block.x * block.y));
                    kernel(args...);
                };
                emu_pool.run(nthreads, job);
            }
}

// WMMA, float/tf32 only. Each thread keeps the full fragment; the results are identical in every
// thread of the warp, so the duplicated stores write the same values.
namespace nvcuda { namespace wmma {
struct row_major {}; struct col_major {};
struct matrix_a {}; struct matrix_b {}; struct accumulator {};
namespace precision { struct tf32 {}; }
enum layout_t { mem_row_major, mem_col_major };
template <class Use, int M, int N, int K> struct dims;
template <int M, int N, int K> struct dims<matrix_a, M, N, K> { static constexpr int r = M, c = K; };
template <int M, int N, int K> struct dims<matrix_b, M, N, K> { static constexpr int r = K, c = N; };
template <int M, int N, int K> struct dims<accumulator, M, N, K> { static constexpr int r = M, c = N; };
template <class Use, int M, int N, int K, class T, class Layout = void>
struct fragment {
    static constexpr int rows = dims<Use, M, N, K>::r, cols = dims<Use, M, N, K>::c;
    static constexpr int num_elements = rows * cols;
    float x[rows * cols];
};
inline void emu_check_ptr(const float* p, unsigned ldm) {
    assert(reinterpret_cast<std::uintptr_t>(p) % 32 == 0 && "WMMA pointer must be 256-bit aligned");
    assert(ldm % 4 == 0 && "WMMA ldm must be a multiple of 4 for 32-bit types");
}
template <class Use, int M, int N, int K, class T>
void load_matrix_sync(fragment<Use, M, N, K, T, row_major>& f, const float* p, unsigned ldm) {
    emu_check_ptr(p, ldm);
    for (int r = 0; r < f.rows; ++r)
        for (int c = 0; c < f.cols; ++c) f.x[r * f.cols + c] = p[(size_t)r * ldm + c];
}
template <int M, int N, int K>
void fill_fragment(fragment<accumulator, M, N, K, float>& f, float v) {
    for (float& e : f.x) e = v;
}
template <int M, int N, int K, class T, class LA, class LB>
void mma_sync(fragment<accumulator, M, N, K, float>& d, const fragment<matrix_a, M, N, K, T, LA>& a,
              const fragment<matrix_b, M, N, K, T, LB>& b, const fragment<accumulator, M, N, K, float>& c) {
    float out[M * N];
    for (int i = 0; i < M; ++i)
        for (int j = 0; j < N; ++j) {
            float s = c.x[i * N + j];
            for (int q = 0; q < K; ++q) s += a.x[i * K + q] * b.x[q * N + j];
            out[i * N + j] = s;
        }
    std::memcpy(d.x, out, sizeof out);
}
template <int M, int N, int K>
void store_matrix_sync(float* p, const fragment<accumulator, M, N, K, float>& f, unsigned ldm, layout_t layout) {
    emu_check_ptr(p, ldm);
    assert(layout == mem_row_major);
    for (int r = 0; r < M; ++r)
        for (int c = 0; c < N; ++c) p[(size_t)r * ldm + c] = f.x[r * N + c];
}
// cvt.rna.tf32.f32: round to nearest, ties away from zero, keep 10 mantissa bits.
inline float __float_to_tf32(float v) {
    if (!std::isfinite(v)) return v;
    std::uint32_t b;
    std::memcpy(&b, &v, 4);
    b = (b + 0x1000u) & 0xffffe000u;
    std::memcpy(&v, &b, 4);
    return v;
}
} }  // namespace nvcuda::wmma
