package tangent.core.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Checks {@link Gemm} against a float64 triple loop.
 *
 * <p>Tolerance per element: |c - ref| <= 2 * (K + 2) * u * sum_k |A(i,k) B(k,j)| (+ |C0| for
 * accumulate), u = 2^-24 for float32 and 2^-53 for float64 — the standard worst-case bound for a
 * K-term recursive sum, doubled. Memory between rows (ldc > N) and outside the written range must
 * stay untouched.
 *
 * <p>float32 tests run on both kernel paths: the pure-Java kernels and, when the JVM has
 * {@code jdk.incubator.vector} (surefire adds it), the Vector API kernels ({@link GemmSimd}, FMA
 * chain). Both are checked against the same float64 bound; each must be bit-identical across tilings
 * and scheduling on its own (they differ from each other by rounding).
 */
class GemmTest {

    interface Body {
        void run() throws Exception;
    }

    /** Runs body with the pure-Java kernels, then with the SIMD kernels when available. */
    static void bothPaths(Body body) throws Exception {
        boolean saved = GemmF32.simd;
        try {
            GemmF32.simd = false;
            body.run();
            if (SimdSupport.AVAILABLE) {
                GemmF32.simd = true;
                body.run();
            }
        } finally {
            GemmF32.simd = saved;
        }
    }

    /** Path tag for failure messages. */
    static String path() {
        return GemmF32.simd ? "[simd] " : "[java] ";
    }

    /** One problem: shapes, strides, offsets. */
    record Case(int batch, boolean tA, boolean tB, int M, int N, int K, int aOff, int aBatch, int lda,
                int bOff, int bBatch, int ldb, int cOff, int cBatch, int ldc, boolean acc) {
        static Case of(Random r, int batch, boolean tA, boolean tB, int M, int N, int K,
                       boolean bcastA, boolean bcastB, boolean acc) {
            int lda = (tA ? M : K) + r.nextInt(3), ldb = (tB ? K : N) + r.nextInt(3), ldc = N + r.nextInt(3);
            int aSz = (tA ? K : M) * lda, bSz = (tB ? N : K) * ldb, cSz = M * ldc;
            return new Case(batch, tA, tB, M, N, K, r.nextInt(5), bcastA ? 0 : aSz + r.nextInt(3), lda,
                    r.nextInt(5), bcastB ? 0 : bSz + r.nextInt(3), ldb, r.nextInt(5), cSz + r.nextInt(3), ldc, acc);
        }

        int aLen() { return aOff + (batch - 1) * aBatch + (tA ? K : M) * lda + 3; }
        int bLen() { return bOff + (batch - 1) * bBatch + (tB ? N : K) * ldb + 3; }
        int cLen() { return cOff + (batch - 1) * cBatch + M * ldc + 3; }
        double a(double[] a, int bi, int i, int k) { return a[aOff + bi * aBatch + (tA ? k * lda + i : i * lda + k)]; }
        double b(double[] b, int bi, int k, int j) { return b[bOff + bi * bBatch + (tB ? j * ldb + k : k * ldb + j)]; }
        int c(int bi, int i, int j) { return cOff + bi * cBatch + i * ldc + j; }
    }

    static double[] rand(Random r, int n) {
        double[] x = new double[n];
        for (int i = 0; i < n; i++) x[i] = (float) (r.nextDouble() * 2 - 1);
        return x;
    }

    static float[] toF(double[] x) {
        float[] f = new float[x.length];
        for (int i = 0; i < x.length; i++) f[i] = (float) x[i];
        return f;
    }

    /** Runs one case in both precisions and checks them. */
    static void check(Case t, Random r) {
        double[] a = rand(r, t.aLen()), b = rand(r, t.bLen()), c0 = rand(r, t.cLen());
        float[] cf = toF(c0);
        double[] cd = c0.clone();
        Gemm.sgemm(t.batch, t.tA, t.tB, t.M, t.N, t.K, toF(a), t.aOff, t.aBatch, t.lda, toF(b), t.bOff, t.bBatch, t.ldb,
                cf, t.cOff, t.cBatch, t.ldc, t.acc);
        Gemm.dgemm(t.batch, t.tA, t.tB, t.M, t.N, t.K, a, t.aOff, t.aBatch, t.lda, b, t.bOff, t.bBatch, t.ldb,
                cd, t.cOff, t.cBatch, t.ldc, t.acc);
        boolean[] written = new boolean[c0.length];
        for (int bi = 0; bi < t.batch; bi++)
            for (int i = 0; i < t.M; i++)
                for (int j = 0; j < t.N; j++) {
                    double s = 0, abs = 0;
                    for (int k = 0; k < t.K; k++) {
                        double p = t.a(a, bi, i, k) * t.b(b, bi, k, j);
                        s += p;
                        abs += Math.abs(p);
                    }
                    int ci = t.c(bi, i, j);
                    if (t.acc) {
                        s += c0[ci];
                        abs += Math.abs(c0[ci]);
                    }
                    written[ci] = true;
                    double tolF = 2.0 * (t.K + 2) * 0x1p-24 * abs + 1e-30;
                    double tolD = 2.0 * (t.K + 2) * 0x1p-53 * abs + 1e-300;
                    if (Math.abs(cf[ci] - s) > tolF || Math.abs(cd[ci] - s) > tolD)
                        fail(path() + t + " at b=" + bi + " i=" + i + " j=" + j + ": ref " + s + " f32 " + cf[ci] + " f64 " + cd[ci]);
                }
        for (int p = 0; p < c0.length; p++)
            if (!written[p]) {
                assertEquals((float) c0[p], cf[p], "f32 wrote outside C at " + p + " " + t);
                assertEquals(c0[p], cd[p], "f64 wrote outside C at " + p + " " + t);
            }
    }

    @Test
    void smallAndOddShapesAllTransposes() throws Exception {
        bothPaths(() -> {
            Random r = new Random(42);
            int[][] shapes = {{1, 1, 1}, {1, 7, 3}, {5, 1, 4}, {3, 5, 1}, {17, 33, 9}, {37, 53, 29}, {64, 16, 64},
                    {13, 100, 7}, {70, 19, 261}, {2, 600, 5}, {65, 530, 258}};
            for (int[] s : shapes)
                for (int tA = 0; tA < 2; tA++)
                    for (int tB = 0; tB < 2; tB++)
                        for (int acc = 0; acc < 2; acc++)
                            check(Case.of(r, 1, tA == 1, tB == 1, s[0], s[1], s[2], false, false, acc == 1), r);
        });
    }

    @Test
    void batchedWithBroadcastAndOffsets() throws Exception {
        bothPaths(() -> {
            Random r = new Random(7);
            for (int trial = 0; trial < 40; trial++) {
                int batch = 1 + r.nextInt(4);
                check(Case.of(r, batch, r.nextBoolean(), r.nextBoolean(), 1 + r.nextInt(40), 1 + r.nextInt(70),
                        1 + r.nextInt(50), r.nextInt(3) == 0, r.nextInt(3) == 0, r.nextBoolean()), r);
            }
        });
    }

    @Test
    void zeroK() throws Exception {
        bothPaths(() -> {
            float[] c = {5f, 6f};
            Gemm.sgemm(1, false, false, 1, 2, 0, new float[0], 0, 0, 0, new float[0], 0, 0, 2, c, 0, 0, 2, true);
            assertEquals(5f, c[0]);
            Gemm.sgemm(1, false, false, 1, 2, 0, new float[0], 0, 0, 0, new float[0], 0, 0, 2, c, 0, 0, 2, false);
            assertEquals(0f, c[1]);
        });
    }

    /** Tile shape and thread placement must not change a single bit. */
    @Test
    void bitIdenticalForAnyTiling() throws Exception {
        bothPaths(() -> {
            Random r = new Random(3);
            int M = 150, N = 700, K = 531;
            for (boolean tB : new boolean[] {false, true}) {
                float[] a = toF(rand(r, M * K)), b = toF(rand(r, K * N));
                float[] ref = new float[M * N];
                Gemm.sgemm(1, false, tB, M, N, K, a, 0, 0, K, b, 0, 0, tB ? K : N, ref, 0, 0, N, false);
                int[][] tilings = {{64, 512}, {8, 16}, {1, 48}, {33, 272}, {64, 96}, {13, 40}, {6, 64}};
                for (int[] t : tilings) {
                    float[] c = new float[M * N];
                    GemmF32.gemmTiled(t[0], t[1], 1, false, tB, M, N, K, a, 0, 0, K, b, 0, 0, tB ? K : N, c, 0, 0, N, false);
                    assertTrue(Arrays.equals(ref, c), path() + "tiling " + Arrays.toString(t));
                }
                // From inside another fork-join pool the tile choice differs (no per-thread splitting).
                float[] c2 = new float[M * N];
                java.util.concurrent.ForkJoinPool.commonPool().submit(() ->
                        Gemm.sgemm(1, false, tB, M, N, K, a, 0, 0, K, b, 0, 0, tB ? K : N, c2, 0, 0, N, false)).get();
                assertTrue(Arrays.equals(ref, c2));
            }
        });
    }

    /**
     * Small products (GemmSmall on the vector path: M, K <= 128, panels of op(B) three to four vectors wide):
     * bit-identical to the tiled kernels and to the scalar FMA chain, with accumulate, broadcast
     * operands and every transpose pair.
     */
    @Test
    void smallBatchedMatchesTheTiledKernelsBitForBit() {
        SimdPathsTest.assumeVectorPath();
        boolean saved = GemmF32.simd;
        try {
            GemmF32.simd = true;
            Random r = new Random(9);
            // {M, N, K, batch}
            int[][] shapes = {{49, 49, 64, 3}, {64, 49, 49, 3}, {1, 64, 1, 3}, {7, 50, 128, 3}, {128, 61, 3, 3}, {13, 53, 37, 3},
                    {32, 128, 128, 1}, {32, 128, 128, 2}, {128, 128, 32, 1}, {32, 64, 128, 1}, {5, 251, 17, 1}, {40, 192, 100, 2}};
            for (int[] sh : shapes)
                for (int form = 0; form < 8; form++) {
                    boolean tA = (form & 1) != 0, tB = (form & 2) != 0, acc = (form & 4) != 0;
                    int M = sh[0], N = sh[1], K = sh[2];
                    if (tA && sh[3] == 1) continue; // single transposed-A products keep the tiled kernels
                    assertTrue(GemmSmall.applies(sh[3], tA, M, N, K), Arrays.toString(sh));
                    Case t = Case.of(r, sh[3], tA, tB, M, N, K, form == 1 && sh[3] > 1, form == 6 && sh[3] > 1, acc);
                    float[] a = toF(rand(r, t.aLen())), b = toF(rand(r, t.bLen())), c0 = toF(rand(r, t.cLen()));
                    float[] c = c0.clone(), ref = c0.clone();
                    GemmSmall.gemm(t.batch(), tA, tB, M, N, K, a, t.aOff(), t.aBatch(), t.lda(), b, t.bOff(), t.bBatch(), t.ldb(),
                            c, t.cOff(), t.cBatch(), t.ldc(), acc);
                    GemmF32.gemmTiled(Math.min(M, 64), 64, t.batch(), tA, tB, M, N, K, a, t.aOff(), t.aBatch(), t.lda(),
                            b, t.bOff(), t.bBatch(), t.ldb(), ref, t.cOff(), t.cBatch(), t.ldc(), acc);
                    assertTrue(Arrays.equals(ref, c), t.toString());
                }
        } finally {
            GemmF32.simd = saved;
        }
    }

    /** The SIMD path's per-element order is exactly c = fma(A(i,k), B(k,j), c) for k = 0..K-1. */
    @Test
    void simdIsTheSequentialFmaChain() {
        SimdPathsTest.assumeVectorPath();
        boolean saved = GemmF32.simd;
        try {
            GemmF32.simd = true;
            Random r = new Random(5);
            int[][] shapes = {{13, 45, 300}, {64, 530, 261}, {7, 3, 1}};
            for (int[] sh : shapes)
                for (boolean tA : new boolean[] {false, true}) {
                    int M = sh[0], N = sh[1], K = sh[2];
                    float[] a = toF(rand(r, M * K)), b = toF(rand(r, K * N)), c = new float[M * N];
                    Gemm.sgemm(1, tA, false, M, N, K, a, 0, 0, tA ? M : K, b, 0, 0, N, c, 0, 0, N, false);
                    for (int i = 0; i < M; i++)
                        for (int j = 0; j < N; j++) {
                            float s = 0f;
                            for (int k = 0; k < K; k++) s = Math.fma(tA ? a[k * M + i] : a[i * K + k], b[k * N + j], s);
                            assertEquals(Float.floatToRawIntBits(s), Float.floatToRawIntBits(c[i * N + j]),
                                    "M=" + M + " N=" + N + " K=" + K + " tA=" + tA + " at " + i + "," + j);
                        }
                }
        } finally {
            GemmF32.simd = saved;
        }
    }
}
