// Batched GEMM: C[z] (M x N, row-major, ldc = N) = op(A[z]) op(B[z]) for z = blockIdx.z, with
// op(A)(m, k) = TA ? A[k * lda + m] : A[m * lda + k] and op(B)(k, n) = TB ? B[n * ldb + k] : B[k * ldb + n].
// A batch stride of 0 broadcasts a rank-2 operand. Tiled in shared memory: a 256-thread block
// computes a 128 x 128 tile of C, each thread an 8 x 8 register block (rows ty*4 + {0..3} and
// 64 + ty*4 + {0..3}, likewise columns), K in steps of 8 with the next step's tile prefetched into
// registers. float32 accumulates in float (FFMA, no tensor cores); float64 uses the same kernel.
#include "common.cuh"

#define BM 128
#define BN 128
#define BK 8

template <typename T, bool TA, bool TB>
__device__ __forceinline__ void gemm_body(int M, int N, int K, const T* __restrict__ A, int lda, long long sA,
                                          const T* __restrict__ B, int ldb, long long sB, T* __restrict__ C, long long sC) {
    __shared__ __align__(16) T As[BK][BM + 4];
    __shared__ __align__(16) T Bs[BK][BN + 4];
    const int tid = threadIdx.x;
    const long long z = blockIdx.z;
    A += z * sA;
    B += z * sB;
    C += z * sC;
    const int m0 = blockIdx.y * BM, n0 = blockIdx.x * BN;
    const int tx = tid & 15, ty = tid >> 4;

    T acc[8][8];
#pragma unroll
    for (int i = 0; i < 8; i++)
#pragma unroll
        for (int j = 0; j < 8; j++) acc[i][j] = T(0);

    T ra[4], rb[4];
    // Global -> registers for the tile starting at k0.
#define LOAD_TILES(k0)                                                                      \
    {                                                                                       \
        if (!TA) {                                                                          \
            int m = m0 + (tid >> 1), kk = (k0) + (tid & 1) * 4;                             \
            _Pragma("unroll") for (int i = 0; i < 4; i++)                                   \
                ra[i] = (m < M && kk + i < K) ? A[(long long)m * lda + kk + i] : T(0);     \
        } else {                                                                            \
            int kk = (k0) + (tid >> 5), m = m0 + (tid & 31) * 4;                            \
            _Pragma("unroll") for (int i = 0; i < 4; i++)                                   \
                ra[i] = (kk < K && m + i < M) ? A[(long long)kk * lda + m + i] : T(0);     \
        }                                                                                   \
        if (!TB) {                                                                          \
            int kk = (k0) + (tid >> 5), n = n0 + (tid & 31) * 4;                            \
            _Pragma("unroll") for (int i = 0; i < 4; i++)                                   \
                rb[i] = (kk < K && n + i < N) ? B[(long long)kk * ldb + n + i] : T(0);     \
        } else {                                                                            \
            int n = n0 + (tid >> 1), kk = (k0) + (tid & 1) * 4;                             \
            _Pragma("unroll") for (int i = 0; i < 4; i++)                                   \
                rb[i] = (n < N && kk + i < K) ? B[(long long)n * ldb + kk + i] : T(0);     \
        }                                                                                   \
    }
    // Registers -> shared, as As[k][m] and Bs[k][n].
#define STORE_TILES()                                                                                  \
    {                                                                                                  \
        if (!TA) {                                                                                     \
            _Pragma("unroll") for (int i = 0; i < 4; i++) As[(tid & 1) * 4 + i][tid >> 1] = ra[i];     \
        } else {                                                                                       \
            _Pragma("unroll") for (int i = 0; i < 4; i++) As[tid >> 5][(tid & 31) * 4 + i] = ra[i];    \
        }                                                                                              \
        if (!TB) {                                                                                     \
            _Pragma("unroll") for (int i = 0; i < 4; i++) Bs[tid >> 5][(tid & 31) * 4 + i] = rb[i];    \
        } else {                                                                                       \
            _Pragma("unroll") for (int i = 0; i < 4; i++) Bs[(tid & 1) * 4 + i][tid >> 1] = rb[i];     \
        }                                                                                              \
    }

    LOAD_TILES(0);
    STORE_TILES();
    __syncthreads();
    for (int k0 = 0; k0 < K; k0 += BK) {
        const bool more = k0 + BK < K;
        if (more) LOAD_TILES(k0 + BK);
#pragma unroll
        for (int kk = 0; kk < BK; kk++) {
            T fa[8], fb[8];
#pragma unroll
            for (int i = 0; i < 4; i++) {
                fa[i] = As[kk][ty * 4 + i];
                fa[i + 4] = As[kk][64 + ty * 4 + i];
                fb[i] = Bs[kk][tx * 4 + i];
                fb[i + 4] = Bs[kk][64 + tx * 4 + i];
            }
#pragma unroll
            for (int i = 0; i < 8; i++)
#pragma unroll
                for (int j = 0; j < 8; j++) acc[i][j] += fa[i] * fb[j];
        }
        __syncthreads();
        if (more) {
            STORE_TILES();
            __syncthreads();
        }
    }
#undef LOAD_TILES
#undef STORE_TILES

#pragma unroll
    for (int i = 0; i < 8; i++) {
        int m = m0 + (i < 4 ? ty * 4 + i : 64 + ty * 4 + i - 4);
        if (m >= M) continue;
#pragma unroll
        for (int j = 0; j < 8; j++) {
            int n = n0 + (j < 4 ? tx * 4 + j : 64 + tx * 4 + j - 4);
            if (n < N) C[(long long)m * N + n] = acc[i][j];
        }
    }
}

#define GEMM_KERNEL(NAME, T, TA, TB)                                                                        \
    extern "C" __global__ void __launch_bounds__(256) NAME(int M, int N, int K, const T* A, int lda, long long sA, \
                                                           const T* B, int ldb, long long sB, T* C, long long sC) { \
        gemm_body<T, TA, TB>(M, N, K, A, lda, sA, B, ldb, sB, C, sC);                                       \
    }
GEMM_KERNEL(gemm_f32_nn, float, false, false)
GEMM_KERNEL(gemm_f32_nt, float, false, true)
GEMM_KERNEL(gemm_f32_tn, float, true, false)
GEMM_KERNEL(gemm_f32_tt, float, true, true)
GEMM_KERNEL(gemm_f64_nn, double, false, false)
GEMM_KERNEL(gemm_f64_nt, double, false, true)
GEMM_KERNEL(gemm_f64_tn, double, true, false)
GEMM_KERNEL(gemm_f64_tt, double, true, true)
