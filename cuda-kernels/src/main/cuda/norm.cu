// Normalisations with their tangents and cotangents: group_norm and pixel_norm.
//
// group_norm. x: (B, C, S) compact, G groups of cpg = C/G channels, n = cpg S elements per
// (sample, group); per group mu = mean x, r = (mean (x - mu)^2 + eps)^(-1/2), xhat = (x - mu) r,
// y = gamma xhat + beta (gamma, beta: (C), either may be absent: null).
//   tangent:   dy = gamma r (dx - mean dx - xhat mean(xhat dx)) + dgamma xhat + dbeta
//   cotangent: gh = gamma gy; gx = r (gh - mean gh - xhat mean(gh xhat)),
//              ggamma[c] = sum_(b, s) gy xhat,  gbeta[c] = sum_(b, s) gy
// One block per (sample, group). The forward reads the group once for its statistics (sums of
// d = x - x0, d^2, dx and dx d in double, shifted by the group's first element x0), then once more
// (from L2) to write y, dy and {mu, r}. The backward takes the saved {mu, r}: per channel the sums
// of gy and gy xhat (block reductions), then gx; the per-(sample, channel) sums go to a float64
// buffer that group_norm_colsum adds over the samples in a fixed order (deterministic, no atomics).
//
// pixel_norm. v viewed as (outer, n, inner), normalised over n: r = (mean v^2 + eps)^(-1/2),
//   y = v r,  dy = r dv - v r^3 mean(v dv),  gv = r gy - v r^3 mean(v gy).
// One warp per row (outer x inner rows); the UNet's rows are (B, cout) with inner = 1.
#include "common.cuh"

template <typename T>
__device__ void gn_forward(T* __restrict__ y, T* __restrict__ dy, T* __restrict__ mean, T* __restrict__ rstd,
                           const T* __restrict__ x, const T* __restrict__ dx, const T* __restrict__ gamma,
                           const T* __restrict__ beta, const T* __restrict__ dgamma, const T* __restrict__ dbeta,
                           int C, int S, int G, double eps) {
    const int bg = blockIdx.x, g = bg % G, cpg = C / G;
    const int n = cpg * S;
    const long long base = (long long)bg * n;
    const T* xg = x + base;
    const T* dxg = dx ? dx + base : nullptr;
    const double x0 = (double)xg[0];
    double acc[4] = {0.0, 0.0, 0.0, 0.0};  // sum d, sum d^2, sum dx, sum dx d
    for (int i = threadIdx.x; i < n; i += blockDim.x) {
        double d = (double)xg[i] - x0;
        acc[0] += d;
        acc[1] += d * d;
        if (dxg) {
            double t = (double)dxg[i];
            acc[2] += t;
            acc[3] += t * d;
        }
    }
    block_sum<4>(acc);
    const double sd = acc[0] / n;
    const double mu = x0 + sd;
    const double var = fmax(0.0, (acc[1] - acc[0] * sd) / n);
    const double r = 1.0 / sqrt(var + eps);
    const double dmu = acc[2] / n;
    const double cross = r * (acc[3] - sd * acc[2]) / n;  // mean(xhat dx)
    if (threadIdx.x == 0 && mean) {
        mean[bg] = (T)mu;
        rstd[bg] = (T)r;
    }
    T* yg = y ? y + base : nullptr;
    T* dyg = dy ? dy + base : nullptr;
    for (int i = threadIdx.x; i < n; i += blockDim.x) {
        const int ch = g * cpg + i / S;
        const double gm = gamma ? (double)gamma[ch] : 1.0;
        const T xc = centred(xg[i], mu);
        const double A = gm * r;
        if (yg) yg[i] = xc * (T)A + (T)(beta ? (double)beta[ch] : 0.0);
        if (dyg) {
            // dy = A dx + Bc (x - mu) + Cc
            double Bc = (dgamma ? (double)dgamma[ch] : 0.0) * r - gm * r * r * cross;
            double Cc = (dbeta ? (double)dbeta[ch] : 0.0) - A * dmu;
            T t = dxg ? dxg[i] : T(0);
            dyg[i] = (T)A * t + (T)Bc * xc + (T)Cc;
        }
    }
}

// pg, pb: (B, C) float64 partial sums of gy xhat and gy per (sample, channel), or null.
template <typename T>
__device__ void gn_backward(T* __restrict__ gx, double* __restrict__ pg, double* __restrict__ pb, const T* __restrict__ x,
                            const T* __restrict__ gamma, const T* __restrict__ mean, const T* __restrict__ rstd,
                            const T* __restrict__ gy, int C, int S, int G) {
    const int bg = blockIdx.x, b = bg / G, g = bg % G, cpg = C / G;
    const int n = cpg * S;
    const long long base = (long long)bg * n;
    const T* xg = x + base;
    const T* gyg = gy + base;
    const double mu = (double)mean[bg], r = (double)rstd[bg];
    double sg = 0.0, sgx = 0.0;  // sum gh, sum gh xhat over the group
    for (int k = 0; k < cpg; k++) {
        const int ch = g * cpg + k;
        double acc[2] = {0.0, 0.0};
        for (int s = threadIdx.x; s < S; s += blockDim.x) {
            double t = (double)gyg[k * S + s];
            acc[0] += t;
            acc[1] += t * (double)centred(xg[k * S + s], mu);
        }
        block_sum<2>(acc);
        acc[1] *= r;
        if (threadIdx.x == 0) {
            if (pb) pb[(long long)b * C + ch] = acc[0];
            if (pg) pg[(long long)b * C + ch] = acc[1];
        }
        const double gm = gamma ? (double)gamma[ch] : 1.0;
        sg += gm * acc[0];
        sgx += gm * acc[1];
    }
    if (!gx) return;
    const T mg = (T)(sg / n), mgx = (T)(sgx / n), rt = (T)r;
    T* gxg = gx + base;
    for (int i = threadIdx.x; i < n; i += blockDim.x) {
        const int ch = g * cpg + i / S;
        const T gm = gamma ? gamma[ch] : T(1);
        const T xhat = centred(xg[i], mu) * rt;
        gxg[i] = rt * (gm * gyg[i] - mg - xhat * mgx);
    }
}

#define GN_KERNELS(S_, T)                                                                                                   \
    extern "C" __global__ void group_norm_fwd_##S_(T* y, T* dy, T* mean, T* rstd, const T* x, const T* dx, const T* gamma,   \
                                                   const T* beta, const T* dgamma, const T* dbeta, int C, int S, int G,       \
                                                   double eps) {                                                             \
        gn_forward<T>(y, dy, mean, rstd, x, dx, gamma, beta, dgamma, dbeta, C, S, G, eps);                                    \
    }                                                                                                                        \
    extern "C" __global__ void group_norm_bwd_##S_(T* gx, double* pg, double* pb, const T* x, const T* gamma, const T* mean,  \
                                                   const T* rstd, const T* gy, int C, int S, int G) {                        \
        gn_backward<T>(gx, pg, pb, x, gamma, mean, rstd, gy, C, S, G);                                                        \
    }                                                                                                                        \
    /* out[c] = sum_b p[b * cols + c], b ascending */                                                                         \
    extern "C" __global__ void group_norm_colsum_##S_(T* out, const double* p, int rows, int cols) {                         \
        GRID_STRIDE(c, cols) {                                                                                               \
            double s = 0.0;                                                                                                  \
            for (int b = 0; b < rows; b++) s += p[(long long)b * cols + c];                                                  \
            out[c] = (T)s;                                                                                                   \
        }                                                                                                                    \
    }
GN_KERNELS(f32, float)
GN_KERNELS(f64, double)

// Row `row` of the (outer, n, inner) view: element i is at rowBase + i * inner.
__device__ __forceinline__ long long pn_base(long long row, int n, int inner) {
    return (row / inner) * (long long)n * inner + row % inner;
}

// y = v r (and dy = r dv - v r^3 mean(v dv) when dv is given); rstd[row] = r. One warp per row.
template <typename T>
__device__ void pn_forward(T* __restrict__ y, T* __restrict__ dy, T* __restrict__ rstd, const T* __restrict__ v,
                           const T* __restrict__ dv, long long rows, int n, int inner, double eps) {
    const int lane = threadIdx.x & 31;
    const long long warps = (long long)gridDim.x * (blockDim.x >> 5);
    for (long long row = (long long)blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5); row < rows; row += warps) {
        const long long b0 = pn_base(row, n, inner);
        double acc[2] = {0.0, 0.0};  // sum v^2, sum v dv
        for (int i = lane; i < n; i += 32) {
            double a = (double)v[b0 + (long long)i * inner];
            acc[0] += a * a;
            if (dv) acc[1] += a * (double)dv[b0 + (long long)i * inner];
        }
        warp_sum<2>(acc);
        const double r = 1.0 / sqrt(acc[0] / n + eps);
        const T rt = (T)r, c = (T)(r * r * r * acc[1] / n);
        if (lane == 0 && rstd) rstd[row] = rt;
        for (int i = lane; i < n; i += 32) {
            const long long o = b0 + (long long)i * inner;
            const T a = v[o];
            y[o] = a * rt;
            if (dy) dy[o] = rt * dv[o] - a * c;
        }
    }
}

// gv = r gy - v r^3 mean(v gy), r from the forward.
template <typename T>
__device__ void pn_backward(T* __restrict__ gv, const T* __restrict__ v, const T* __restrict__ rstd, const T* __restrict__ gy,
                            long long rows, int n, int inner) {
    const int lane = threadIdx.x & 31;
    const long long warps = (long long)gridDim.x * (blockDim.x >> 5);
    for (long long row = (long long)blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5); row < rows; row += warps) {
        const long long b0 = pn_base(row, n, inner);
        double acc[1] = {0.0};
        for (int i = lane; i < n; i += 32) acc[0] += (double)v[b0 + (long long)i * inner] * (double)gy[b0 + (long long)i * inner];
        warp_sum<1>(acc);
        const double r = (double)rstd[row];
        const T rt = (T)r, c = (T)(r * r * r * acc[0] / n);
        for (int i = lane; i < n; i += 32) {
            const long long o = b0 + (long long)i * inner;
            gv[o] = rt * gy[o] - v[o] * c;
        }
    }
}

#define PN_KERNELS(S_, T)                                                                                                  \
    extern "C" __global__ void pixel_norm_fwd_##S_(T* y, T* dy, T* rstd, const T* v, const T* dv, long long rows, int n,    \
                                                   int inner, double eps) {                                                 \
        pn_forward<T>(y, dy, rstd, v, dv, rows, n, inner, eps);                                                              \
    }                                                                                                                       \
    extern "C" __global__ void pixel_norm_bwd_##S_(T* gv, const T* v, const T* rstd, const T* gy, long long rows, int n,    \
                                                   int inner) {                                                             \
        pn_backward<T>(gv, v, rstd, gy, rows, n, inner);                                                                     \
    }
PN_KERNELS(f32, float)
PN_KERNELS(f64, double)
