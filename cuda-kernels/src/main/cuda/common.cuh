// Shared definitions for tangent's CUDA kernels (included by every module; not compiled alone).
#pragma once

// Up to 8 dimensions, up to 4 operands (for elementwise kernels: outputs and inputs).
// Passed by value as a kernel parameter; the Java side (CudaBackend.Idx) packs the same layout:
// int rank, int shape[8], int st[4][8] (element strides; 0 = broadcast).
#define MAXR 8
struct Idx {
    int rank;
    int shape[MAXR];
    int st[4][MAXR];
};

// Element offsets of linear (row-major) index i for the first NOPS operands.
template <int NOPS>
__device__ __forceinline__ void decode(const Idx& ix, long long i, int* off) {
#pragma unroll
    for (int k = 0; k < NOPS; k++) off[k] = 0;
    if (ix.rank == 1) {
#pragma unroll
        for (int k = 0; k < NOPS; k++) off[k] = (int)i * ix.st[k][0];
        return;
    }
    long long rem = i;
#pragma unroll
    for (int d = MAXR - 1; d >= 0; d--) {
        if (d < ix.rank) {
            int n = ix.shape[d];
            int c = (int)(rem % n);
            rem /= n;
#pragma unroll
            for (int k = 0; k < NOPS; k++) off[k] += c * ix.st[k][d];
        }
    }
}

#define GRID_STRIDE(i, n) \
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < (n); i += (long long)blockDim.x * gridDim.x)

// Java's Math.max: NaN wins.
__device__ __forceinline__ double jmax(double a, double b) {
    if (a != a) return a;
    if (b != b) return b;
    return a > b ? a : b;
}
