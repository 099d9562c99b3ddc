package tangent.scm;

import tangent.core.DType;
import tangent.core.Rng;
import tangent.core.Tensor;
import tangent.nn.TimeConditioned;

/**
 * TrigFlow (arXiv 2410.11081, see shared/spec/scm.md) with every constant overridable:
 *
 * <pre>
 *   x_t      = cos t x0 + sin t z,            z ~ N(0, sigma_d^2 I),  t in [0, pi/2]
 *   dx_t/dt  = cos t z - sin t x0             (the velocity)
 *   f(x_t,t) = cos t x_t - sin t sigma_d F(x_t / sigma_d, t)    (the consistency function)
 *   tau ~ N(P_mean, P_std^2),  t = arctan(exp(tau) / sigma_d)    (training time proposal)
 *   t_max = arctan(80 / sigma_d),  t_mid = 1.1                   (samplers)
 * </pre>
 *
 * Per-sample times are tensors of shape (B,); {@link #perSample} views them as (B, 1, ..., 1) so
 * they broadcast against (B, ...) data.
 */
public final class TrigFlow {
    public static final double SIGMA_D = 0.5;
    public static final double P_MEAN = -1.0;
    public static final double P_STD = 1.4;
    /** Noise level (sigma, not t) where sampling starts: t_max = arctan(SIGMA_MAX / sigma_d). */
    public static final double SIGMA_MAX = 80.0;
    public static final double T_MID = 1.1;

    public final double sigmaD;
    public final double pMean;
    public final double pStd;
    public final double tMax;
    public final double tMid;

    public TrigFlow(double sigmaD, double pMean, double pStd, double tMax, double tMid) {
        if (!(sigmaD > 0)) throw new IllegalArgumentException("TrigFlow: sigma_d must be > 0, got " + sigmaD);
        if (!(pStd >= 0)) throw new IllegalArgumentException("TrigFlow: P_std must be >= 0, got " + pStd);
        if (!(tMax > 0 && tMax <= Math.PI / 2)) throw new IllegalArgumentException("TrigFlow: t_max must be in (0, pi/2], got " + tMax);
        if (!(tMid > 0 && tMid < tMax)) throw new IllegalArgumentException("TrigFlow: t_mid must be in (0, t_max), got " + tMid);
        this.sigmaD = sigmaD;
        this.pMean = pMean;
        this.pStd = pStd;
        this.tMax = tMax;
        this.tMid = tMid;
    }

    /** The spec's constants: sigma_d 0.5, P_mean -1.0, P_std 1.4, t_max = arctan(80/0.5), t_mid 1.1. */
    public static TrigFlow defaults() {
        return new TrigFlow(SIGMA_D, P_MEAN, P_STD, Math.atan(SIGMA_MAX / SIGMA_D), T_MID);
    }

    public TrigFlow withSigmaD(double s) {
        return new TrigFlow(s, pMean, pStd, Math.atan(SIGMA_MAX / s), tMid);
    }

    public TrigFlow withProposal(double mean, double std) {
        return new TrigFlow(sigmaD, mean, std, tMax, tMid);
    }

    public TrigFlow withSamplerTimes(double tMax, double tMid) {
        return new TrigFlow(sigmaD, pMean, pStd, tMax, tMid);
    }

    // ---- time proposal -----------------------------------------------------------------------

    /** t = arctan(exp(tau) / sigma_d). */
    public double timeFromTau(double tau) {
        return Math.atan(Math.exp(tau) / sigmaD);
    }

    /** n training times: tau ~ N(P_mean, P_std^2), t = arctan(exp(tau) / sigma_d). */
    public double[] sampleTimes(Rng rng, int n) {
        double[] eps = rng.normalArray(n);
        double[] t = new double[n];
        for (int i = 0; i < n; i++) t[i] = timeFromTau(pMean + pStd * eps[i]);
        return t;
    }

    /** {@link #sampleTimes} as a (B,) tensor of the given dtype. */
    public Tensor sampleTimes(Rng rng, int n, DType dtype) {
        return vector(sampleTimes(rng, n), dtype);
    }

    // ---- the interpolation ------------------------------------------------------------------

    /** t (B,) viewed as (B, 1, ..., 1) with the given rank, for broadcasting against (B, ...). */
    public static Tensor perSample(Tensor t, int rank) {
        if (t.dim() != 1) throw new IllegalArgumentException("TrigFlow: times must be (B,), got rank " + t.dim());
        int[] s = new int[rank];
        java.util.Arrays.fill(s, 1);
        s[0] = t.size(0);
        return t.reshape(s);
    }

    /** x_t = cos t x0 + sin t z. */
    public static Tensor interpolate(Tensor x0, Tensor z, Tensor t) {
        Tensor tb = perSample(t, x0.dim());
        return tb.cos().mul(x0).add(tb.sin().mul(z));
    }

    /** dx_t/dt = cos t z - sin t x0. */
    public static Tensor velocity(Tensor x0, Tensor z, Tensor t) {
        Tensor tb = perSample(t, x0.dim());
        return tb.cos().mul(z).sub(tb.sin().mul(x0));
    }

    /** sigma_d F(x / sigma_d, t): the network's estimate of dx_t/dt (the probability-flow ODE's drift). */
    public Tensor drift(TimeConditioned net, Tensor x, Tensor t) {
        return net.forward(x.div(sigmaD), t).mul(sigmaD);
    }

    /** f(x_t, t) = cos t x_t - sin t sigma_d F(x_t / sigma_d, t). */
    public Tensor consistency(TimeConditioned net, Tensor xt, Tensor t) {
        Tensor tb = perSample(t, xt.dim());
        return tb.cos().mul(xt).sub(tb.sin().mul(drift(net, xt, t)));
    }

    // ---- helpers ------------------------------------------------------------------------------

    /** A (B,) tensor of the given values. */
    public static Tensor vector(double[] v, DType dtype) {
        return Tensor.of(v, v.length).to(dtype);
    }

    /** A (B,) tensor filled with one value. */
    public static Tensor constantTimes(int n, double t, DType dtype) {
        return Tensor.full(dtype, t, n);
    }

    @Override
    public String toString() {
        return String.format("TrigFlow(sigma_d=%g, P_mean=%g, P_std=%g, t_max=%.5f, t_mid=%g)", sigmaD, pMean, pStd, tMax, tMid);
    }
}
