// Test bookkeeping for kernels_emu_test.cpp.
#pragma once
#include <cstdio>
#include <cmath>
#include <random>
#include <vector>
#include <string>

inline int emu_passed = 0, emu_failed = 0;

inline void check_close(const std::string& what, const std::vector<float>& got, const std::vector<double>& want,
                        double atol, double rtol) {
    if (got.size() != want.size()) {
        std::printf("FAIL %s: size %zu != %zu\n", what.c_str(), got.size(), want.size());
        ++emu_failed;
        return;
    }
    for (size_t i = 0; i < got.size(); ++i) {
        const double g = got[i], w = want[i];
        const bool ok = (std::isnan(w) && std::isnan(g)) || (std::isinf(w) && g == w) ||
                        std::fabs(g - w) <= atol + rtol * std::fabs(w);
        if (!ok) {
            std::printf("FAIL %s: [%zu] got %.8g want %.8g\n", what.c_str(), i, g, w);
            ++emu_failed;
            return;
        }
    }
    std::printf("ok   %s\n", what.c_str());
    ++emu_passed;
}

inline void check_true(const std::string& what, bool ok) {
    std::printf("%s %s\n", ok ? "ok  " : "FAIL", what.c_str());
    ++(ok ? emu_passed : emu_failed);
}

inline std::vector<float> randn(size_t n, unsigned seed, float scale = 1.0f) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> d(0.0f, scale);
    std::vector<float> v(n);
    for (auto& x : v) x = d(rng);
    return v;
}
