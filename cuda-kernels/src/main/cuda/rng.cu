// Random numbers on the device, the same streams as tangent.core.Rng: value i of a draw from
// (seed, counter) is a hash of (seed, counter + i) (SplitMix64's finaliser), so a step needs no
// upload and the GPU and the CPU draw the same numbers.
//   uniform:   lo + (hi - lo) u01(counter + i),  u01(j) = (bits(j) >> 11) 2^-53
//   normal:    Box-Muller on pairs (i even): u1 = 1 - u01(c + i), u2 = u01(c + i + 1),
//              out[i] = sqrt(-2 log u1) cos(2 pi u2), out[i + 1] = ... sin(2 pi u2) (sincospi)
//   bernoulli: u01(counter + i) < p ? 1 : 0
// Uniform and bernoulli draws are bit-identical to the CPU's; normal ones agree to the last bits
// of double log/sqrt/sincos (CUDA's are within 1-2 ulp of Java's).
#include "common.cuh"

__device__ __forceinline__ unsigned long long mix64(unsigned long long z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

__device__ __forceinline__ double u01(unsigned long long seed, unsigned long long j) {
    unsigned long long b = mix64(seed * 0x9E3779B97F4A7C15ULL + mix64(j + 0x632BE59BD9B4E019ULL));
    return (double)(b >> 11) * 0x1.0p-53;
}

#define RNG_KERNELS(S_, T)                                                                                         \
    extern "C" __global__ void rng_uniform_##S_(T* out, long long n, long long seed, long long counter, double lo, \
                                                double hi) {                                                      \
        GRID_STRIDE(i, n) out[i] = (T)(lo + (hi - lo) * u01(seed, counter + i));                                   \
    }                                                                                                              \
    extern "C" __global__ void rng_bernoulli_##S_(T* out, long long n, long long seed, long long counter, double p) { \
        GRID_STRIDE(i, n) out[i] = u01(seed, counter + i) < p ? T(1) : T(0);                                       \
    }                                                                                                              \
    /* one thread per pair (i, i + 1), i even */                                                                   \
    extern "C" __global__ void rng_normal_##S_(T* out, long long n, long long seed, long long counter) {           \
        GRID_STRIDE(k, (n + 1) / 2) {                                                                              \
            long long i = 2 * k;                                                                                   \
            double u1 = 1.0 - u01(seed, counter + i), u2 = u01(seed, counter + i + 1);                             \
            double r = sqrt(-2.0 * log(u1)), s, c;                                                                 \
            sincospi(2.0 * u2, &s, &c); /* cos(2 pi u2), no large-argument reduction path */                     \
            out[i] = (T)(r * c);                                                                                   \
            if (i + 1 < n) out[i + 1] = (T)(r * s);                                                                \
        }                                                                                                          \
    }
RNG_KERNELS(f32, float)
RNG_KERNELS(f64, double)
