// The emulated CUDA device's kernel library: Ember's unchanged kernel sources on the CPU stand-in
// of cuda_emu.h, built by EmulatedCudaDriver.buildLibrary with g++ into a shared library that the
// JVM calls through JNA. A launch names a kernel and passes its parameters the way cuLaunchKernel
// takes them (an array of pointers to each parameter's bytes); each parameter is read back as the
// kernel's own parameter type, so the host code is the same as on a GPU.
// kernels.inc (generated from the shipped PTX) lists every kernel as EMBER_KERNEL(name).
#include "cuda_emu.h"

#include "sgemm.cu"
#include "sgemm_tf32.cu"
#include "tensor.cu"
#include "nn.cu"

#include <cstdio>
#include <cstring>
#include <type_traits>
#include <utility>

namespace {
template <class T> using value_t = std::remove_cv_t<std::remove_reference_t<T>>;

template <class... P, size_t... I>
void launch_packed(void (*kernel)(P...), dim3 grid, dim3 block, void** params, std::index_sequence<I...>) {
    emu_launch(kernel, grid, block, *static_cast<value_t<P>*>(params[I])...);
}

template <class... P>
constexpr int arity(void (*)(P...)) { return sizeof...(P); }

struct Entry {
    const char* name;
    int params;
    void (*launch)(dim3, dim3, void**);
};

#define EMBER_KERNEL(k)                                                                        \
    {#k, arity(k), [](dim3 g, dim3 b, void** p) {                                              \
         launch_packed(k, g, b, p, std::make_index_sequence<arity(k)>{});                      \
     }},

const Entry kEntries[] = {
#include "kernels.inc"
};

const Entry* find(const char* name) {
    for (const Entry& e : kEntries)
        if (std::strcmp(e.name, name) == 0) return &e;
    return nullptr;
}
}  // namespace

// Parameters of `name`, or -1 when the library has no such kernel.
extern "C" int ember_emu_kernel_params(const char* name) {
    const Entry* e = find(name);
    return e ? e->params : -1;
}

// Runs `name` over the grid and returns when every block is done. 0 on success; otherwise writes
// why into `error` and returns nonzero.
extern "C" int ember_emu_launch(const char* name, int gx, int gy, int gz, int bx, int by, int bz,
                                void** params, int count, char* error, int error_size) {
    const Entry* e = find(name);
    if (!e) {
        std::snprintf(error, error_size, "no kernel '%s' in the emulator library", name);
        return 1;
    }
    if (count != e->params) {
        std::snprintf(error, error_size, "kernel %s takes %d parameters, got %d", name, e->params, count);
        return 2;
    }
    e->launch(dim3(gx, gy, gz), dim3(bx, by, bz), params);
    return 0;
}

extern "C" void ember_emu_memcpy(unsigned long long dst, unsigned long long src, unsigned long long bytes) {
    std::memmove(reinterpret_cast<void*>(dst), reinterpret_cast<const void*>(src), bytes);
}
