package tangent.scm.metrics;

/**
 * Fréchet distance between Gaussian fits of two feature sets (the quantity behind FID):
 * {@code FD = |mu1 - mu2|^2 + tr(S1) + tr(S2) - 2 tr(sqrt(sqrt(S1) S2 sqrt(S1)))}.
 *
 * <p>Everything is computed in double. Covariances are unbiased (divide by N - 1). Matrix square
 * roots use a symmetric eigendecomposition by the cyclic Jacobi method (fine for d up to a few
 * hundred); tiny negative eigenvalues from round-off are clamped to 0.
 */
public final class FrechetDistance {
    private FrechetDistance() {}

    /**
     * A Gaussian fit.
     *
     * @param mean length {@code d}
     * @param cov {@code d x d} row-major, symmetric
     * @param d dimension
     * @param n number of samples it was fitted on
     */
    public record Gaussian(double[] mean, double[] cov, int d, int n) {}

    /**
     * Eigendecomposition {@code A = V diag(values) V^T}.
     *
     * @param values eigenvalues, ascending
     * @param vectors {@code d x d} row-major; column {@code j} is the eigenvector of {@code values[j]}
     */
    public record Eigen(double[] values, double[] vectors, int d) {}

    /** Fits mean and unbiased covariance to {@code n x d} row-major float features. */
    public static Gaussian fit(float[] x, int n, int d) {
        double[] xd = new double[n * d];
        for (int i = 0; i < n * d; i++) xd[i] = x[i];
        return fit(xd, n, d);
    }

    /** Fits mean and unbiased covariance (two-pass, double) to {@code n x d} row-major features. */
    public static Gaussian fit(double[] x, int n, int d) {
        if (n < 2 || d < 1) throw new IllegalArgumentException("need n >= 2 and d >= 1, got n=" + n + " d=" + d);
        if (x.length < (long) n * d) throw new IllegalArgumentException("need " + (long) n * d + " values, got " + x.length);
        double[] mu = new double[d];
        for (int i = 0; i < n; i++) for (int j = 0; j < d; j++) mu[j] += x[i * d + j];
        for (int j = 0; j < d; j++) mu[j] /= n;
        double[] cov = new double[d * d];
        double[] c = new double[d];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) c[j] = x[i * d + j] - mu[j];
            for (int a = 0; a < d; a++) {
                double ca = c[a];
                if (ca == 0) continue;
                int row = a * d;
                for (int b = a; b < d; b++) cov[row + b] += ca * c[b];
            }
        }
        for (int a = 0; a < d; a++) {
            for (int b = a; b < d; b++) {
                double v = cov[a * d + b] / (n - 1);
                cov[a * d + b] = v;
                cov[b * d + a] = v;
            }
        }
        return new Gaussian(mu, cov, d, n);
    }

    /** FD between Gaussian fits of two {@code n_i x d} float feature matrices. */
    public static double distance(float[] x1, int n1, float[] x2, int n2, int d) {
        return distance(fit(x1, n1, d), fit(x2, n2, d));
    }

    /** FD between two Gaussians. */
    public static double distance(Gaussian g1, Gaussian g2) {
        if (g1.d() != g2.d()) throw new IllegalArgumentException("dimension mismatch " + g1.d() + " vs " + g2.d());
        return distance(g1.mean(), g1.cov(), g2.mean(), g2.cov(), g1.d());
    }

    /** FD between N(mu1, s1) and N(mu2, s2); covariances {@code d x d} row-major. */
    public static double distance(double[] mu1, double[] s1, double[] mu2, double[] s2, int d) {
        double diff = 0;
        for (int j = 0; j < d; j++) {
            double t = mu1[j] - mu2[j];
            diff += t * t;
        }
        double tr1 = 0, tr2 = 0;
        for (int j = 0; j < d; j++) {
            tr1 += s1[j * d + j];
            tr2 += s2[j * d + j];
        }
        double[] r1 = sqrtPsd(s1, d);
        double[] m = multiply(multiply(r1, s2, d), r1, d);
        symmetrize(m, d);
        Eigen e = eigenSymmetric(m, d);
        double trSqrt = 0;
        for (double v : e.values()) trSqrt += Math.sqrt(Math.max(0, v));
        double fd = diff + tr1 + tr2 - 2 * trSqrt;
        return Math.max(0, fd);
    }

    /** Symmetric PSD square root {@code V diag(sqrt(max(l, 0))) V^T}. */
    public static double[] sqrtPsd(double[] a, int d) {
        Eigen e = eigenSymmetric(a, d);
        double[] v = e.vectors();
        double[] s = new double[d];
        for (int j = 0; j < d; j++) s[j] = Math.sqrt(Math.max(0, e.values()[j]));
        double[] out = new double[d * d];
        for (int i = 0; i < d; i++) {
            for (int k = i; k < d; k++) {
                double acc = 0;
                for (int j = 0; j < d; j++) acc += v[i * d + j] * s[j] * v[k * d + j];
                out[i * d + k] = acc;
                out[k * d + i] = acc;
            }
        }
        return out;
    }

    /**
     * Eigendecomposition of a symmetric matrix by the cyclic Jacobi method. Only the symmetric
     * part {@code (A + A^T)/2} is used. Converges quadratically; stops when the off-diagonal
     * Frobenius norm is below {@code 1e-13} of the total (or after 100 sweeps).
     */
    public static Eigen eigenSymmetric(double[] input, int d) {
        if (input.length != d * d) throw new IllegalArgumentException("expected " + d * d + " values");
        double[] a = input.clone();
        symmetrize(a, d);
        double[] v = new double[d * d];
        for (int i = 0; i < d; i++) v[i * d + i] = 1;
        double total = 0;
        for (double x : a) total += x * x;
        if (total == 0 || d == 1) return finish(a, v, d);
        for (int sweep = 0; sweep < 100; sweep++) {
            double off = 0;
            for (int p = 0; p < d; p++) for (int q = p + 1; q < d; q++) off += a[p * d + q] * a[p * d + q];
            if (off <= 1e-26 * total) break; // off-diagonal Frobenius norm <= 1e-13 of total
            for (int p = 0; p < d - 1; p++) {
                for (int q = p + 1; q < d; q++) {
                    double apq = a[p * d + q];
                    if (apq == 0) continue;
                    double app = a[p * d + p], aqq = a[q * d + q];
                    if (Math.abs(apq) < 1e-300 || Math.abs(apq) <= 1e-18 * (Math.abs(app) + Math.abs(aqq))) {
                        a[p * d + q] = 0;
                        a[q * d + p] = 0;
                        continue;
                    }
                    double theta = (aqq - app) / (2 * apq);
                    double t;
                    if (Math.abs(theta) > 1e150) {
                        t = 1 / (2 * theta);
                    } else {
                        t = Math.signum(theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
                        if (theta == 0) t = 1;
                    }
                    double c = 1 / Math.sqrt(t * t + 1), s = t * c;
                    // A <- A J (columns p, q)
                    for (int k = 0; k < d; k++) {
                        double akp = a[k * d + p], akq = a[k * d + q];
                        a[k * d + p] = c * akp - s * akq;
                        a[k * d + q] = s * akp + c * akq;
                    }
                    // A <- J^T A (rows p, q)
                    int rp = p * d, rq = q * d;
                    for (int k = 0; k < d; k++) {
                        double apk = a[rp + k], aqk = a[rq + k];
                        a[rp + k] = c * apk - s * aqk;
                        a[rq + k] = s * apk + c * aqk;
                    }
                    a[rp + q] = 0;
                    a[rq + p] = 0;
                    // V <- V J
                    for (int k = 0; k < d; k++) {
                        double vkp = v[k * d + p], vkq = v[k * d + q];
                        v[k * d + p] = c * vkp - s * vkq;
                        v[k * d + q] = s * vkp + c * vkq;
                    }
                }
            }
        }
        return finish(a, v, d);
    }

    private static Eigen finish(double[] a, double[] v, int d) {
        Integer[] idx = new Integer[d];
        for (int i = 0; i < d; i++) idx[i] = i;
        java.util.Arrays.sort(idx, (x, y) -> Double.compare(a[x * d + x], a[y * d + y]));
        double[] vals = new double[d];
        double[] vecs = new double[d * d];
        for (int j = 0; j < d; j++) {
            int src = idx[j];
            vals[j] = a[src * d + src];
            for (int k = 0; k < d; k++) vecs[k * d + j] = v[k * d + src];
        }
        return new Eigen(vals, vecs, d);
    }

    /** Row-major {@code d x d} product {@code A B}. */
    static double[] multiply(double[] a, double[] b, int d) {
        double[] c = new double[d * d];
        for (int i = 0; i < d; i++) {
            for (int k = 0; k < d; k++) {
                double aik = a[i * d + k];
                if (aik == 0) continue;
                for (int j = 0; j < d; j++) c[i * d + j] += aik * b[k * d + j];
            }
        }
        return c;
    }

    private static void symmetrize(double[] m, int d) {
        for (int i = 0; i < d; i++) {
            for (int j = i + 1; j < d; j++) {
                double s = 0.5 * (m[i * d + j] + m[j * d + i]);
                m[i * d + j] = s;
                m[j * d + i] = s;
            }
        }
    }
}
