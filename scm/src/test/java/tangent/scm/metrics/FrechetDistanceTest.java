package tangent.scm.metrics;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Random;
import org.junit.jupiter.api.Test;

class FrechetDistanceTest {
    /** Random orthogonal matrix from Gram-Schmidt on a Gaussian matrix (row-major). */
    static double[] randomOrthogonal(int d, long seed) {
        Random r = new Random(seed);
        double[] q = new double[d * d];
        for (int i = 0; i < d * d; i++) q[i] = r.nextGaussian();
        for (int c = 0; c < d; c++) {
            for (int p = 0; p < c; p++) {
                double dot = 0;
                for (int k = 0; k < d; k++) dot += q[k * d + c] * q[k * d + p];
                for (int k = 0; k < d; k++) q[k * d + c] -= dot * q[k * d + p];
            }
            double n = 0;
            for (int k = 0; k < d; k++) n += q[k * d + c] * q[k * d + c];
            n = Math.sqrt(n);
            for (int k = 0; k < d; k++) q[k * d + c] /= n;
        }
        return q;
    }

    /** Q diag(l) Q^T. */
    static double[] fromEigen(double[] q, double[] l, int d) {
        double[] a = new double[d * d];
        for (int i = 0; i < d; i++)
            for (int j = 0; j < d; j++) {
                double s = 0;
                for (int k = 0; k < d; k++) s += q[i * d + k] * l[k] * q[j * d + k];
                a[i * d + j] = s;
            }
        return a;
    }

    @Test
    void jacobiRecoversKnownSpectrumAndOrthonormalVectors() {
        int d = 40;
        double[] q = randomOrthogonal(d, 1);
        double[] l = new double[d];
        for (int i = 0; i < d; i++) l[i] = i * 0.5 - 3; // ascending, includes negatives
        double[] a = fromEigen(q, l, d);
        FrechetDistance.Eigen e = FrechetDistance.eigenSymmetric(a, d);
        assertArrayEquals(l, e.values(), 1e-10);
        double[] v = e.vectors();
        for (int i = 0; i < d; i++)
            for (int j = 0; j < d; j++) {
                double dot = 0;
                for (int k = 0; k < d; k++) dot += v[k * d + i] * v[k * d + j];
                assertEquals(i == j ? 1 : 0, dot, 1e-10, "V^T V at " + i + "," + j);
            }
        assertArrayEquals(a, fromEigen(v, e.values(), d), 1e-10);
        double[] psd = fromEigen(q, new double[d], d);
        for (int i = 0; i < d; i++) psd[i * d + i] += 4; // 4 I
        double[] r = FrechetDistance.sqrtPsd(psd, d);
        for (int i = 0; i < d; i++) for (int j = 0; j < d; j++) assertEquals(i == j ? 2 : 0, r[i * d + j], 1e-10);
    }

    @Test
    void diagonalAndCommutingCovariancesMatchClosedForm() {
        // commuting S1 = Q diag(a) Q^T, S2 = Q diag(b) Q^T: FD = |mu1-mu2|^2 + sum (sqrt a - sqrt b)^2
        int d = 16;
        Random r = new Random(3);
        double[] a = new double[d], b = new double[d], m1 = new double[d], m2 = new double[d];
        double want = 0;
        for (int i = 0; i < d; i++) {
            a[i] = 0.1 + r.nextDouble() * 3;
            b[i] = r.nextDouble() * 2; // PSD, may be tiny
            m1[i] = r.nextGaussian();
            m2[i] = r.nextGaussian();
            want += (m1[i] - m2[i]) * (m1[i] - m2[i]) + Math.pow(Math.sqrt(a[i]) - Math.sqrt(b[i]), 2);
        }
        double[] id = randomOrthogonal(d, 99);
        double[] eye = new double[d * d];
        for (int i = 0; i < d; i++) eye[i * d + i] = 1;
        assertEquals(want, FrechetDistance.distance(m1, fromEigen(eye, a, d), m2, fromEigen(eye, b, d), d), 1e-9);
        assertEquals(want, FrechetDistance.distance(m1, fromEigen(id, a, d), m2, fromEigen(id, b, d), d), 1e-9);
    }

    @Test
    void nonCommuting2x2MatchesIndependentFormula() {
        // eig(sqrt(S1) S2 sqrt(S1)) = eig(S1 S2); for 2x2 PSD M: tr sqrt(M) = sqrt(tr M + 2 sqrt(det M))
        double[] s1 = {2.0, 0.7, 0.7, 1.0};
        double[] s2 = {0.5, -0.3, -0.3, 1.5};
        double trS1S2 = s1[0] * s2[0] + s1[1] * s2[2] + s1[2] * s2[1] + s1[3] * s2[3];
        double det1 = s1[0] * s1[3] - s1[1] * s1[2], det2 = s2[0] * s2[3] - s2[1] * s2[2];
        double trSqrt = Math.sqrt(trS1S2 + 2 * Math.sqrt(det1 * det2));
        double want = 1 + 4 + (3.0 + 2.0) - 2 * trSqrt; // |(1,2)|^2 = 5... split as 1 + 4
        double got = FrechetDistance.distance(new double[] {0, 0}, s1, new double[] {1, 2}, s2, 2);
        assertEquals(want, got, 1e-12);
    }

    @Test
    void oneDimensionalFromSamples() {
        int n = 1000;
        Random r = new Random(4);
        float[] x = new float[n], y = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (1 + 2 * r.nextGaussian());
            y[i] = (float) (-0.5 + 0.5 * r.nextGaussian());
        }
        double mx = 0, my = 0;
        for (int i = 0; i < n; i++) {
            mx += x[i];
            my += y[i];
        }
        mx /= n;
        my /= n;
        double vx = 0, vy = 0;
        for (int i = 0; i < n; i++) {
            vx += (x[i] - mx) * (x[i] - mx);
            vy += (y[i] - my) * (y[i] - my);
        }
        vx /= n - 1; // unbiased
        vy /= n - 1;
        double want = (mx - my) * (mx - my) + Math.pow(Math.sqrt(vx) - Math.sqrt(vy), 2);
        assertEquals(want, FrechetDistance.distance(x, n, y, n, 1), 1e-9);
        FrechetDistance.Gaussian g = FrechetDistance.fit(new double[] {1, 2, 3, 4}, 4, 1);
        assertEquals(2.5, g.mean()[0], 0);
        assertEquals(5.0 / 3.0, g.cov()[0], 1e-15); // unbiased: divide by n - 1
    }

    @Test
    void selfDistanceIsZeroIncludingRankDeficient() {
        Random r = new Random(5);
        for (int[] nd : new int[][] {{500, 64}, {30, 48}}) { // second case: n < d, singular covariance
            int n = nd[0], d = nd[1];
            float[] x = new float[n * d];
            for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextGaussian() * (1 + (i % d) * 0.1));
            FrechetDistance.Gaussian g = FrechetDistance.fit(x, n, d);
            double tr = 0;
            for (int j = 0; j < d; j++) tr += g.cov()[j * d + j];
            double fd = FrechetDistance.distance(g, g);
            assertEquals(0, fd, 1e-6 * tr, "FD(X,X) n=" + n + " d=" + d);
        }
    }

    @Test
    void dimension128RotationInvariantAndQuick() {
        // FD is invariant under a common orthogonal change of feature basis (x -> Q^T x); with
        // non-commuting, full covariances this exercises the whole sqrtm/eigen path at d = 128.
        int d = 128, n = 400;
        Random r = new Random(6);
        double[] x = new double[n * d], y = new double[n * d];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                x[i * d + j] = r.nextGaussian() * (1 + 0.02 * j);
                y[i * d + j] = r.nextGaussian() * 1.1 + 0.05 + (j > 0 ? 0.5 * y[i * d + j - 1] : 0);
            }
        }
        double[] q = randomOrthogonal(d, 7);
        double[] xq = new double[n * d], yq = new double[n * d];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < d; j++) {
                double sx = 0, sy = 0;
                for (int k = 0; k < d; k++) {
                    sx += x[i * d + k] * q[k * d + j];
                    sy += y[i * d + k] * q[k * d + j];
                }
                xq[i * d + j] = sx;
                yq[i * d + j] = sy;
            }
        long t0 = System.nanoTime();
        double fd = FrechetDistance.distance(FrechetDistance.fit(x, n, d), FrechetDistance.fit(y, n, d));
        double secs = (System.nanoTime() - t0) / 1e9;
        double fdq = FrechetDistance.distance(FrechetDistance.fit(xq, n, d), FrechetDistance.fit(yq, n, d));
        assertTrue(fd > 1, "fd " + fd);
        assertEquals(fd, fdq, 1e-8 * fd);
        assertEquals(0, FrechetDistance.distance(FrechetDistance.fit(yq, n, d), FrechetDistance.fit(yq, n, d)), 1e-6 * fd);
        assertTrue(secs < 10, "took " + secs + " s");
    }
}
