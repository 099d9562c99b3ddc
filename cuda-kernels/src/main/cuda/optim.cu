// Fused optimizer and EMA updates (one launch per parameter tensor), in place on compact tensors.
// Arithmetic in double like the CPU loops of tangent.nn.optim (float32 storage rounds once per write).
#include "common.cuh"

// The Adam family, one element at a time (mode 0: Adam; 1: RAdam rectified; 2: RAdam unrectified):
//   p0 = p; pd = p0 * decay; g = g + l2 * p0
//   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
//   mode 0: p = pd - a * m / (sqrt(v) / c + eps)        a = lr / bc1, c = sqrt(bc2)
//   mode 1: p = pd - a * (m / bc1) * r * c / (sqrt(v) + eps)   a = lr, c = sqrt(bc2)
//   mode 2: p = pd - a * (m / bc1)                     a = lr
template <typename T>
__device__ __forceinline__ void adam_one(T* p, const T* g, T* m, T* v, long long i, int mode, double decay, double l2, double b1,
                                         double b2, double a, double c, double eps, double bc1, double r) {
    double p0 = (double)p[i];
    double pd = p0 * decay;
    double gi = (double)g[i] + l2 * p0;
    double mi = b1 * (double)m[i] + (1 - b1) * gi;
    double vi = b2 * (double)v[i] + (1 - b2) * gi * gi;
    m[i] = (T)mi;
    v[i] = (T)vi;
    double np;
    if (mode == 0) np = pd - a * mi / (sqrt(vi) / c + eps);
    else if (mode == 1) np = pd - a * (mi / bc1) * r * c / (sqrt(vi) + eps);
    else np = pd - a * (mi / bc1);
    p[i] = (T)np;
}

extern "C" __global__ void adam_update_f32(float* p, const float* g, float* m, float* v, long long n, int mode, double decay,
                                           double l2, double b1, double b2, double a, double c, double eps, double bc1, double r) {
    GRID_STRIDE(i, n) adam_one<float>(p, g, m, v, i, mode, decay, l2, b1, b2, a, c, eps, bc1, r);
}

extern "C" __global__ void adam_update_f64(double* p, const double* g, double* m, double* v, long long n, int mode, double decay,
                                           double l2, double b1, double b2, double a, double c, double eps, double bc1, double r) {
    GRID_STRIDE(i, n) adam_one<double>(p, g, m, v, i, mode, decay, l2, b1, b2, a, c, eps, bc1, r);
}

// EMA: s = beta s + (1 - beta) p
extern "C" __global__ void ema_update_f32(float* s, const float* p, long long n, double beta) {
    GRID_STRIDE(i, n) s[i] = (float)(beta * (double)s[i] + (1 - beta) * (double)p[i]);
}

extern "C" __global__ void ema_update_f64(double* s, const double* p, long long n, double beta) {
    GRID_STRIDE(i, n) s[i] = beta * s[i] + (1 - beta) * p[i];
}
