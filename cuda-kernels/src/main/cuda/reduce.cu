// Reductions (ReduceFn SUM / MAX) over arbitrary axes, keeping dims. The host splits the input's
// dimensions into kept ones (Idx `kept`, operand 0 = input strides) and reduced ones (Idx `red`).
// Accumulation is in double for both dtypes (float32 sums are accumulated in float64, then
// rounded once), and the order is fixed by the launch shape, which depends only on the tensor
// shape: results are deterministic (no atomics).
#include "common.cuh"

#define RBLOCK 256
#define NEG_INF __longlong_as_double(0xfff0000000000000LL)

__device__ __forceinline__ double combine(int isMax, double a, double b) {
    return isMax ? jmax(a, b) : a + b;
}

// One thread per output element, sequential over the reduced elements (small reductions).
template <typename T>
__device__ void reduce_thread_body(int isMax, T* out, const T* x, const Idx& kept, const Idx& red, long long outer, long long inner) {
    GRID_STRIDE(o, outer) {
        int base[1];
        decode<1>(kept, o, base);
        double acc = isMax ? NEG_INF : 0.0;
        for (long long j = 0; j < inner; j++) {
            int off[1];
            decode<1>(red, j, off);
            acc = combine(isMax, acc, (double)x[base[0] + off[0]]);
        }
        out[o] = (T)acc;
    }
}

// One block per (output, chunk); the chunk's elements are strided over the block's threads, then
// a fixed tree. chunks == 1: writes out[o]; else partial[o * chunks + c] (double).
template <typename T>
__device__ void reduce_block_body(int isMax, T* out, double* partial, const T* x, const Idx& kept, const Idx& red,
                                  long long inner, int chunks, long long chunkLen) {
    __shared__ double sh[RBLOCK];
    long long o = blockIdx.x / chunks;
    int c = (int)(blockIdx.x % chunks);
    int base[1];
    decode<1>(kept, o, base);
    long long lo = (long long)c * chunkLen, hi = min(inner, lo + chunkLen);
    double acc = isMax ? NEG_INF : 0.0;
    for (long long j = lo + threadIdx.x; j < hi; j += blockDim.x) {
        int off[1];
        decode<1>(red, j, off);
        acc = combine(isMax, acc, (double)x[base[0] + off[0]]);
    }
    sh[threadIdx.x] = acc;
    __syncthreads();
    for (int s = blockDim.x / 2; s > 0; s >>= 1) {
        if (threadIdx.x < s) sh[threadIdx.x] = combine(isMax, sh[threadIdx.x], sh[threadIdx.x + s]);
        __syncthreads();
    }
    if (threadIdx.x == 0) {
        if (chunks == 1) out[o] = (T)sh[0];
        else partial[o * chunks + c] = sh[0];
    }
}

// out[o] = combine over c of partial[o * chunks + c], in order.
template <typename T>
__device__ void reduce_finish_body(int isMax, T* out, const double* partial, long long outer, int chunks) {
    GRID_STRIDE(o, outer) {
        double acc = partial[o * chunks];
        for (int c = 1; c < chunks; c++) acc = combine(isMax, acc, partial[o * chunks + c]);
        out[o] = (T)acc;
    }
}



extern "C" __global__ void reduce_thread_f32(int isMax, float* out, const float* x, const Idx kept, const Idx red, long long outer, long long inner) {
    reduce_thread_body<float>(isMax, out, x, kept, red, outer, inner);
}
extern "C" __global__ void reduce_thread_f64(int isMax, double* out, const double* x, const Idx kept, const Idx red, long long outer, long long inner) {
    reduce_thread_body<double>(isMax, out, x, kept, red, outer, inner);
}
extern "C" __global__ void __launch_bounds__(RBLOCK) reduce_block_f32(int isMax, float* out, double* partial, const float* x, const Idx kept,
                                                                      const Idx red, long long inner, int chunks, long long chunkLen) {
    reduce_block_body<float>(isMax, out, partial, x, kept, red, inner, chunks, chunkLen);
}
extern "C" __global__ void __launch_bounds__(RBLOCK) reduce_block_f64(int isMax, double* out, double* partial, const double* x, const Idx kept,
                                                                      const Idx red, long long inner, int chunks, long long chunkLen) {
    reduce_block_body<double>(isMax, out, partial, x, kept, red, inner, chunks, chunkLen);
}
extern "C" __global__ void reduce_finish_f32(int isMax, float* out, const double* partial, long long outer, int chunks) {
    reduce_finish_body<float>(isMax, out, partial, outer, chunks);
}
extern "C" __global__ void reduce_finish_f64(int isMax, double* out, const double* partial, long long outer, int chunks) {
    reduce_finish_body<double>(isMax, out, partial, outer, chunks);
}
