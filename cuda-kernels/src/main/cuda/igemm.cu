// conv2d as an implicit GEMM with the batch folded into the GEMM: no loop over images and no
// im2col buffer; each tile gathers its operands straight from the NCHW tensors.
//
//   forward          Y[b,o,p]   = bias[o] + sum_(c,r,s) W[o,c,r,s] X[b,c,ih,iw]      (ih = oh st - pad + r)
//                    GEMM M = O, N = B P (P = Ho Wo), K = C R S
//   dual forward     the same tile of W against X and dX: {conv(X, W) + bias, conv(dX, W)}, W read once
//   backward-input   gX[b,c,ih,iw] = sum_(o,r,s) W[o,c,r,s] gY[b,o,(ih+pad-r)/st,(iw+pad-s)/st]
//                    (terms where the division is inexact or out of range vanish); M = C, N = B H W, K = O R S
//   backward-weight  gW[o,c,r,s] = sum_(b,p) gY[b,o,p] X[b,c,ih,iw]; M = O, N = C R S, K = B P, split-K:
//                    block z sums its own K range into partial[z] (no atomics), conv_splitk_sum adds
//                    the partials in z order (deterministic)
//
// Tiles: 256 threads as 16 x 16, each owning TM rows x TN columns of the output tile
// (BM = 16 TM, BN = 16 TN), K steps of BK = 16 through shared memory, the next step's operands
// prefetched into registers while the current one is multiplied. Columns of a thread are 16 apart
// so that a warp's stores and shared-memory reads are consecutive. Operands are gathered with
// bounds and padding checks (zero outside); loads run along the operand's contiguous index.
// FP32 FFMA (float64: DFMA), accumulation in the operand type. The *_tf32 kernels (float32 data)
// multiply on the tensor cores instead: operands rounded to TF32 (cvt.rna) as they enter shared
// memory, mma.sync m16n8k8 with float32 accumulation; the 8 warps of a block as 2 x 4, each
// owning a 32 x 32 piece of the 64 x 128 tile (2 x 4 mma tiles).
#include "common.cuh"

// Packed by the host (CudaBackend.convShape) in this order.
struct ConvShape {
    int B, C, H, W, O, KH, KW, Ho, Wo, stride, pad;
};

#define BK 16
#define NT 256

// a float rounded to TF32 (10-bit mantissa, round to nearest, ties away), kept in a float
__device__ __forceinline__ float to_tf32(float x) {
    unsigned r;
    asm("cvt.rna.tf32.f32 %0, %1;" : "=r"(r) : "f"(x));
    return __uint_as_float(r);
}

// c += a b for one m16n8k8 tile: a (16 x 8, row-major fragment), b (8 x 8, column fragment), TF32
// operands, float32 accumulators. Fragments per lane (g = lane / 4, t = lane % 4):
// a0 (g, t), a1 (g + 8, t), a2 (g, t + 4), a3 (g + 8, t + 4); b0 (t, g), b1 (t + 4, g);
// c0 (g, 2t), c1 (g, 2t + 1), c2 (g + 8, 2t), c3 (g + 8, 2t + 1).
__device__ __forceinline__ void mma_tf32(float* c, float a0, float a1, float a2, float a3, float b0, float b1) {
    asm volatile("mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};"
                 : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
                 : "r"(__float_as_uint(a0)), "r"(__float_as_uint(a1)), "r"(__float_as_uint(a2)), "r"(__float_as_uint(a3)),
                   "r"(__float_as_uint(b0)), "r"(__float_as_uint(b1)));
}

// X[b, c, oh st - pad + r, ow st - pad + s], 0 in the padding.
template <typename T>
__device__ __forceinline__ T x_at(const T* __restrict__ x, const ConvShape& cs, int b, int c, int oh, int ow, int r, int s) {
    int ih = oh * cs.stride - cs.pad + r, iw = ow * cs.stride - cs.pad + s;
    if ((unsigned)ih >= (unsigned)cs.H || (unsigned)iw >= (unsigned)cs.W) return T(0);
    return x[((long long)b * cs.C + c) * cs.H * cs.W + (long long)ih * cs.W + iw];
}

// A (M x K) of each mode at (m, k); k < kEnd and m < M checked by the caller.
template <typename T, int MODE>
__device__ __forceinline__ T load_a(const T* __restrict__ a, const ConvShape& cs, int m, int k) {
    const int RS = cs.KH * cs.KW;
    if (MODE == 0) return a[(long long)m * cs.C * RS + k];                    // W as (O, C R S)
    if (MODE == 1) {                                                          // W[o, m, rs], k = (o, rs)
        int o = k / RS, rs = k - o * RS;
        return a[((long long)o * cs.C + m) * RS + rs];
    }
    const int P = cs.Ho * cs.Wo;                                              // gY[b, m, p], k = (b, p)
    int b = k / P, p = k - b * P;
    return a[((long long)b * cs.O + m) * P + p];
}

// B (K x N) of each mode at (k, n).
template <typename T, int MODE>
__device__ __forceinline__ T load_b(const T* __restrict__ src, const ConvShape& cs, int k, int n) {
    const int RS = cs.KH * cs.KW;
    if (MODE == 0) {                                                          // n = (b, oh, ow), k = (c, r, s)
        const int P = cs.Ho * cs.Wo;
        int b = n / P, p = n - b * P, oh = p / cs.Wo, ow = p - oh * cs.Wo;
        int c = k / RS, rs = k - c * RS, r = rs / cs.KW, s = rs - r * cs.KW;
        return x_at(src, cs, b, c, oh, ow, r, s);
    }
    if (MODE == 1) {                                                          // n = (b, ih, iw), k = (o, r, s)
        const int HW = cs.H * cs.W;
        int b = n / HW, q = n - b * HW, ih = q / cs.W, iw = q - ih * cs.W;
        int o = k / RS, rs = k - o * RS, r = rs / cs.KW, s = rs - r * cs.KW;
        int th = ih + cs.pad - r, tw = iw + cs.pad - s;
        if (th < 0 || tw < 0) return T(0);
        int oh = th / cs.stride, ow = tw / cs.stride;
        if (oh * cs.stride != th || ow * cs.stride != tw || oh >= cs.Ho || ow >= cs.Wo) return T(0);
        return src[((long long)b * cs.O + o) * cs.Ho * cs.Wo + (long long)oh * cs.Wo + ow];
    }
    const int P = cs.Ho * cs.Wo;                                              // k = (b, oh, ow), n = (c, r, s)
    int b = k / P, p = k - b * P, oh = p / cs.Wo, ow = p - oh * cs.Wo;
    int c = n / RS, rs = n - c * RS, r = rs / cs.KW, s = rs - r * cs.KW;
    return x_at(src, cs, b, c, oh, ow, r, s);
}

// acc += a b for mma tile (mi, ni) of a warp's 2 x 4, its fragment registers held in
// acc[2 mi + r / 2][2 ni + r % 2] (r = 0..3, the m16n8k8 accumulator order)
template <typename Acc>
__device__ __forceinline__ void mma_into(Acc& acc, int mi, int ni, const float* af, float b0, float b1) {
    float c[4] = {acc[2 * mi][2 * ni], acc[2 * mi][2 * ni + 1], acc[2 * mi + 1][2 * ni], acc[2 * mi + 1][2 * ni + 1]};
    mma_tf32(c, af[0], af[1], af[2], af[3], b0, b1);
    acc[2 * mi][2 * ni] = c[0];
    acc[2 * mi][2 * ni + 1] = c[1];
    acc[2 * mi + 1][2 * ni] = c[2];
    acc[2 * mi + 1][2 * ni + 1] = c[3];
}

// MODE 0 forward (out = Y, out2 = dY when DUAL), 1 backward-input (out = gX), 2 backward-weight
// (out = gW, or partial[z] when gridDim.z > 1). a: W (modes 0, 1) or gY (mode 2); src: X (modes
// 0, 2) or gY (mode 1); src2: dX (DUAL). kChunk: the K range of each z (a multiple of BK).
// TC: tensor cores (float, TM = 4, TN = 8 only); the accumulator acc[i][j] then holds the element
// of mma tile (i / 2, j / 2), fragment register 2 (i % 2) + j % 2 of this lane.
template <typename T, int MODE, int TM, int TN, bool DUAL, bool TC = false>
__device__ __forceinline__ void conv_gemm(T* __restrict__ out, T* __restrict__ out2, const T* __restrict__ a,
                                          const T* __restrict__ src, const T* __restrict__ src2, const T* __restrict__ bias,
                                          const ConvShape& cs, int kChunk) {
    constexpr int BM = 16 * TM, BN = 16 * TN;
    constexpr int APT = BM * BK / NT, BPT = BN * BK / NT;  // elements each thread loads per K step
    // B's contiguous index: n for modes 0 and 1 (pixels), k for mode 2 (pixels too)
    constexpr bool B_N_FAST = MODE != 2;
    const int RS = cs.KH * cs.KW;
    const int M = MODE == 1 ? cs.C : cs.O;
    const int N = MODE == 0 ? cs.B * cs.Ho * cs.Wo : MODE == 1 ? cs.B * cs.H * cs.W : cs.C * RS;
    const int K = MODE == 0 ? cs.C * RS : MODE == 1 ? cs.O * RS : cs.B * cs.Ho * cs.Wo;

    __shared__ T As[BK][BM + 1];
    __shared__ T Bs[BK][BN + 1];
    __shared__ T Bs2[DUAL ? BK : 1][DUAL ? BN + 1 : 1];

    const int tid = threadIdx.x, tx = tid & 15, ty = tid >> 4;
    const int m0 = blockIdx.y * BM, n0 = blockIdx.x * BN;
    const int kBeg = blockIdx.z * kChunk, kEnd = min(K, kBeg + kChunk);

    T ra[APT], rb[BPT], rb2[DUAL ? BPT : 1];
    T acc[TM][TN], acc2[DUAL ? TM : 1][DUAL ? TN : 1];
#pragma unroll
    for (int i = 0; i < TM; i++)
#pragma unroll
        for (int j = 0; j < TN; j++) {
            acc[i][j] = T(0);
            if (DUAL) acc2[i][j] = T(0);
        }

    auto fetch = [&](int k0) {
#pragma unroll
        for (int j = 0; j < APT; j++) {
            int e = tid + j * NT, kk = e % BK, mm = e / BK;
            int m = m0 + mm, k = k0 + kk;
            ra[j] = m < M && k < kEnd ? load_a<T, MODE>(a, cs, m, k) : T(0);
        }
#pragma unroll
        for (int j = 0; j < BPT; j++) {
            int e = tid + j * NT;
            int kk = B_N_FAST ? e / BN : e % BK, nn = B_N_FAST ? e % BN : e / BK;
            int n = n0 + nn, k = k0 + kk;
            bool in = n < N && k < kEnd;
            rb[j] = in ? load_b<T, MODE>(src, cs, k, n) : T(0);
            if (DUAL) rb2[j] = in ? load_b<T, MODE>(src2, cs, k, n) : T(0);
        }
    };

    if (kBeg < kEnd) fetch(kBeg);
    for (int k0 = kBeg; k0 < kEnd; k0 += BK) {
        __syncthreads();  // the previous step's readers are done
#pragma unroll
        for (int j = 0; j < APT; j++) {
            int e = tid + j * NT;
            As[e % BK][e / BK] = TC ? (T)to_tf32((float)ra[j]) : ra[j];
        }
#pragma unroll
        for (int j = 0; j < BPT; j++) {
            int e = tid + j * NT;
            int kk = B_N_FAST ? e / BN : e % BK, nn = B_N_FAST ? e % BN : e / BK;
            Bs[kk][nn] = TC ? (T)to_tf32((float)rb[j]) : rb[j];
            if (DUAL) Bs2[kk][nn] = TC ? (T)to_tf32((float)rb2[j]) : rb2[j];
        }
        __syncthreads();
        if (k0 + BK < kEnd) fetch(k0 + BK);
        if constexpr (TC) {
            static_assert(TM == 4 && TN == 8, "the tensor-core path covers 64 x 128 tiles");
            const int lane = tid & 31, g = lane >> 2, t = lane & 3, wm = (tid >> 5) & 1, wn = tid >> 6;
#pragma unroll
            for (int ks = 0; ks < BK; ks += 8) {
                float af[2][4], bf[4][2], bf2[DUAL ? 4 : 1][2];
#pragma unroll
                for (int mi = 0; mi < 2; mi++) {
                    const int r = wm * 32 + mi * 16 + g;
                    af[mi][0] = As[ks + t][r];
                    af[mi][1] = As[ks + t][r + 8];
                    af[mi][2] = As[ks + t + 4][r];
                    af[mi][3] = As[ks + t + 4][r + 8];
                }
#pragma unroll
                for (int ni = 0; ni < 4; ni++) {
                    const int c = wn * 32 + ni * 8 + g;
                    bf[ni][0] = Bs[ks + t][c];
                    bf[ni][1] = Bs[ks + t + 4][c];
                    if (DUAL) {
                        bf2[ni][0] = Bs2[ks + t][c];
                        bf2[ni][1] = Bs2[ks + t + 4][c];
                    }
                }
#pragma unroll
                for (int mi = 0; mi < 2; mi++)
#pragma unroll
                    for (int ni = 0; ni < 4; ni++) {
                        mma_into(acc, mi, ni, af[mi], bf[ni][0], bf[ni][1]);
                        if constexpr (DUAL) mma_into(acc2, mi, ni, af[mi], bf2[ni][0], bf2[ni][1]);
                    }
            }
        } else {
#pragma unroll
            for (int kk = 0; kk < BK; kk++) {
                T av[TM], bv[TN];
#pragma unroll
                for (int i = 0; i < TM; i++) av[i] = As[kk][ty * TM + i];
#pragma unroll
                for (int j = 0; j < TN; j++) bv[j] = Bs[kk][tx + 16 * j];
#pragma unroll
                for (int i = 0; i < TM; i++)
#pragma unroll
                    for (int j = 0; j < TN; j++) acc[i][j] = fma(av[i], bv[j], acc[i][j]);
                if (DUAL) {
#pragma unroll
                    for (int j = 0; j < TN; j++) bv[j] = Bs2[kk][tx + 16 * j];
#pragma unroll
                    for (int i = 0; i < TM; i++)
#pragma unroll
                        for (int j = 0; j < TN; j++) acc2[i][j] = fma(av[i], bv[j], acc2[i][j]);
                }
            }
        }
    }

#pragma unroll
    for (int i = 0; i < TM; i++) {
        const int m = TC ? m0 + ((tid >> 5) & 1) * 32 + (i >> 1) * 16 + (i & 1) * 8 + ((tid & 31) >> 2) : m0 + ty * TM + i;
        if (m >= M) continue;
        const T bm = MODE == 0 && bias ? bias[m] : T(0);
#pragma unroll
        for (int j = 0; j < TN; j++) {
            const int n = TC ? n0 + (tid >> 6) * 32 + (j >> 1) * 8 + 2 * (tid & 3) + (j & 1) : n0 + tx + 16 * j;
            if (n >= N) continue;
            if (MODE == 0) {
                const int P = cs.Ho * cs.Wo, b = n / P, p = n - b * P;
                const long long o = ((long long)b * cs.O + m) * P + p;
                out[o] = acc[i][j] + bm;
                if (DUAL) out2[o] = acc2[i][j];
            } else if (MODE == 1) {
                const int HW = cs.H * cs.W, b = n / HW, q = n - b * HW;
                out[((long long)b * cs.C + m) * HW + q] = acc[i][j];
            } else {
                out[(long long)blockIdx.z * M * N + (long long)m * N + n] = acc[i][j];
            }
        }
    }
}

// Tile shapes: float32 4 x 8 per thread (64 x 128 tiles), float64 4 x 4 (64 x 64).
#define CONV_KERNELS(S_, T, TN_)                                                                                             \
    extern "C" __global__ void __launch_bounds__(NT) conv_fwd_##S_(T* y, const T* w, const T* x, const T* bias,              \
                                                                   const ConvShape cs) {                                     \
        conv_gemm<T, 0, 4, TN_, false>(y, nullptr, w, x, nullptr, bias, cs, 1 << 30);                                        \
    }                                                                                                                        \
    extern "C" __global__ void __launch_bounds__(NT) conv_dual_##S_(T* y, T* dy, const T* w, const T* x, const T* dx,        \
                                                                    const T* bias, const ConvShape cs) {                     \
        conv_gemm<T, 0, 4, TN_, true>(y, dy, w, x, dx, bias, cs, 1 << 30);                                                   \
    }                                                                                                                        \
    extern "C" __global__ void __launch_bounds__(NT) conv_bwd_input_##S_(T* gx, const T* w, const T* gy, const ConvShape cs) { \
        conv_gemm<T, 1, 4, TN_, false>(gx, nullptr, w, gy, nullptr, nullptr, cs, 1 << 30);                                   \
    }                                                                                                                        \
    extern "C" __global__ void __launch_bounds__(NT) conv_bwd_weight_##S_(T* gw, const T* gy, const T* x, const ConvShape cs, \
                                                                          int kChunk) {                                      \
        conv_gemm<T, 2, 4, TN_, false>(gw, nullptr, gy, x, nullptr, nullptr, cs, kChunk);                                    \
    }                                                                                                                        \
    /* out[i] = sum_z partial[z mn + i], z ascending, in double */                                                           \
    extern "C" __global__ void conv_splitk_sum_##S_(T* out, const T* partial, int splits, long long mn) {                   \
        GRID_STRIDE(i, mn) {                                                                                                 \
            double s = 0.0;                                                                                                  \
            for (int z = 0; z < splits; z++) s += (double)partial[(long long)z * mn + i];                                    \
            out[i] = (T)s;                                                                                                   \
        }                                                                                                                    \
    }
CONV_KERNELS(f32, float, 8)
CONV_KERNELS(f64, double, 4)

// Tensor cores (TF32 operands, float32 accumulation): float32 data, 64 x 128 tiles.
extern "C" __global__ void __launch_bounds__(NT) conv_fwd_tf32(float* y, const float* w, const float* x, const float* bias,
                                                              const ConvShape cs) {
    conv_gemm<float, 0, 4, 8, false, true>(y, nullptr, w, x, nullptr, bias, cs, 1 << 30);
}
extern "C" __global__ void __launch_bounds__(NT) conv_dual_tf32(float* y, float* dy, const float* w, const float* x,
                                                               const float* dx, const float* bias, const ConvShape cs) {
    conv_gemm<float, 0, 4, 8, true, true>(y, dy, w, x, dx, bias, cs, 1 << 30);
}
extern "C" __global__ void __launch_bounds__(NT) conv_bwd_input_tf32(float* gx, const float* w, const float* gy,
                                                                    const ConvShape cs) {
    conv_gemm<float, 1, 4, 8, false, true>(gx, nullptr, w, gy, nullptr, nullptr, cs, 1 << 30);
}
extern "C" __global__ void __launch_bounds__(NT) conv_bwd_weight_tf32(float* gw, const float* gy, const float* x,
                                                                     const ConvShape cs, int kChunk) {
    conv_gemm<float, 2, 4, 8, false, true>(gw, nullptr, gy, x, nullptr, nullptr, cs, kChunk);
}
