package tangent.core.check;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import tangent.core.Autograd;
import tangent.core.DType;
import tangent.core.ForwardAD;
import tangent.core.GradMode;
import tangent.core.Op;
import tangent.core.Rng;
import tangent.core.Shape;
import tangent.core.Tensor;

/**
 * Gradient checking, the teaching tool: the engine's derivatives of a function of float64
 * tensors compared with central finite differences, and with each other.
 *
 * <p>For a case f with inputs x (some of them differentiable), a random tangent u (one normal
 * tensor per differentiable input) and a random cotangent v (shaped like f(x)):
 * <ul>
 *   <li><b>JVP</b>: the engine's {@code ForwardAD.jvp(f, x, u)} against
 *       (f(x + h u) - f(x - h u)) / 2h, compared elementwise over the output;</li>
 *   <li><b>VJP</b>: the engine's {@code Autograd.grad(f(x), x, v)} (J^T v) against the finite
 *       difference of the scalar &lt;v, f(x)&gt; along every coordinate of every differentiable input,
 *       (&lt;v, f(x + h e_j)&gt; - &lt;v, f(x - h e_j)&gt;) / 2h, compared elementwise over the inputs;</li>
 *   <li><b>transpose identity</b>: &lt;v, J u&gt; = &lt;J^T v, u&gt;, both sides from the engine.</li>
 * </ul>
 * The error metric is the <b>max relative error</b> err(a, b) = max_i |a_i - b_i| / max(max_i |b_i|, 1),
 * with b the finite-difference reference (for the transpose identity, |a - b| / max(|a|, |b|, 1)).
 * Errors are relative to the largest reference entry, not per entry, so entries near zero do not
 * blow up; the max(., 1) makes tiny outputs compare absolutely. With h = 1e-6 in float64 the
 * central difference has truncation error ~h^2 |f'''| and rounding error ~1e-16 |f| / h, so a
 * correct rule lands near 1e-9; the default tolerance is 1e-6. The transpose identity must hold to
 * 1e-9 (only rounding separates the two sides), or to the case's tolerance when a case declares a
 * looser one (cases that round through float32).
 */
public final class Gradcheck {
    private Gradcheck() {}

    /** Default finite-difference step. */
    public static final double H = 1e-6;
    /** Default tolerance on the JVP and VJP max relative errors. */
    public static final double TOL = 1e-6;
    /** Tolerance on the transpose identity (engine against engine: only rounding). */
    public static final double TRANSPOSE_TOL = 1e-9;

    /** The outcome of checking one case. */
    public static final class Report {
        public final String name;
        public final double jvpErr, vjpErr, transposeErr, tol;
        /** Non-null when the case threw or its primal disagreed: what went wrong. */
        public final String error;
        /** The ops the case's forward put on the tape (for the registry's coverage check). */
        public final List<Op> ops;

        Report(String name, double jvpErr, double vjpErr, double transposeErr, double tol, String error, List<Op> ops) {
            this.name = name;
            this.jvpErr = jvpErr;
            this.vjpErr = vjpErr;
            this.transposeErr = transposeErr;
            this.tol = tol;
            this.error = error;
            this.ops = ops;
        }

        /** Whether every measured error is within the case's tolerance. */
        public boolean passed() {
            return error == null && jvpErr <= tol && vjpErr <= tol && transposeErr <= transposeTol();
        }

        /** TRANSPOSE_TOL, or the case's own tolerance when that is looser (float32 round trips). */
        public double transposeTol() {
            return Math.max(TRANSPOSE_TOL, tol > TOL ? tol : 0);
        }

        /** One row: name, JVP and VJP max relative errors, transpose identity error, PASS/FAIL. */
        public String row() {
            String s = String.format(Locale.ROOT, "%-40s jvp %.2e  vjp %.2e  <v,Ju>-<J'v,u> %.2e  %s", name, jvpErr, vjpErr,
                    transposeErr, passed() ? "PASS" : "FAIL");
            return error == null ? s : s + "  (" + error + ")";
        }

        @Override
        public String toString() {
            return row();
        }
    }

    /** Checks one registered case (its own step and tolerance). */
    public static Report check(OpCases.Case c) {
        Tensor[] x;
        try {
            x = c.inputs();
        } catch (RuntimeException e) {
            return new Report(c.name(), Double.NaN, Double.NaN, Double.NaN, c.tol(), "inputs: " + e, List.of());
        }
        return check(c.name(), c.fn(), x, c.differentiable(), c.h(), c.tol(), c.name().hashCode());
    }

    /**
     * Checks f at x. diff[i] says whether input i is differentiable (others are constants such as
     * masks); all inputs must be float64. seed fixes the random u and v.
     */
    public static Report check(String name, Function<Tensor[], Tensor> f, Tensor[] x, boolean[] diff, double h, double tol,
                               long seed) {
        List<Op> ops = List.of();
        try {
            for (Tensor t : x)
                if (t.dtype() != DType.F64)
                    throw new IllegalArgumentException("gradcheck needs float64 inputs, got " + t.dtype() + " " + Shape.str(t.shape()));
            Rng rng = new Rng(seed);
            Tensor y0;
            try (GradMode.Scope g = GradMode.noGrad()) {
                y0 = f.apply(x);
            }
            Tensor[] u = new Tensor[x.length];
            for (int i = 0; i < x.length; i++) if (diff[i]) u[i] = rng.normal(DType.F64, x[i].shape());
            Tensor v = rng.normal(DType.F64, y0.shape());
            double[] y0v = y0.toDoubleArray(), vv = v.toDoubleArray();

            // Engine JVP (recording on, as in training; the inputs are not on the tape).
            Tensor[] jv = ForwardAD.jvp(f, x, u);
            String err = null;
            if (maxAbsDiff(jv[0].toDoubleArray(), y0v) > 1e-12 * Math.max(1, maxAbs(y0v)))
                err = "jvp's primal differs from f(x)";
            double[] ju = jv[1].toDoubleArray();

            // Finite-difference JVP.
            Tensor[] xp = new Tensor[x.length], xm = new Tensor[x.length];
            try (GradMode.Scope g = GradMode.noGrad()) {
                for (int i = 0; i < x.length; i++) {
                    xp[i] = diff[i] ? x[i].add(u[i].mul(h)) : x[i];
                    xm[i] = diff[i] ? x[i].sub(u[i].mul(h)) : x[i];
                }
                double[] fp = f.apply(xp).toDoubleArray(), fm = f.apply(xm).toDoubleArray();
                double[] fd = new double[fp.length];
                for (int j = 0; j < fd.length; j++) fd[j] = (fp[j] - fm[j]) / (2 * h);
                double jvpErr = relErr(ju, fd);

                // Engine VJP.
                Tensor[] leaves = new Tensor[x.length];
                List<Tensor> wanted = new ArrayList<>();
                for (int i = 0; i < x.length; i++) {
                    leaves[i] = diff[i] ? Tensor.of(x[i].toDoubleArray(), x[i].shape()).requiresGrad(true) : x[i];
                    if (diff[i]) wanted.add(leaves[i]);
                }
                Tensor[] gx;
                try (GradMode.Scope on = GradMode.enableGrad()) {
                    Tensor y = f.apply(leaves);
                    if (y.requiresGrad()) {
                        ops = Autograd.recordedOps(y);
                        gx = Autograd.grad(y, wanted.toArray(new Tensor[0]), v, false);
                    } else {
                        gx = new Tensor[wanted.size()];
                    }
                }

                // Finite-difference VJP, coordinate by coordinate, and the transpose identity.
                double maxErrNum = 0, maxRef = 0, vju = dot(vv, ju), jtvu = 0;
                for (int i = 0, w = 0; i < x.length; i++) {
                    if (!diff[i]) continue;
                    double[] eng = gx[w] == null ? new double[x[i].numel()] : gx[w].toDoubleArray();
                    w++;
                    jtvu += dot(eng, u[i].toDoubleArray());
                    double[] base = x[i].toDoubleArray();
                    Tensor[] xs = x.clone();
                    for (int j = 0; j < base.length; j++) {
                        double keep = base[j];
                        base[j] = keep + h;
                        xs[i] = Tensor.of(base, x[i].shape());
                        double up = dot(vv, f.apply(xs).toDoubleArray());
                        base[j] = keep - h;
                        xs[i] = Tensor.of(base, x[i].shape());
                        double dn = dot(vv, f.apply(xs).toDoubleArray());
                        base[j] = keep;
                        double ref = (up - dn) / (2 * h);
                        maxErrNum = Math.max(maxErrNum, Math.abs(eng[j] - ref));
                        maxRef = Math.max(maxRef, Math.abs(ref));
                        if (Double.isNaN(eng[j]) || Double.isNaN(ref)) maxErrNum = Double.NaN;
                    }
                }
                double vjpErr = maxErrNum / Math.max(maxRef, 1);
                double tErr = Math.abs(vju - jtvu) / Math.max(1, Math.max(Math.abs(vju), Math.abs(jtvu)));
                return new Report(name, jvpErr, vjpErr, tErr, tol, err, ops);
            }
        } catch (RuntimeException e) {
            return new Report(name, Double.NaN, Double.NaN, Double.NaN, tol, e.getClass().getSimpleName() + ": " + e.getMessage(), ops);
        }
    }

    /** max_i |a_i - b_i| / max(max_i |b_i|, 1); NaN anywhere gives NaN; a length mismatch gives infinity. */
    public static double relErr(double[] a, double[] b) {
        if (a.length != b.length) return Double.POSITIVE_INFINITY;
        double num = maxAbsDiff(a, b);
        return num / Math.max(maxAbs(b), 1);
    }

    private static double maxAbsDiff(double[] a, double[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            double d = Math.abs(a[i] - b[i]);
            if (Double.isNaN(d)) return Double.NaN;
            m = Math.max(m, d);
        }
        return m;
    }

    private static double maxAbs(double[] a) {
        double m = 0;
        for (double x : a) m = Math.max(m, Math.abs(x));
        return m;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }

    /** Checks every registered case; prints one row each and, last, exactly "N passed, M failed". */
    public static int runAll(PrintStream out) {
        int passed = 0, failed = 0;
        for (OpCases.Case c : OpCases.all()) {
            Report r = check(c);
            out.println(r.row());
            if (r.passed()) passed++;
            else failed++;
        }
        out.println(passed + " passed, " + failed + " failed");
        out.flush();
        return failed;
    }

    /** Runs every case: {@code java -cp core.jar tangent.core.check.Gradcheck}; exit status 1 on failures. */
    public static void main(String[] args) {
        System.exit(runAll(System.out) > 0 ? 1 : 0);
    }
}
