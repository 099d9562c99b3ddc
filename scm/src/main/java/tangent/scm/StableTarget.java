package tangent.scm;

import tangent.core.Tensor;
import tangent.core.cpu.Parallel;

/**
 * A lower-variance estimate of the TrigFlow velocity E[dx_t/dt | x_t] from a reference batch of
 * data: the stable target field of Xu et al. 2023 (arXiv 2302.00670), in TrigFlow's terms.
 *
 * <pre>
 *   x_t = cos t x0 + sin t z,  z ~ N(0, sigma_d^2 I)     so   v = cos t z - sin t x0 = (cos t x_t - x0) / sin t
 *   E[v | x_t] = (cos t x_t - E[x0 | x_t]) / sin t
 *   E[x0 | x_t] ~ sum_j w_j r_j,   w_j = softmax_j( -||x_t - cos t r_j||^2 / (2 sigma_d^2 sin^2 t) )
 * </pre>
 *
 * over the references r_j = {x0 itself} + the reference batch: the posterior mean of x0 under the
 * empirical distribution of the references. sCT's one-sample target v is the special case of no
 * references (w = 1 on x0). The estimate is biased for a finite reference batch and consistent as
 * it grows; for small t the weight concentrates on x0 itself and v is returned, for large t it
 * averages over the whole batch. Only sensible for low-dimensional data (the weights degenerate to
 * x0 alone in high dimensions): the 2-D toys. Returned as {@code v + (x0 - E[x0|x_t]) / sin t},
 * which keeps the one-sample v exactly where the other weights underflow. Computed in float64.
 */
public final class StableTarget {
    private StableTarget() {}

    /**
     * x0, z (B, D...) with z already scaled by sigma_d, t (B,), reference (R, D...) -> the estimate of
     * E[v | x_t] (B, D...) in x0's dtype. Costs B (R + 1) D multiply-adds and at most B (R + 1) exps, the rows spread over the cores.
     */
    public static Tensor velocity(Tensor x0, Tensor z, Tensor t, Tensor reference, double sigmaD) {
        int b = x0.size(0), r = reference.size(0);
        int d = (int) (x0.numel() / b);
        if (reference.numel() != (long) r * d || t.dim() != 1 || t.size(0) != b || z.numel() != x0.numel())
            throw new IllegalArgumentException("StableTarget: x0 and z (B, D...), t (B,) and reference (R, D...) must agree");
        double[] x = x0.toDoubleArray(), zz = z.toDoubleArray(), ts = t.toDoubleArray(), ref = reference.toDoubleArray();
        double[] out = new double[b * d];
        // rows are independent: each sample's estimate is computed whole inside one chunk (same result for any thread count)
        Parallel.forRange(b, Math.max(1, 4096 / Math.max(1, r)), (lo, hi) -> {
            double[] xt = new double[d], logw = new double[r], diff = new double[d];
            for (int i = lo; i < hi; i++) row(i, d, r, x, zz, ts[i], ref, sigmaD, xt, logw, diff, out);
        });
        return Tensor.of(out, x0.shape()).to(x0.dtype());
    }

    /** Sample i's estimate into out[i d .. i d + d); xt, logw, diff are scratch of sizes d, r, d. */
    private static void row(int i, int d, int r, double[] x, double[] zz, double t, double[] ref, double sigmaD,
                            double[] xt, double[] logw, double[] diff, double[] out) {
        double c = Math.cos(t), s = Math.sin(t);
        double inv = 1.0 / (2 * sigmaD * sigmaD * s * s);
        double self = 0;   // ||x_t - cos t x0||^2 = sin^2 t ||z||^2
        for (int k = 0; k < d; k++) {
            xt[k] = c * x[i * d + k] + s * zz[i * d + k];
            self += s * s * zz[i * d + k] * zz[i * d + k];
        }
        double max = -self * inv;
        for (int j = 0; j < r; j++) {
            double q = 0;
            for (int k = 0; k < d; k++) {
                double e = xt[k] - c * ref[j * d + k];
                q += e * e;
            }
            logw[j] = -q * inv;
            max = Math.max(max, logw[j]);
        }
        double norm = Math.exp(-self * inv - max);   // x0's own weight (its difference x0 - x0 is 0)
        java.util.Arrays.fill(diff, 0);               // sum_j w_j (x0 - r_j), unnormalised
        for (int j = 0; j < r; j++) {
            double a = logw[j] - max;
            if (a < -40) continue;                    // e^-40 ~ 4e-18 of the largest weight: below float64 rounding of the sum
            double w = Math.exp(a);
            norm += w;
            for (int k = 0; k < d; k++) diff[k] += w * (x[i * d + k] - ref[j * d + k]);
        }
        for (int k = 0; k < d; k++) {
            double v = c * zz[i * d + k] - s * x[i * d + k];
            out[i * d + k] = v + diff[k] / norm / s;
        }
    }
}
