// Activations with their tangents: silu forward + JVP in one launch, softmax with its JVP and VJP,
// and the ResBlock modulation y = s g + b (s, b per (sample, channel)) with its tangent.
//
// silu: s = sigmoid(x), y = x s, silu'(x) = s (1 + x (1 - s)), dy = dx silu'(x); computed in
// double for float32 too (one exp per element, the expressions of CpuBackend.siluForwardJvp).
//
// softmax over n, the input viewed as (outer, n, inner) (attention: the last axis, inner = 1):
//   y = exp(x - max) / sum exp(x - max),  dy = y (dx - sum y dx),  gx = y (gy - sum y gy).
// One warp per row; sums in double.
#include "common.cuh"

template <typename T>
__device__ __forceinline__ void silu_one(T xv, T dxv, T* y, T* dy, T* der, long long i) {
    double v = (double)xv, d = 1.0 + exp(-v), s = 1.0 / d, g = s * (1.0 + v * (1.0 - s));
    y[i] = (T)(v / d);
    dy[i] = (T)((double)dxv * g);
    if (der) der[i] = (T)g;
}

// x, dx, y, dy, der: compact, n elements; der may be null.
extern "C" __global__ void silu_jvp_f32(float* __restrict__ y, float* __restrict__ dy, float* __restrict__ der,
                                        const float* __restrict__ x, const float* __restrict__ dx, long long n) {
    // 16-byte loads over the first n - n % 4 elements when x and dx are 16-byte aligned
    long long n4 = ((reinterpret_cast<unsigned long long>(x) | reinterpret_cast<unsigned long long>(dx)) & 15) ? 0 : n >> 2;
    const float4* x4 = reinterpret_cast<const float4*>(x);
    const float4* dx4 = reinterpret_cast<const float4*>(dx);
    GRID_STRIDE(j, n4) {
        float4 a = x4[j], t = dx4[j];
        long long i = j << 2;
        silu_one<float>(a.x, t.x, y, dy, der, i);
        silu_one<float>(a.y, t.y, y, dy, der, i + 1);
        silu_one<float>(a.z, t.z, y, dy, der, i + 2);
        silu_one<float>(a.w, t.w, y, dy, der, i + 3);
    }
    for (long long i = (n4 << 2) + (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long)blockDim.x * gridDim.x)
        silu_one<float>(x[i], dx[i], y, dy, der, i);
}

extern "C" __global__ void silu_jvp_f64(double* __restrict__ y, double* __restrict__ dy, double* __restrict__ der,
                                        const double* __restrict__ x, const double* __restrict__ dx, long long n) {
    GRID_STRIDE(i, n) silu_one<double>(x[i], dx[i], y, dy, der, i);
}

__device__ __forceinline__ float exp_t(float v) { return expf(v); }
__device__ __forceinline__ double exp_t(double v) { return exp(v); }

// y = softmax(x) and, when dx is given, dy = y (dx - sum y dx). One warp per row of the
// (outer, n, inner) view.
template <typename T>
__device__ void softmax_body(T* __restrict__ y, T* __restrict__ dy, const T* __restrict__ x, const T* __restrict__ dx,
                             long long rows, int n, int inner) {
    const int lane = threadIdx.x & 31;
    const long long warps = (long long)gridDim.x * (blockDim.x >> 5);
    for (long long row = (long long)blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5); row < rows; row += warps) {
        const long long b0 = (row / inner) * (long long)n * inner + row % inner;
        double m = __longlong_as_double(0xfff0000000000000LL);
        for (int i = lane; i < n; i += 32) m = jmax(m, (double)x[b0 + (long long)i * inner]);
#pragma unroll
        for (int o = 16; o > 0; o >>= 1) m = jmax(m, __shfl_xor_sync(0xffffffffu, m, o));
        const T mt = (T)m;
        double acc[1] = {0.0};
        for (int i = lane; i < n; i += 32) acc[0] += (double)exp_t(x[b0 + (long long)i * inner] - mt);
        warp_sum<1>(acc);
        const T sum = (T)acc[0];
        double yd[1] = {0.0};  // sum y dx
        for (int i = lane; i < n; i += 32) {
            const long long o = b0 + (long long)i * inner;
            const T e = exp_t(x[o] - mt) / sum;
            y[o] = e;
            if (dx) yd[0] += (double)e * (double)dx[o];
        }
        if (!dy) continue;
        warp_sum<1>(yd);
        const T s = (T)yd[0];
        // each lane reads back the y it wrote itself
        for (int i = lane; i < n; i += 32) {
            const long long o = b0 + (long long)i * inner;
            dy[o] = y[o] * (dx[o] - s);
        }
    }
}

// gx = y (gy - sum y gy) over each row.
template <typename T>
__device__ void softmax_vjp_body(T* __restrict__ gx, const T* __restrict__ y, const T* __restrict__ gy, long long rows, int n,
                                 int inner) {
    const int lane = threadIdx.x & 31;
    const long long warps = (long long)gridDim.x * (blockDim.x >> 5);
    for (long long row = (long long)blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5); row < rows; row += warps) {
        const long long b0 = (row / inner) * (long long)n * inner + row % inner;
        double acc[1] = {0.0};
        for (int i = lane; i < n; i += 32) acc[0] += (double)y[b0 + (long long)i * inner] * (double)gy[b0 + (long long)i * inner];
        warp_sum<1>(acc);
        const T s = (T)acc[0];
        for (int i = lane; i < n; i += 32) {
            const long long o = b0 + (long long)i * inner;
            gx[o] = y[o] * (gy[o] - s);
        }
    }
}

// Modulation of the ResBlock, g: (B, C, S) compact, s and b: (B, C) compact:
//   y = s g + b,  dy = ds g + s dg + db   (dy only when dg, ds, db are given; each may be null = 0)
// and with a residual r (B, C, S) or null: y += r, dy += dr.
template <typename T>
__device__ void modulate_body(T* __restrict__ y, T* __restrict__ dy, const T* __restrict__ g, const T* __restrict__ dg,
                              const T* __restrict__ s, const T* __restrict__ ds, const T* __restrict__ b,
                              const T* __restrict__ db, const T* __restrict__ r, const T* __restrict__ dr, long long n, int S) {
    GRID_STRIDE(i, n) {
        const long long bc = i / S;
        const T gv = g[i], sv = s[bc];
        T v = sv * gv + b[bc];
        if (r) v += r[i];
        y[i] = v;
        if (dy) {
            T t = (ds ? ds[bc] * gv : T(0)) + (dg ? sv * dg[i] : T(0)) + (db ? db[bc] : T(0));
            if (dr) t += dr[i];
            dy[i] = t;
        }
    }
}

#define ACT_KERNELS(S_, T)                                                                                                 \
    extern "C" __global__ void softmax_fwd_##S_(T* y, T* dy, const T* x, const T* dx, long long rows, int n, int inner) {  \
        softmax_body<T>(y, dy, x, dx, rows, n, inner);                                                                      \
    }                                                                                                                      \
    extern "C" __global__ void softmax_vjp_##S_(T* gx, const T* y, const T* gy, long long rows, int n, int inner) {        \
        softmax_vjp_body<T>(gx, y, gy, rows, n, inner);                                                                     \
    }                                                                                                                      \
    extern "C" __global__ void modulate_##S_(T* y, T* dy, const T* g, const T* dg, const T* s, const T* ds, const T* b,    \
                                             const T* db, const T* r, const T* dr, long long n, int S) {                   \
        modulate_body<T>(y, dy, g, dg, s, ds, b, db, r, dr, n, S);                                                          \
    }
ACT_KERNELS(f32, float)
ACT_KERNELS(f64, double)
