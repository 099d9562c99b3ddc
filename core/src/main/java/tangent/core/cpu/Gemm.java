package tangent.core.cpu;

/**
 * Batched matrix products on raw row-major arrays: for each batch index b,
 * C[b] (M x N) = op(A[b]) (M x K) * op(B[b]) (K x N)  (+ C[b] when accumulate).
 *
 * <p>Layouts: when !transA, A(i, k) = a[aOff + b*aBatch + i*lda + k]; when transA, A is stored
 * K x M and A(i, k) = a[aOff + b*aBatch + k*lda + i]. Likewise for B (stored K x N, or N x K when
 * transB). C(i, j) = c[cOff + b*cBatch + i*ldc + j]. A batch stride of 0 broadcasts that operand.
 */
public final class Gemm {
    private Gemm() {}

    public static void sgemm(int batch, boolean transA, boolean transB, int M, int N, int K,
                             float[] a, int aOff, int aBatch, int lda,
                             float[] b, int bOff, int bBatch, int ldb,
                             float[] c, int cOff, int cBatch, int ldc, boolean accumulate) {
        Parallel.forRange(batch * M, Math.max(1, 4096 / Math.max(1, N * K / 64 + 1)), (lo, hi) -> {
            float[] row = new float[N];
            for (int r = lo; r < hi; r++) {
                int bi = r / M, i = r % M;
                int ao = aOff + bi * aBatch, bo = bOff + bi * bBatch, co = cOff + bi * cBatch + i * ldc;
                java.util.Arrays.fill(row, 0f);
                for (int k = 0; k < K; k++) {
                    float av = transA ? a[ao + k * lda + i] : a[ao + i * lda + k];
                    if (av == 0f) continue;
                    if (!transB) {
                        int bRow = bo + k * ldb;
                        for (int j = 0; j < N; j++) row[j] += av * b[bRow + j];
                    } else {
                        for (int j = 0; j < N; j++) row[j] += av * b[bo + j * ldb + k];
                    }
                }
                if (accumulate) for (int j = 0; j < N; j++) c[co + j] += row[j];
                else System.arraycopy(row, 0, c, co, N);
            }
        });
    }

    public static void dgemm(int batch, boolean transA, boolean transB, int M, int N, int K,
                             double[] a, int aOff, int aBatch, int lda,
                             double[] b, int bOff, int bBatch, int ldb,
                             double[] c, int cOff, int cBatch, int ldc, boolean accumulate) {
        Parallel.forRange(batch * M, Math.max(1, 4096 / Math.max(1, N * K / 64 + 1)), (lo, hi) -> {
            double[] row = new double[N];
            for (int r = lo; r < hi; r++) {
                int bi = r / M, i = r % M;
                int ao = aOff + bi * aBatch, bo = bOff + bi * bBatch, co = cOff + bi * cBatch + i * ldc;
                java.util.Arrays.fill(row, 0d);
                for (int k = 0; k < K; k++) {
                    double av = transA ? a[ao + k * lda + i] : a[ao + i * lda + k];
                    if (av == 0d) continue;
                    if (!transB) {
                        int bRow = bo + k * ldb;
                        for (int j = 0; j < N; j++) row[j] += av * b[bRow + j];
                    } else {
                        for (int j = 0; j < N; j++) row[j] += av * b[bo + j * ldb + k];
                    }
                }
                if (accumulate) for (int j = 0; j < N; j++) c[co + j] += row[j];
                else System.arraycopy(row, 0, c, co, N);
            }
        });
    }
}
