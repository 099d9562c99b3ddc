package tangent.scm;

import tangent.core.DType;
import tangent.core.GradMode;
import tangent.core.Rng;
import tangent.core.Tensor;
import tangent.nn.TimeConditioned;

/**
 * Seeded samplers (shared/spec/scm.md). All run under noGrad.
 *
 * <pre>
 *   consistency, 1 step:  x = f(sigma_d eps, t_max)
 *   consistency, 2 steps: x' = cos(t_mid) x + sin(t_mid) sigma_d eps',  x = f(x', t_mid)
 *   teacher ODE dx/dt = sigma_d F(x / sigma_d, t) from t_max to 0 on a uniform grid in t:
 *     euler: x_s = x_t + (s - t) sigma_d F(x_t / sigma_d, t)
 *     heun:  d1 = drift(x_t, t), x~ = x_t + (s - t) d1, x_s = x_t + (s - t) (d1 + drift(x~, s)) / 2
 *     ddim:  x_s = cos(t - s) x_t - sin(t - s) sigma_d F(x_t / sigma_d, t)
 * </pre>
 */
public final class Samplers {
    private Samplers() {}

    public enum OdeSolver {
        EULER, HEUN, DDIM;

        public static OdeSolver parse(String s) {
            for (OdeSolver m : values()) if (m.name().equalsIgnoreCase(s)) return m;
            throw new IllegalArgumentException("unknown ODE solver '" + s + "' (euler, heun, ddim)");
        }
    }

    /** Draws sigma_d-free standard normal noise of the given shape. */
    public static Tensor noise(Rng rng, DType dtype, int... shape) {
        return rng.normal(dtype, shape);
    }

    /** x = f(sigma_d eps, t_max). eps: standard normal (B, ...). */
    public static Tensor oneStep(TrigFlow tf, TimeConditioned net, Tensor eps) {
        try (GradMode.Scope ignored = GradMode.noGrad()) {
            Tensor t = TrigFlow.constantTimes(eps.size(0), tf.tMax, eps.dtype());
            return tf.consistency(net, eps.mul(tf.sigmaD), t);
        }
    }

    /** One step, then x' = cos(t_mid) x + sin(t_mid) sigma_d eps2, x = f(x', t_mid). */
    public static Tensor twoStep(TrigFlow tf, TimeConditioned net, Tensor eps, Tensor eps2) {
        try (GradMode.Scope ignored = GradMode.noGrad()) {
            Tensor x = oneStep(tf, net, eps);
            Tensor xr = x.mul(Math.cos(tf.tMid)).add(eps2.mul(Math.sin(tf.tMid) * tf.sigmaD));
            return tf.consistency(net, xr, TrigFlow.constantTimes(eps.size(0), tf.tMid, eps.dtype()));
        }
    }

    /** Seeded 1-step samples of shape (n, sampleShape...). */
    public static Tensor oneStep(TrigFlow tf, TimeConditioned net, Rng rng, DType dtype, int... shape) {
        return oneStep(tf, net, noise(rng, dtype, shape));
    }

    /** Seeded 2-step samples; the first noise draw equals {@link #oneStep(TrigFlow, TimeConditioned, Rng, DType, int...)}'s. */
    public static Tensor twoStep(TrigFlow tf, TimeConditioned net, Rng rng, DType dtype, int... shape) {
        Tensor eps = noise(rng, dtype, shape);
        Tensor eps2 = noise(rng, dtype, shape);
        return twoStep(tf, net, eps, eps2);
    }

    /** The uniform time grid t_max = t_0 > t_1 > ... > t_N = 0. */
    public static double[] timeGrid(double tMax, int steps) {
        if (steps < 1) throw new IllegalArgumentException("ODE sampler: --steps must be >= 1, got " + steps);
        double[] g = new double[steps + 1];
        for (int i = 0; i <= steps; i++) g[i] = tMax * (steps - i) / steps;
        g[steps] = 0.0;
        return g;
    }

    /** Integrates the probability-flow ODE from x = sigma_d eps at t_max down to t = 0. */
    public static Tensor teacherOde(TrigFlow tf, TimeConditioned net, Tensor eps, int steps, OdeSolver solver) {
        try (GradMode.Scope ignored = GradMode.noGrad()) {
            double[] grid = timeGrid(tf.tMax, steps);
            int b = eps.size(0);
            Tensor x = eps.mul(tf.sigmaD);
            for (int i = 0; i < steps; i++) {
                double t = grid[i], s = grid[i + 1], h = s - t;
                Tensor tt = TrigFlow.constantTimes(b, t, eps.dtype());
                Tensor d1 = tf.drift(net, x, tt);
                switch (solver) {
                    case EULER -> x = x.add(d1.mul(h));
                    case HEUN -> {
                        Tensor xe = x.add(d1.mul(h));
                        Tensor d2 = tf.drift(net, xe, TrigFlow.constantTimes(b, s, eps.dtype()));
                        x = x.add(d1.add(d2).mul(h / 2));
                    }
                    case DDIM -> x = x.mul(Math.cos(t - s)).sub(d1.mul(Math.sin(t - s)));
                }
            }
            return x;
        }
    }

    public static Tensor teacherOde(TrigFlow tf, TimeConditioned net, Rng rng, int steps, OdeSolver solver, DType dtype, int... shape) {
        return teacherOde(tf, net, noise(rng, dtype, shape), steps, solver);
    }
}
