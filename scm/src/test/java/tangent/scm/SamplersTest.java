package tangent.scm;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;
import tangent.core.DType;
import tangent.core.Rng;
import tangent.core.Tensor;
import tangent.nn.TimeConditioned;

/** The samplers against plain-double recomputations with an affine F, plus DDIM's exactness. */
class SamplersTest {
    static final int B = 4, D = 2;
    final TrigFlow tf = TrigFlow.defaults();
    final AffineNet net = new AffineNet(0.6, -0.3, 0.15, DType.F64);

    double f(double x, double t) { // consistency function in doubles
        return Math.cos(t) * x - Math.sin(t) * 0.5 * net.value(x / 0.5, t);
    }

    @Test
    void oneAndTwoStep() {
        double[] eps = new Rng(3).normalArray(B * D), eps2 = new Rng(4).normalArray(B * D);
        double[] one = new double[B * D], two = new double[B * D];
        double tMax = Math.atan(80 / 0.5), tMid = 1.1;
        for (int k = 0; k < B * D; k++) {
            one[k] = f(0.5 * eps[k], tMax);
            two[k] = f(Math.cos(tMid) * one[k] + Math.sin(tMid) * 0.5 * eps2[k], tMid);
        }
        Tensor e = Tensor.of(eps, B, D), e2 = Tensor.of(eps2, B, D);
        TrigFlowFormulasTest.close(one, Samplers.oneStep(tf, net, e), 1e-12);
        TrigFlowFormulasTest.close(two, Samplers.twoStep(tf, net, e, e2), 1e-12);
        // seeded: same seed, same samples; the 2-step's first noise is the 1-step's
        Tensor a = Samplers.twoStep(tf, net, new Rng(9), DType.F64, B, D);
        Tensor b = Samplers.twoStep(tf, net, new Rng(9), DType.F64, B, D);
        assertArrayEquals(a.toDoubleArray(), b.toDoubleArray());
        Rng r = new Rng(9);
        Tensor n1 = r.normal(DType.F64, B, D), n2 = r.normal(DType.F64, B, D);
        assertArrayEquals(Samplers.twoStep(tf, net, n1, n2).toDoubleArray(), a.toDoubleArray());
    }

    @Test
    void odeSolversMatchDoubleRecomputation() {
        double[] eps = new Rng(5).normalArray(B * D);
        int steps = 7;
        double[] grid = Samplers.timeGrid(tf.tMax, steps);
        assertEquals(tf.tMax, grid[0], 0);
        assertEquals(0.0, grid[steps], 0);
        for (Samplers.OdeSolver solver : Samplers.OdeSolver.values()) {
            double[] x = new double[B * D];
            for (int k = 0; k < x.length; k++) {
                double xv = 0.5 * eps[k];
                for (int i = 0; i < steps; i++) {
                    double t = grid[i], s = grid[i + 1], h = s - t;
                    double d1 = 0.5 * net.value(xv / 0.5, t);
                    xv = switch (solver) {
                        case EULER -> xv + h * d1;
                        case HEUN -> xv + h * (d1 + 0.5 * net.value((xv + h * d1) / 0.5, s)) / 2;
                        case DDIM -> Math.cos(t - s) * xv - Math.sin(t - s) * d1;
                    };
                }
                x[k] = xv;
            }
            TrigFlowFormulasTest.close(x, Samplers.teacherOde(tf, net, Tensor.of(eps, B, D), steps, solver), 1e-12);
        }
    }

    /** For data that is a single point c, the perfect drift is known; DDIM then recovers c exactly. */
    @Test
    void ddimIsExactForPerfectDrift() {
        double c = 0.7;
        // dx/dt = cos t z - sin t c with z = (x - cos t c) / sin t, so sigma_d F(x/sigma_d, t) = that
        TimeConditioned perfect = (x, t) -> {
            Tensor tb = TrigFlow.perSample(t, x.dim());
            Tensor xx = x.mul(0.5);
            return tb.cos().mul(xx.sub(tb.cos().mul(c))).div(tb.sin()).sub(tb.sin().mul(c)).div(0.5);
        };
        // DDIM only evaluates t > 0 (the z term is 0/0 at t = 0)
        Tensor eps = new Rng(1).normal(DType.F64, B, D);
        for (double v : Samplers.teacherOde(tf, perfect, eps, 1, Samplers.OdeSolver.DDIM).toDoubleArray())
            assertEquals(c, v, 1e-12);
        for (double v : Samplers.teacherOde(tf, perfect, eps, 5, Samplers.OdeSolver.DDIM).toDoubleArray())
            assertEquals(c, v, 1e-12);
    }

    /**
     * Gaussian data x0 ~ N(0, s^2): var(t) = cos^2 t s^2 + sin^2 t sigma_d^2 and the probability-flow
     * drift is dx/dt = x var'(t) / (2 var(t)), so x(0) = x(t_max) s / std(t_max) exactly. Euler's
     * error at t = 0 halves when the steps double (order 1), Heun's quarters (order 2).
     */
    @Test
    void eulerAndHeunConvergeAtTheirOrder() {
        double s = 1.0, sd = tf.sigmaD;
        // F(u, t) = g(t) u with g = sin t cos t (sd^2 - s^2) / var(t); the drift sigma_d F(x / sigma_d, t) = g x
        TimeConditioned gauss = (u, t) -> {
            Tensor tb = TrigFlow.perSample(t, u.dim());
            Tensor c = tb.cos(), sn = tb.sin();
            Tensor g = sn.mul(c).mul(sd * sd - s * s).div(c.mul(c).mul(s * s).add(sn.mul(sn).mul(sd * sd)));
            return g.mul(u);
        };
        Tensor eps = new Rng(2).normal(DType.F64, B, D);
        double stdT = Math.sqrt(Math.pow(Math.cos(tf.tMax) * s, 2) + Math.pow(Math.sin(tf.tMax) * sd, 2));
        double[] e0 = eps.toDoubleArray();
        for (Object[] solverOrder : new Object[][] {{Samplers.OdeSolver.EULER, 2.0}, {Samplers.OdeSolver.HEUN, 4.0}}) {
            Samplers.OdeSolver solver = (Samplers.OdeSolver) solverOrder[0];
            double ratio = (Double) solverOrder[1];
            double[] err = new double[3];
            for (int k = 0; k < 3; k++) {
                double[] x = Samplers.teacherOde(tf, gauss, eps, 16 << k, solver).toDoubleArray();
                for (int i = 0; i < x.length; i++) err[k] = Math.max(err[k], Math.abs(x[i] - sd * e0[i] * s / stdT));
            }
            for (int k = 0; k < 2; k++)
                assertEquals(ratio, err[k] / err[k + 1], 0.2 * ratio, solver + " errors " + java.util.Arrays.toString(err));
            assertTrue(err[2] < 0.05, solver + " error at 64 steps " + err[2]);
        }
    }

    @Test
    void badStepCountIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> Samplers.timeGrid(1.5, 0));
    }
}
