// A tiny CPU stand-in for the CUDA execution model, enough to run Ember's kernels unchanged on a
// machine without a GPU. Blocks run one after another on the calling thread; the threads of a
// block are fibers (ucontext) on that same thread: a fiber runs until it returns or reaches
// __syncthreads(), and a barrier opens once every fiber of the block has reached it. __shared__
// arrays are function statics (blocks run one after another), and the WMMA fragments hold the
// whole tile in every thread. One OS thread, no locks, the same order every run. It checks
// indexing, tiling, bounds and synchronization logic -- not performance, warp-level timing or the
// real tensor-core numerics.
#pragma once
#include <cassert>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <cstdio>
#include <csetjmp>
#include <cstdlib>
#include <memory>
#include <ucontext.h>
#include <vector>

struct dim3 {
    unsigned x, y, z;
    dim3(unsigned x_ = 1, unsigned y_ = 1, unsigned z_ = 1) : x(x_), y(y_), z(z_) {}
};
inline dim3 threadIdx, blockIdx, blockDim, gridDim;

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __shared__ static
#define __launch_bounds__(...)
#define __restrict__ __restrict
#define __align__(n) __attribute__((aligned(n)))

// The fiber of the CUDA thread that runs now (null when a block runs without fibers, see emu_launch).
// Fibers switch with _setjmp/_longjmp (no system call, unlike swapcontext); ucontext only gives a
// fiber its own stack on its very first entry.
struct EmuFiber {
    jmp_buf jump;
    ucontext_t context;
    dim3 index;
    bool started;
    bool done;
};
inline jmp_buf emu_scheduler;
inline EmuFiber* emu_current = nullptr;

inline void emu_yield() {
    if (!_setjmp(emu_current->jump)) _longjmp(emu_scheduler, 1);
}

inline void __syncthreads() {
    if (emu_current == nullptr) {
        std::fprintf(stderr, "cuda_emu: __syncthreads() in a thread other than thread 0 of a block whose thread 0 never reached it\n");
        std::abort();
    }
    emu_yield();
}
// One OS thread runs every CUDA thread, so plain read-modify-writes are atomic.
inline float atomicAdd(float* p, float v) { float o = *p; *p = o + v; return o; }
inline double atomicAdd(double* p, double v) { double o = *p; *p = o + v; return o; }
inline int atomicAdd(int* p, int v) { int o = *p; *p = o + v; return o; }
inline unsigned long long atomicAdd(unsigned long long* p, unsigned long long v) { unsigned long long o = *p; *p = o + v; return o; }
inline int atomicCAS(int* p, int cmp, int v) { int o = *p; if (o == cmp) *p = v; return o; }
inline float rsqrtf(float v) { return 1.0f / std::sqrt(v); }
template <class T> inline T min(T a, T b) { return a < b ? a : b; }
template <class T> inline T max(T a, T b) { return a > b ? a : b; }

// Fibers and their stacks live for the whole process: a fiber runs the current launch's kernel
// body for one block, marks itself done and parks; resumed for the next block, it runs again.
inline constexpr size_t EMU_STACK_BYTES = 256 * 1024;
inline std::vector<std::unique_ptr<EmuFiber>> emu_fibers;
inline std::vector<std::unique_ptr<char[]>> emu_stacks;
inline const std::function<void()>* emu_body = nullptr;

inline void emu_fiber_main() {
    for (;;) {
        (*emu_body)();
        emu_current->done = true;
        emu_yield();
    }
}

// Runs fiber t until it reaches a barrier or finishes the block.
inline void emu_resume(EmuFiber& f) {
    emu_current = &f;
    threadIdx = f.index;
    if (!_setjmp(emu_scheduler)) {
        if (f.started) _longjmp(f.jump, 1);
        f.started = true;
        setcontext(&f.context);
    }
    emu_current = nullptr;
}

// Runs kernel<<<grid, block>>>(args...): blocks in order. Thread 0 of a block runs as a fiber; if
// it finishes without reaching __syncthreads(), no thread of the block does (CUDA requires a
// barrier to be reached by all threads or none), so the other threads run as plain calls. Else
// every thread is a fiber, resumed in turn from one barrier to the next.
template <class... P, class... A>
void emu_launch(void (*kernel)(P...), dim3 grid, dim3 block, A... args) {
    gridDim = grid;
    blockDim = block;
    const unsigned nthreads = block.x * block.y * block.z;
    while (emu_fibers.size() < nthreads) {
        auto f = std::make_unique<EmuFiber>();
        emu_stacks.emplace_back(new char[EMU_STACK_BYTES]);
        getcontext(&f->context);
        f->context.uc_stack.ss_sp = emu_stacks.back().get();
        f->context.uc_stack.ss_size = EMU_STACK_BYTES;
        f->context.uc_link = nullptr;
        makecontext(&f->context, emu_fiber_main, 0);
        f->started = false;
        emu_fibers.push_back(std::move(f));
    }
    const std::function<void()> body = [&] { kernel(args...); };
    emu_body = &body;
    auto index = [&](unsigned t) { return dim3(t % block.x, (t / block.x) % block.y, t / (block.x * block.y)); };
    auto begin = [&](unsigned t) {
        EmuFiber& f = *emu_fibers[t];
        f.index = index(t);
        f.done = false;
        emu_resume(f);
    };
    for (unsigned bz = 0; bz < grid.z; ++bz)
        for (unsigned by = 0; by < grid.y; ++by)
            for (unsigned bx = 0; bx < grid.x; ++bx) {
                blockIdx = dim3(bx, by, bz);
                begin(0);
                if (emu_fibers[0]->done) {
                    for (unsigned t = 1; t < nthreads; ++t) {
                        threadIdx = index(t);
                        kernel(args...);
                    }
                    continue;
                }
                for (unsigned t = 1; t < nthreads; ++t) begin(t);  // everyone to the first barrier
                for (bool live = true; live;) {                   // then from one barrier to the next
                    live = false;
                    for (unsigned t = 0; t < nthreads; ++t) {
                        EmuFiber& f = *emu_fibers[t];
                        if (!f.done) emu_resume(f);
                        live = live || !f.done;
                    }
                }
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
