package tangent.core.cpu;

/**
 * Batched matrix products on raw row-major arrays: for each batch index b,
 * C[b] (M x N) = op(A[b]) (M x K) * op(B[b]) (K x N)  (+ C[b] when accumulate).
 *
 * <p>Layouts: when !transA, A(i, k) = a[aOff + b*aBatch + i*lda + k]; when transA, A is stored
 * K x M and A(i, k) = a[aOff + b*aBatch + k*lda + i]. Likewise for B (stored K x N, or N x K when
 * transB). C(i, j) = c[cOff + b*cBatch + i*ldc + j]. A batch stride of 0 broadcasts that operand.
 *
 * <p>When accumulate is true the complete product sum is formed first and then added to C.
 *
 * <p>float32 implementation (see {@link GemmF32}): C is split into independent output tiles that
 * run in parallel; each tile packs B panels into row arrays and runs a row-times-panel micro-kernel
 * that C2 auto-vectorises. Every element's K sum is formed by one thread in a fixed order (groups of
 * four consecutive k, then the K % 4 tail), so results do not depend on the thread count or on the
 * tile shape chosen.
 *
 * <p>When the JVM runs with {@code --add-modules jdk.incubator.vector} (and {@code -Dtangent.simd}
 * is not {@code false}), float32 tiles use Vector API register-blocked micro-kernels instead (see
 * {@link GemmSimd}); each element is then the sequential FMA chain over k, again independent of
 * threads and tiling. Without the module the pure-Java kernels run automatically. The two paths
 * round differently (FMA vs separate multiply and add). {@link #f32Kernels()} says which is in use.
 */
public final class Gemm {
    private Gemm() {}

    public static void sgemm(int batch, boolean transA, boolean transB, int M, int N, int K,
                             float[] a, int aOff, int aBatch, int lda,
                             float[] b, int bOff, int bBatch, int ldb,
                             float[] c, int cOff, int cBatch, int ldc, boolean accumulate) {
        GemmF32.gemm(batch, transA, transB, M, N, K, a, aOff, aBatch, lda, b, bOff, bBatch, ldb,
                c, cOff, cBatch, ldc, accumulate);
    }

    /** Which float32 kernels {@link #sgemm} (and the float32 convolutions) use, with the reason. */
    public static String f32Kernels() {
        return (GemmF32.simd ? "vector: " : "pure Java: ") + SimdSupport.REASON;
    }

    public static void dgemm(int batch, boolean transA, boolean transB, int M, int N, int K,
                             double[] a, int aOff, int aBatch, int lda,
                             double[] b, int bOff, int bBatch, int ldb,
                             double[] c, int cOff, int cBatch, int ldc, boolean accumulate) {
        GemmF64.gemm(batch, transA, transB, M, N, K, a, aOff, aBatch, lda, b, bOff, bBatch, ldb,
                c, cOff, cBatch, ldc, accumulate);
    }
}
