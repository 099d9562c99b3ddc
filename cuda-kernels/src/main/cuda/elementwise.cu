// Elementwise kernels: fill, strided copy with dtype conversion, unary (UnaryFn), binary with
// broadcasting (BinaryFn), where. Operands are strided views described by an Idx; outputs of
// unary/binary/where are compact (written at the linear index). Function codes are the Java enum
// ordinals (checked by CudaBuildTest).
#include "common.cuh"

// UnaryFn ordinals
#define U_NEG 0
#define U_SQUARE 1
#define U_EXP 2
#define U_LOG 3
#define U_SQRT 4
#define U_RSQRT 5
#define U_SIN 6
#define U_COS 7
#define U_TANH 8
#define U_SIGMOID 9
#define U_SILU 10
#define U_RELU 11
#define U_ABS 12
#define U_RECIPROCAL 13
#define U_SCALE 14
#define U_ADD_SCALAR 15
#define U_POW 16
#define U_CLAMP 17

// BinaryFn ordinals
#define B_ADD 0
#define B_SUB 1
#define B_MUL 2
#define B_DIV 3
#define B_GT 4
#define B_GE 5
#define B_LT 6
#define B_LE 7
#define B_EQ 8
#define B_SILU_BACKWARD 9

__device__ __forceinline__ double upow(double x, double p) {
    if (p == 2) return x * x;
    if (p == 1) return x;
    if (p == 3) return x * x * x;
    if (p == 0.5) return sqrt(x);
    if (p == -1) return 1.0 / x;
    return pow(x, p);
}

// float32: float math except where the CPU computes in double (pow).
__device__ __forceinline__ float unary_f(int fn, float x, float p1, float p2, double dp1) {
    switch (fn) {
        case U_NEG: return -x;
        case U_SQUARE: return x * x;
        case U_EXP: return expf(x);
        case U_LOG: return logf(x);
        case U_SQRT: return sqrtf(x);
        case U_RSQRT: return 1.0f / sqrtf(x);
        case U_SIN: return sinf(x);
        case U_COS: return cosf(x);
        case U_TANH: return tanhf(x);
        case U_SIGMOID: return 1.0f / (1.0f + expf(-x));
        case U_SILU: return x / (1.0f + expf(-x));
        case U_RELU: return x > 0.0f ? x : 0.0f;
        case U_ABS: return fabsf(x);
        case U_RECIPROCAL: return 1.0f / x;
        case U_SCALE: return p1 * x;
        case U_ADD_SCALAR: return x + p1;
        case U_POW: return p1 == 2.0f ? x * x : (float)upow((double)x, dp1);
        case U_CLAMP: { float y = x < p1 ? p1 : x; return y > p2 ? p2 : y; }  // NaN stays NaN (Java's min/max)
        default: return __int_as_float(0x7fc00000);
    }
}

__device__ __forceinline__ double unary_d(int fn, double x, double p1, double p2) {
    switch (fn) {
        case U_NEG: return -x;
        case U_SQUARE: return x * x;
        case U_EXP: return exp(x);
        case U_LOG: return log(x);
        case U_SQRT: return sqrt(x);
        case U_RSQRT: return 1.0 / sqrt(x);
        case U_SIN: return sin(x);
        case U_COS: return cos(x);
        case U_TANH: return tanh(x);
        case U_SIGMOID: { if (x >= 0) return 1.0 / (1.0 + exp(-x)); double e = exp(x); return e / (1.0 + e); }
        case U_SILU: { double s; if (x >= 0) s = 1.0 / (1.0 + exp(-x)); else { double e = exp(x); s = e / (1.0 + e); } return x * s; }
        case U_RELU: return x > 0 ? x : 0.0;
        case U_ABS: return fabs(x);
        case U_RECIPROCAL: return 1.0 / x;
        case U_SCALE: return p1 * x;
        case U_ADD_SCALAR: return x + p1;
        case U_POW: return upow(x, p1);
        case U_CLAMP: { double y = x < p1 ? p1 : x; return y > p2 ? p2 : y; }
        default: return __longlong_as_double(0x7ff8000000000000LL);
    }
}

template <typename T>
__device__ __forceinline__ T binary_op(int fn, T a, T b) {
    switch (fn) {
        case B_ADD: return a + b;
        case B_SUB: return a - b;
        case B_MUL: return a * b;
        case B_DIV: return a / b;
        case B_GT: return a > b ? T(1) : T(0);
        case B_GE: return a >= b ? T(1) : T(0);
        case B_LT: return a < b ? T(1) : T(0);
        case B_LE: return a <= b ? T(1) : T(0);
        case B_EQ: return a == b ? T(1) : T(0);
        case B_SILU_BACKWARD: {
            // b * s (1 + a (1 - s)), s = sigmoid(a); computed in double like the CPU
            double x = (double)a, s = 1.0 / (1.0 + exp(-x));
            return (T)((double)b * (s * (1.0 + x * (1.0 - s))));
        }
        default: return T(0) / T(0);
    }
}

extern "C" __global__ void fill_f32(float* y, long long n, double v) {
    float fv = (float)v;
    GRID_STRIDE(i, n) y[i] = fv;
}

extern "C" __global__ void fill_f64(double* y, long long n, double v) {
    GRID_STRIDE(i, n) y[i] = v;
}

// dst (operand 0) = src (operand 1), both strided.
#define COPY_KERNEL(NAME, S, D)                                                        \
    extern "C" __global__ void NAME(D* dst, const S* src, const Idx ix, long long n) { \
        GRID_STRIDE(i, n) {                                                            \
            int off[2];                                                                \
            decode<2>(ix, i, off);                                                     \
            dst[off[0]] = (D)src[off[1]];                                              \
        }                                                                              \
    }
COPY_KERNEL(copy_f32_f32, float, float)
COPY_KERNEL(copy_f32_f64, float, double)
COPY_KERNEL(copy_f64_f32, double, float)
COPY_KERNEL(copy_f64_f64, double, double)

// y compact; x is operand 0.
extern "C" __global__ void unary_f32(int fn, float* y, const float* x, const Idx ix, long long n, double p1, double p2) {
    float fp1 = (float)p1, fp2 = (float)p2;
    GRID_STRIDE(i, n) {
        int off[1];
        decode<1>(ix, i, off);
        y[i] = unary_f(fn, x[off[0]], fp1, fp2, p1);
    }
}

extern "C" __global__ void unary_f64(int fn, double* y, const double* x, const Idx ix, long long n, double p1, double p2) {
    GRID_STRIDE(i, n) {
        int off[1];
        decode<1>(ix, i, off);
        y[i] = unary_d(fn, x[off[0]], p1, p2);
    }
}

// y compact; a, b are operands 0 and 1.
template <typename T>
__device__ __forceinline__ void binary_body(int fn, T* y, const T* a, const T* b, const Idx& ix, long long n) {
    if (ix.rank == 1 && ix.st[0][0] == 1 && ix.st[1][0] == 1) {
        // contiguous fast path: no index arithmetic
        switch (fn) {
            case B_ADD: GRID_STRIDE(i, n) y[i] = a[i] + b[i]; return;
            case B_MUL: GRID_STRIDE(i, n) y[i] = a[i] * b[i]; return;
            default: GRID_STRIDE(i, n) y[i] = binary_op<T>(fn, a[i], b[i]); return;
        }
    }
    GRID_STRIDE(i, n) {
        int off[2];
        decode<2>(ix, i, off);
        y[i] = binary_op<T>(fn, a[off[0]], b[off[1]]);
    }
}

extern "C" __global__ void binary_f32(int fn, float* y, const float* a, const float* b, const Idx ix, long long n) {
    binary_body<float>(fn, y, a, b, ix, n);
}

extern "C" __global__ void binary_f64(int fn, double* y, const double* a, const double* b, const Idx ix, long long n) {
    binary_body<double>(fn, y, a, b, ix, n);
}

// y compact = cond != 0 ? a : b; cond, a, b are operands 0, 1, 2.
#define WHERE_KERNEL(NAME, T, C)                                                                     \
    extern "C" __global__ void NAME(T* y, const C* c, const T* a, const T* b, const Idx ix, long long n) { \
        GRID_STRIDE(i, n) {                                                                          \
            int off[3];                                                                              \
            decode<3>(ix, i, off);                                                                   \
            y[i] = c[off[0]] != C(0) ? a[off[1]] : b[off[2]];                                        \
        }                                                                                            \
    }
WHERE_KERNEL(where_f32_c32, float, float)
WHERE_KERNEL(where_f32_c64, float, double)
WHERE_KERNEL(where_f64_c32, double, float)
WHERE_KERNEL(where_f64_c64, double, double)
