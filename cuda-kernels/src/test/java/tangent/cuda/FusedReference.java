package tangent.cuda;

/**
 * Independent float64 loops of the fused primitives' formulas (Backend's fused methods), for the
 * GPU tests: written from the definitions with two-pass statistics, no shared code with the
 * kernels. Arrays are row-major; null tangents are zero.
 */
final class FusedReference {
    private FusedReference() {}

    /** {y, dy, mean (B G), rstd (B G)} of GroupNorm over x (B, C, S). */
    static double[][] groupNorm(double[] x, double[] dx, double[] gamma, double[] beta, double[] dgamma, double[] dbeta, int B, int C,
                                int S, int G, double eps) {
        int cpg = C / G, n = cpg * S;
        double[] y = new double[x.length], dy = new double[x.length], mean = new double[B * G], rstd = new double[B * G];
        for (int bg = 0; bg < B * G; bg++) {
            int base = bg * n, g = bg % G;
            double mu = 0;
            for (int i = 0; i < n; i++) mu += x[base + i];
            mu /= n;
            double var = 0;
            for (int i = 0; i < n; i++) var += (x[base + i] - mu) * (x[base + i] - mu);
            double r = 1 / Math.sqrt(var / n + eps);
            mean[bg] = mu;
            rstd[bg] = r;
            double mdx = 0, mxd = 0;
            for (int i = 0; i < n; i++) {
                double t = dx == null ? 0 : dx[base + i];
                mdx += t;
                mxd += (x[base + i] - mu) * r * t;
            }
            mdx /= n;
            mxd /= n;
            for (int i = 0; i < n; i++) {
                int c = g * cpg + i / S;
                double xh = (x[base + i] - mu) * r, gm = gamma == null ? 1 : gamma[c], t = dx == null ? 0 : dx[base + i];
                y[base + i] = xh * gm + (beta == null ? 0 : beta[c]);
                dy[base + i] = gm * r * (t - mdx - xh * mxd) + (dgamma == null ? 0 : dgamma[c] * xh) + (dbeta == null ? 0 : dbeta[c]);
            }
        }
        return new double[][] {y, dy, mean, rstd};
    }

    /** {gx, ggamma (C), gbeta (C)} of GroupNorm for the cotangent gy. */
    static double[][] groupNormBackward(double[] x, double[] gamma, double[] gy, int B, int C, int S, int G, double eps) {
        double[][] f = groupNorm(x, null, null, null, null, null, B, C, S, G, eps);
        double[] xhat = f[0];
        int cpg = C / G, n = cpg * S;
        double[] gx = new double[x.length], gg = new double[C], gb = new double[C];
        for (int bg = 0; bg < B * G; bg++) {
            int base = bg * n, g = bg % G;
            double r = f[3][bg], mg = 0, mgx = 0;
            for (int i = 0; i < n; i++) {
                int c = g * cpg + i / S;
                double gh = gy[base + i] * (gamma == null ? 1 : gamma[c]);
                mg += gh;
                mgx += gh * xhat[base + i];
                gg[c] += gy[base + i] * xhat[base + i];
                gb[c] += gy[base + i];
            }
            mg /= n;
            mgx /= n;
            for (int i = 0; i < n; i++) {
                int c = g * cpg + i / S;
                double gh = gy[base + i] * (gamma == null ? 1 : gamma[c]);
                gx[base + i] = r * (gh - mg - xhat[base + i] * mgx);
            }
        }
        return new double[][] {gx, gg, gb};
    }

    /** {y, dy, rstd} of pixel norm over n in the (outer, n, inner) view; gy given: {gv} in [0]. */
    static double[][] pixelNorm(double[] v, double[] dv, double[] gy, int outer, int n, int inner, double eps) {
        double[] y = new double[v.length], dy = new double[v.length], rstd = new double[outer * inner], gv = new double[v.length];
        for (int o = 0; o < outer; o++)
            for (int j = 0; j < inner; j++) {
                double ss = 0, vd = 0, vg = 0;
                for (int i = 0; i < n; i++) {
                    int at = (o * n + i) * inner + j;
                    ss += v[at] * v[at];
                    if (dv != null) vd += v[at] * dv[at];
                    if (gy != null) vg += v[at] * gy[at];
                }
                double r = 1 / Math.sqrt(ss / n + eps);
                rstd[o * inner + j] = r;
                for (int i = 0; i < n; i++) {
                    int at = (o * n + i) * inner + j;
                    y[at] = v[at] * r;
                    if (dv != null) dy[at] = r * dv[at] - v[at] * r * r * r * vd / n;
                    if (gy != null) gv[at] = r * gy[at] - v[at] * r * r * r * vg / n;
                }
            }
        return gy != null ? new double[][] {gv} : new double[][] {y, dy, rstd};
    }

    /** {y, dy} of softmax over n in the (outer, n, inner) view; with gy instead of dx: {y, gx}. */
    static double[][] softmax(double[] x, double[] t, int outer, int n, int inner) {
        double[] y = new double[x.length], dy = new double[x.length];
        for (int o = 0; o < outer; o++)
            for (int j = 0; j < inner; j++) {
                double m = Double.NEGATIVE_INFINITY, s = 0, yt = 0;
                for (int i = 0; i < n; i++) m = Math.max(m, x[(o * n + i) * inner + j]);
                for (int i = 0; i < n; i++) s += Math.exp(x[(o * n + i) * inner + j] - m);
                for (int i = 0; i < n; i++) {
                    int at = (o * n + i) * inner + j;
                    y[at] = Math.exp(x[at] - m) / s;
                    yt += y[at] * (t == null ? 0 : t[at]);
                }
                for (int i = 0; i < n; i++) {
                    int at = (o * n + i) * inner + j;
                    dy[at] = y[at] * ((t == null ? 0 : t[at]) - yt);
                }
            }
        return new double[][] {y, dy};
    }

    /** {y, dy, silu'(x)}. */
    static double[][] silu(double[] x, double[] dx) {
        double[] y = new double[x.length], dy = new double[x.length], d = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            double s = 1 / (1 + Math.exp(-x[i]));
            y[i] = x[i] * s;
            d[i] = s + x[i] * s * (1 - s);
            dy[i] = dx[i] * d[i];
        }
        return new double[][] {y, dy, d};
    }
}
