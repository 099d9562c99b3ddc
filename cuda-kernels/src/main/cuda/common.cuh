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

// Sums N doubles over the block (blockDim.x a multiple of 32, at most 1024); every thread receives
// the totals. Fixed order (butterfly within warps, then the warps' sums in warp order): the result
// depends only on the launch shape, not on timing.
template <int N>
__device__ __forceinline__ void block_sum(double* v) {
    __shared__ double sh[N][32];
    int lane = threadIdx.x & 31, w = threadIdx.x >> 5, nw = blockDim.x >> 5;
#pragma unroll
    for (int j = 0; j < N; j++)
#pragma unroll
        for (int o = 16; o > 0; o >>= 1) v[j] += __shfl_xor_sync(0xffffffffu, v[j], o);
    __syncthreads();  // an earlier call's readers are done with sh
    if (lane == 0)
#pragma unroll
        for (int j = 0; j < N; j++) sh[j][w] = v[j];
    __syncthreads();
#pragma unroll
    for (int j = 0; j < N; j++) {
        double t = lane < nw ? sh[j][lane] : 0.0;
#pragma unroll
        for (int o = 16; o > 0; o >>= 1) t += __shfl_xor_sync(0xffffffffu, t, o);
        v[j] = t;
    }
}

// Sums N doubles over the warp (butterfly); every lane receives the totals.
template <int N>
__device__ __forceinline__ void warp_sum(double* v) {
#pragma unroll
    for (int j = 0; j < N; j++)
#pragma unroll
        for (int o = 16; o > 0; o >>= 1) v[j] += __shfl_xor_sync(0xffffffffu, v[j], o);
}

// x - mu, with mu given in double. float32: mu split into a float head and tail, so that x - head
// is exact for x near mu and a large mean does not cost the centred value its precision (as the
// CPU kernels compute it).
__device__ __forceinline__ float centred(float x, double mu) {
    float mf = (float)mu, ml = (float)(mu - (double)mf);
    return (x - mf) - ml;
}
__device__ __forceinline__ double centred(double x, double mu) { return x - mu; }
