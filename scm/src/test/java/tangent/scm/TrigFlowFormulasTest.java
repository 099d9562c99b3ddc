package tangent.scm;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;
import tangent.core.DType;
import tangent.core.Rng;
import tangent.core.Tensor;

/** Every TrigFlow / sCM formula against an independent plain-double computation on small tensors. */
class TrigFlowFormulasTest {
    static final double TOL = 1e-12;
    static final int B = 3, D = 4; // data (B, 1, 2, 2)

    static double[] rand(long seed, int n, double scale) {
        java.util.Random r = new java.util.Random(seed);
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = scale * (2 * r.nextDouble() - 1);
        return v;
    }

    static Tensor img(double[] v) {
        return Tensor.of(v, B, 1, 2, 2);
    }

    static void close(double[] expected, Tensor got, double tol) {
        double[] g = got.toDoubleArray();
        assertEquals(expected.length, g.length, "length");
        for (int i = 0; i < g.length; i++)
            assertEquals(expected[i], g[i], tol * Math.max(1, Math.abs(expected[i])), "element " + i);
    }

    final double[] x0 = rand(1, B * D, 1), z = rand(2, B * D, 0.5), t = {0.1, 0.8, 1.5};
    final double[] fm = rand(3, B * D, 1), jac = rand(4, B * D, 1), v = rand(5, B * D, 1), w = {0.3, -0.2, 0.05};

    @Test
    void defaultConstants() {
        TrigFlow tf = TrigFlow.defaults();
        assertEquals(0.5, tf.sigmaD);
        assertEquals(-1.0, tf.pMean);
        assertEquals(1.4, tf.pStd);
        assertEquals(Math.atan(160), tf.tMax, 1e-15);
        assertEquals(1.56454, tf.tMax, 1e-5);
        assertEquals(1.1, tf.tMid);
        assertEquals(10000, ScmObjective.WARMUP_H);
        assertEquals(0.1, ScmObjective.NORM_C);
        TrigFlow o = tf.withSigmaD(1.0).withProposal(-0.5, 2.0);
        assertEquals(1.0, o.sigmaD);
        assertEquals(Math.atan(80), o.tMax, 1e-15);
        assertEquals(-0.5, o.pMean);
        assertEquals(2.0, o.pStd);
    }

    @Test
    void interpolationAndVelocity() {
        double[] xt = new double[B * D], vel = new double[B * D];
        for (int b = 0; b < B; b++)
            for (int i = 0; i < D; i++) {
                int k = b * D + i;
                xt[k] = Math.cos(t[b]) * x0[k] + Math.sin(t[b]) * z[k];
                vel[k] = Math.cos(t[b]) * z[k] - Math.sin(t[b]) * x0[k];
            }
        close(xt, TrigFlow.interpolate(img(x0), img(z), Tensor.of(t, B)), TOL);
        close(vel, TrigFlow.velocity(img(x0), img(z), Tensor.of(t, B)), TOL);
    }

    @Test
    void proposal() {
        TrigFlow tf = TrigFlow.defaults();
        double[] eps = new Rng(7).normalArray(1000);
        double[] got = tf.sampleTimes(new Rng(7), 1000);
        for (int i = 0; i < eps.length; i++) {
            double tau = -1.0 + 1.4 * eps[i];
            assertEquals(Math.atan(Math.exp(tau) / 0.5), got[i], 1e-15);
            assertTrue(got[i] > 0 && got[i] < Math.PI / 2);
        }
        // median of t is arctan(exp(P_mean) / sigma_d)
        double[] sorted = tf.sampleTimes(new Rng(8), 20001);
        java.util.Arrays.sort(sorted);
        assertEquals(Math.atan(Math.exp(-1.0) / 0.5), sorted[10000], 0.02);
        close(got, tf.sampleTimes(new Rng(7), 1000, DType.F64), 0);
    }

    @Test
    void warmup() {
        assertEquals(0.0, ScmObjective.warmup(0, 10000));
        assertEquals(0.25, ScmObjective.warmup(2500, 10000));
        assertEquals(1.0, ScmObjective.warmup(10000, 10000));
        assertEquals(1.0, ScmObjective.warmup(50000, 10000));
        assertEquals(1.0, ScmObjective.warmup(3, 0));
    }

    double[] gRef(double r, double sigma) {
        double[] g = new double[B * D];
        double[] xt = x0; // any x_t
        for (int b = 0; b < B; b++) {
            double c = Math.cos(t[b]), s = Math.sin(t[b]);
            for (int i = 0; i < D; i++) {
                int k = b * D + i;
                // g = -cos^2 t (sigma_d Fm - v) - r (cos t sin t x_t + sigma_d J)
                g[k] = -c * c * (sigma * fm[k] - v[k]) - r * (c * s * xt[k] + sigma * jac[k]);
            }
        }
        return g;
    }

    @Test
    void tangentTarget() {
        for (double r : new double[] {0, 0.37, 1})
            close(gRef(r, 0.5), ScmObjective.tangentTarget(img(fm), img(jac), img(v), img(x0), Tensor.of(t, B), r, 0.5), TOL);
    }

    @Test
    void normalisation() {
        double[] g = gRef(0.6, 0.5), n = new double[B * D];
        for (int b = 0; b < B; b++) {
            double ss = 0;
            for (int i = 0; i < D; i++) ss += g[b * D + i] * g[b * D + i];
            for (int i = 0; i < D; i++) n[b * D + i] = g[b * D + i] / (Math.sqrt(ss) + 0.1);
        }
        close(n, ScmObjective.normalizePerSample(img(g), 0.1), TOL);
    }

    @Test
    void losses() {
        double[] f = rand(9, B * D, 1), g = gRef(1, 0.5);
        double cons = 0, diff = 0;
        for (int b = 0; b < B; b++) {
            double sc = 0, sd = 0;
            for (int i = 0; i < D; i++) {
                int k = b * D + i;
                double e = f[k] - fm[k] - g[k];
                sc += e * e;
                double ed = 0.5 * f[k] - v[k];
                sd += ed * ed;
            }
            cons += Math.exp(w[b]) / D * sc - w[b];
            diff += Math.exp(w[b]) / D * sd - w[b];
        }
        assertEquals(cons / B, ScmObjective.consistencyLoss(img(f), img(fm), img(g), Tensor.of(w, B)).item(), TOL);
        assertEquals(diff / B, ScmObjective.diffusionLoss(img(f), img(v), Tensor.of(w, B), 0.5).item(), TOL);
    }

    @Test
    void consistencyFunction() {
        TrigFlow tf = TrigFlow.defaults();
        AffineNet net = new AffineNet(0.7, -0.4, 0.2, DType.F64);
        double[] exp = new double[B * D];
        for (int b = 0; b < B; b++)
            for (int i = 0; i < D; i++) {
                int k = b * D + i;
                // f = cos t x_t - sin t sigma_d F(x_t / sigma_d, t)
                exp[k] = Math.cos(t[b]) * x0[k] - Math.sin(t[b]) * 0.5 * net.value(x0[k] / 0.5, t[b]);
            }
        close(exp, tf.consistency(net, img(x0), Tensor.of(t, B)), TOL);
    }
}
