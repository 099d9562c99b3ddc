package tangent.scm.eval;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tangent.core.DType;
import tangent.core.Rng;
import tangent.core.Tensor;
import tangent.nn.Classifier;
import tangent.scm.data.FashionMnist;
import tangent.scm.metrics.FrechetDistance;
import tangent.scm.metrics.FrechetDistance.Gaussian;

class FrechetEvalTest {
    @TempDir
    Path tmp;

    private static float[] signed(byte[] u8) {
        return FashionMnist.toSignedUnit(u8, u8.length);
    }

    private static float[] perturb(float[] x, double sigma, long seed) {
        double[] z = new Rng(seed).normalArray(x.length);
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i++) y[i] = (float) Math.max(-1, Math.min(1, x[i] + sigma * z[i]));
        return y;
    }

    @Test
    void selfDistanceIsZeroAndGrowsWithPerturbation() {
        int n = 400;
        FrechetEval fe = new FrechetEval(new Classifier(11), null);
        float[] x = signed(TinyFashion.images(n, TinyFashion.labels(n), 3));
        Gaussian g = fe.fit(x, n);
        assertEquals(0.0, FrechetDistance.distance(g, g), 1e-6 * (1 + trace(g)));
        double prev = 0;
        for (double sigma : new double[] {0.05, 0.2, 0.5}) {
            double fd = FrechetDistance.distance(fe.fit(perturb(x, sigma, 9), n), g);
            assertTrue(fd > prev, "FD at sigma " + sigma + " = " + fd + " not above " + prev);
            prev = fd;
        }
    }

    private static double trace(Gaussian g) {
        double t = 0;
        for (int i = 0; i < g.d(); i++) t += g.cov()[i * g.d() + i];
        return t;
    }

    @Test
    void batchedFeaturesMatchSingleImages() {
        int n = FrechetEval.BATCH + 37;
        Classifier c = new Classifier(4);
        FrechetEval fe = new FrechetEval(c, null);
        float[] x = signed(TinyFashion.images(n, TinyFashion.labels(n), 5));
        float[] f = fe.features(x, n);
        assertEquals(n * Classifier.FEATURES, f.length);
        for (int i : new int[] {0, FrechetEval.BATCH - 1, FrechetEval.BATCH, n - 1}) {
            float[] xi = new float[784];
            System.arraycopy(x, i * 784, xi, 0, 784);
            float[] fi = c.features(Tensor.of(xi, 1, 1, 28, 28)).toFloatArray();
            for (int j = 0; j < fi.length; j++) assertEquals(fi[j], f[i * 128 + j], 1e-4f * (1 + Math.abs(fi[j])));
        }
        // tensor entry point, (N, 28, 28) and (N, 1, 28, 28) alike
        Tensor t = Tensor.of(x, n, 28, 28);
        assertArrayEquals(f, fe.features(t));
        assertThrows(IllegalArgumentException.class, () -> fe.features(new Rng(0).normal(DType.F32, 2, 3, 28, 28)));
    }

    @Test
    void testStatisticsFloorAndCacheOnTinyDataset() throws Exception {
        Path dir = TinyFashion.write(tmp.resolve("fm"), 300, 200);
        FrechetEval fe = new FrechetEval(new Classifier(2), dir);
        FashionMnist.Dataset test = FashionMnist.load(dir, FashionMnist.Split.TEST);
        assertEquals(0.0, fe.fd(test.images(), test.n()), 1e-6);
        double floor = fe.floor();
        assertTrue(floor > 0 && Double.isFinite(floor), "floor " + floor);
        assertSame(fe.testStatistics(), fe.testStatistics());
        assertEquals(floor, fe.floor());
        // noise images are far from the test set, much farther than the floor
        float[] noise = toF(new Rng(1).uniformArray(200 * 784, -1, 1));
        assertTrue(fe.fd(noise, 200) > 5 * floor);
    }

    @Test
    void perClassFdOnTinyDataset() throws Exception {
        Path dir = TinyFashion.write(tmp.resolve("fm"), 300, 200);
        FrechetEval fe = new FrechetEval(new Classifier(2), dir);
        FashionMnist.Dataset test = FashionMnist.load(dir, FashionMnist.Split.TEST);
        FashionMnist.Dataset three = FrechetEval.ofClass(test, 3);
        assertTrue(three.n() > 2);
        for (int i = 0; i < three.n(); i++) assertEquals(3, three.labels()[i]);
        // the test images of class 3 score 0 against class 3; against class 5 they do not
        double[] same = fe.fdOfClass(three.images(), three.n(), 3), other = fe.fdOfClass(three.images(), three.n(), 5);
        assertEquals(0.0, same[0], 1e-6);
        assertTrue(other[0] > 0 && same[1] > 0 && Double.isFinite(same[1]), other[0] + " " + same[1]);
        assertThrows(IllegalArgumentException.class, () -> fe.fdOfClass(three.images(), three.n(), 10));
    }

    private static float[] toF(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) f[i] = (float) d[i];
        return f;
    }

    @Test
    void fitNeedsTwoImages() {
        FrechetEval fe = new FrechetEval(new Classifier(2), null);
        assertThrows(IllegalArgumentException.class, () -> fe.fit(new float[784], 1));
        assertThrows(IllegalArgumentException.class, () -> fe.features(new float[784], 2));
    }
}
