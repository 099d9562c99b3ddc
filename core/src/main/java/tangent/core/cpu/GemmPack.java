package tangent.core.cpu;

/** Packs a K x N panel of op(B) into zero-based row arrays: bp[k][j] = op(B)(kb + k, j0 + j). */
final class GemmPack {
    private GemmPack() {}

    static void packB(float[] b, int bo, int ldb, boolean transB, int kb, int kc, int j0, int nr, float[][] bp) {
        if (!transB) {
            for (int k = 0; k < kc; k++) System.arraycopy(b, bo + (kb + k) * ldb + j0, bp[k], 0, nr);
            return;
        }
        // B stored N x K: B(k, j) = b[bo + j*ldb + k]. Transpose in 8 x 8 blocks.
        int j = 0;
        for (; j + 7 < nr; j += 8) {
            int s = bo + (j0 + j) * ldb + kb;
            for (int k = 0; k < kc; k++) {
                float[] row = bp[k];
                int p = s + k;
                row[j] = b[p];
                row[j + 1] = b[p + ldb];
                row[j + 2] = b[p + 2 * ldb];
                row[j + 3] = b[p + 3 * ldb];
                row[j + 4] = b[p + 4 * ldb];
                row[j + 5] = b[p + 5 * ldb];
                row[j + 6] = b[p + 6 * ldb];
                row[j + 7] = b[p + 7 * ldb];
            }
        }
        for (; j < nr; j++) {
            int s = bo + (j0 + j) * ldb + kb;
            for (int k = 0; k < kc; k++) bp[k][j] = b[s + k];
        }
    }

    static void packB(double[] b, int bo, int ldb, boolean transB, int kb, int kc, int j0, int nr, double[][] bp) {
        if (!transB) {
            for (int k = 0; k < kc; k++) System.arraycopy(b, bo + (kb + k) * ldb + j0, bp[k], 0, nr);
            return;
        }
        for (int j = 0; j < nr; j++) {
            int s = bo + (j0 + j) * ldb + kb;
            for (int k = 0; k < kc; k++) bp[k][j] = b[s + k];
        }
    }
}
