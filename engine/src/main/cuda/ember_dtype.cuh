// Element types as codes (CudaCodes on the host), and loads and stores of any of them: floating
// values travel as double, integers as long long.
#pragma once
#include "ember_common.cuh"

#define EMBER_BOOL 0
#define EMBER_U8 1
#define EMBER_I32 2
#define EMBER_I64 3
#define EMBER_F32 4
#define EMBER_F64 5

__device__ __forceinline__ bool ember_is_float(int t) { return t >= EMBER_F32; }

__device__ __forceinline__ double ember_load_f(const void* p, int t, long long o) {
    switch (t) {
        case EMBER_BOOL: return ((const unsigned char*)p)[o] != 0 ? 1.0 : 0.0;
        case EMBER_U8: return (double)((const unsigned char*)p)[o];
        case EMBER_I32: return (double)((const int*)p)[o];
        case EMBER_I64: return (double)((const long long*)p)[o];
        case EMBER_F32: return (double)((const float*)p)[o];
        default: return ((const double*)p)[o];
    }
}

__device__ __forceinline__ long long ember_load_i(const void* p, int t, long long o) {
    switch (t) {
        case EMBER_BOOL: return ((const unsigned char*)p)[o] != 0 ? 1 : 0;
        case EMBER_U8: return (long long)((const unsigned char*)p)[o];
        case EMBER_I32: return (long long)((const int*)p)[o];
        case EMBER_I64: return ((const long long*)p)[o];
        case EMBER_F32: return (long long)((const float*)p)[o];
        default: return (long long)((const double*)p)[o];
    }
}

__device__ __forceinline__ void ember_store_f(void* p, int t, long long o, double v) {
    switch (t) {
        case EMBER_BOOL: ((unsigned char*)p)[o] = v != 0.0 ? 1 : 0; break;
        case EMBER_U8: ((unsigned char*)p)[o] = (unsigned char)(long long)v; break;
        case EMBER_I32: ((int*)p)[o] = (int)(long long)v; break;
        case EMBER_I64: ((long long*)p)[o] = (long long)v; break;
        case EMBER_F32: ((float*)p)[o] = (float)v; break;
        default: ((double*)p)[o] = v;
    }
}

__device__ __forceinline__ void ember_store_i(void* p, int t, long long o, long long v) {
    switch (t) {
        case EMBER_BOOL: ((unsigned char*)p)[o] = v != 0 ? 1 : 0; break;
        case EMBER_U8: ((unsigned char*)p)[o] = (unsigned char)v; break;
        case EMBER_I32: ((int*)p)[o] = (int)v; break;
        case EMBER_I64: ((long long*)p)[o] = v; break;
        case EMBER_F32: ((float*)p)[o] = (float)v; break;
        default: ((double*)p)[o] = (double)v;
    }
}
