// Convolution helpers (the products run on gemm.cu) and 2x image resampling. Images are NCHW,
// compact. col is the im2col matrix per image: (C * kh * kw, Ho * Wo), row index c * kh * kw +
// ki * kw + kj, column ho * Wo + wo; images of a chunk are consecutive.
#include "common.cuh"

// col[b][r][p] = x[b][c][ho*stride - pad + ki][wo*stride - pad + kj] (0 outside), nb images.
template <typename T>
__device__ void im2col_body(T* col, const T* x, int nb, int C, int H, int W, int kh, int kw, int stride, int pad, int Ho, int Wo) {
    long long P = (long long)Ho * Wo, R = (long long)C * kh * kw;
    long long n = (long long)nb * R * P;
    GRID_STRIDE(i, n) {
        int p = (int)(i % P);
        long long t = i / P;
        int r = (int)(t % R);
        int b = (int)(t / R);
        int kj = r % kw, ki = (r / kw) % kh, c = r / (kw * kh);
        int wo = p % Wo, ho = p / Wo;
        int h = ho * stride - pad + ki, w = wo * stride - pad + kj;
        col[i] = (h >= 0 && h < H && w >= 0 && w < W) ? x[(((long long)b * C + c) * H + h) * W + w] : T(0);
    }
}

// gx[b][c][h][w] = sum over (ki, kj) with h = ho*stride - pad + ki, w = wo*stride - pad + kj of
// col[b][c*kh*kw + ki*kw + kj][ho*Wo + wo]: a gather in a fixed order (deterministic, no atomics).
template <typename T>
__device__ void col2im_body(T* gx, const T* col, int nb, int C, int H, int W, int kh, int kw, int stride, int pad, int Ho, int Wo) {
    long long P = (long long)Ho * Wo, R = (long long)C * kh * kw;
    long long n = (long long)nb * C * H * W;
    GRID_STRIDE(i, n) {
        int w = (int)(i % W);
        long long t = i / W;
        int h = (int)(t % H);
        t /= H;
        int c = (int)(t % C);
        int b = (int)(t / C);
        const T* cb = col + (long long)b * R * P;
        T acc = T(0);
        for (int ki = 0; ki < kh; ki++) {
            int hs = h + pad - ki;
            if (hs < 0 || hs % stride != 0) continue;
            int ho = hs / stride;
            if (ho >= Ho) continue;
            for (int kj = 0; kj < kw; kj++) {
                int ws = w + pad - kj;
                if (ws < 0 || ws % stride != 0) continue;
                int wo = ws / stride;
                if (wo >= Wo) continue;
                acc += cb[((long long)c * kh * kw + ki * kw + kj) * P + (long long)ho * Wo + wo];
            }
        }
        gx[i] = acc;
    }
}

// y (planes, 2h, 2w) = x (planes, h, w) repeated 2x2.
template <typename T>
__device__ void upsample2x_body(T* y, const T* x, long long planes, int h, int w) {
    long long n = planes * 4 * h * w;
    GRID_STRIDE(i, n) {
        int j = (int)(i % (2 * w));
        long long t = i / (2 * w);
        int r = (int)(t % (2 * h));
        long long p = t / (2 * h);
        y[i] = x[(p * h + r / 2) * w + j / 2];
    }
}

// y (planes, h, w) = sum of 2x2 blocks of x (planes, 2h, 2w), added in double in the CPU's order.
template <typename T>
__device__ void sumpool2x_body(T* y, const T* x, long long planes, int h, int w) {
    long long n = planes * h * w;
    GRID_STRIDE(i, n) {
        int j = (int)(i % w);
        long long t = i / w;
        int r = (int)(t % h);
        long long p = t / h;
        long long r0 = (p * 2 * h + 2 * r) * 2 * w + 2 * j, r1 = r0 + 2 * w;
        y[i] = (T)((((double)x[r0] + (double)x[r0 + 1]) + (double)x[r1]) + (double)x[r1 + 1]);
    }
}

#define CONV_KERNELS(S, T)                                                                                        \
    extern "C" __global__ void im2col_##S(T* col, const T* x, int nb, int C, int H, int W, int kh, int kw, int stride, \
                                          int pad, int Ho, int Wo) {                                            \
        im2col_body<T>(col, x, nb, C, H, W, kh, kw, stride, pad, Ho, Wo);                                       \
    }                                                                                                           \
    extern "C" __global__ void col2im_##S(T* gx, const T* col, int nb, int C, int H, int W, int kh, int kw, int stride, \
                                          int pad, int Ho, int Wo) {                                            \
        col2im_body<T>(gx, col, nb, C, H, W, kh, kw, stride, pad, Ho, Wo);                                      \
    }                                                                                                           \
    extern "C" __global__ void upsample2x_##S(T* y, const T* x, long long planes, int h, int w) {               \
        upsample2x_body<T>(y, x, planes, h, w);                                                                 \
    }                                                                                                           \
    extern "C" __global__ void sumpool2x_##S(T* y, const T* x, long long planes, int h, int w) {                \
        sumpool2x_body<T>(y, x, planes, h, w);                                                                  \
    }
CONV_KERNELS(f32, float)
CONV_KERNELS(f64, double)
