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
 * and the second order, which checks that each rule can itself be differentiated:
 * <ul>
 *   <li><b>JVP of the VJP</b>: the tangent along u of J(x)^T v, computed by a backward pass inside
 *       a dual level (forward-over-reverse), against (J(x + h u)^T v - J(x - h u)^T v) / 2h with the
 *       engine's first-order VJP;</li>
 *   <li><b>VJP of the JVP</b>: the gradient of &lt;v, J(x) u&gt; w.r.t. x, with the JVP recorded
 *       (reverse-over-forward), against the central difference of &lt;v, J(x) u&gt; (the engine's
 *       first-order JVP) along every coordinate.</li>
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
        /** Second order: JVP of the VJP rule, VJP of the JVP rule (max relative errors against finite differences). */
        public final double jvpOfVjpErr, vjpOfJvpErr;
        /** Engine values and their finite-difference references, flattened over inputs (for --verbose). */
        public final double[][] values;
        /** Non-null when the case threw or its primal disagreed: what went wrong. */
        public final String error;
        /** The ops the case's forward put on the tape (for the registry's coverage check). */
        public final List<Op> ops;

        Report(String name, double jvpErr, double vjpErr, double transposeErr, double tol, String error, List<Op> ops) {
            this(name, jvpErr, vjpErr, transposeErr, Double.NaN, Double.NaN, tol, error, ops, null);
        }

        Report(String name, double jvpErr, double vjpErr, double transposeErr, double jvpOfVjpErr, double vjpOfJvpErr,
               double tol, String error, List<Op> ops, double[][] values) {
            this.name = name;
            this.jvpErr = jvpErr;
            this.vjpErr = vjpErr;
            this.transposeErr = transposeErr;
            this.jvpOfVjpErr = jvpOfVjpErr;
            this.vjpOfJvpErr = vjpOfJvpErr;
            this.values = values;
            this.tol = tol;
            this.error = error;
            this.ops = ops;
        }

        /** Whether every measured error is within the case's tolerance. */
        public boolean passed() {
            return error == null && jvpErr <= tol && vjpErr <= tol && transposeErr <= transposeTol() && secondOrderPassed();
        }

        /** Both second-order checks within the case's tolerance. */
        public boolean secondOrderPassed() {
            return jvpOfVjpErr <= tol && vjpOfJvpErr <= tol;
        }

        /** TRANSPOSE_TOL, or the case's own tolerance when that is looser (float32 round trips). */
        public double transposeTol() {
            return Math.max(TRANSPOSE_TOL, tol > TOL ? tol : 0);
        }

        /** One row: name, first-order errors (JVP, VJP, transpose identity), second-order errors, PASS/FAIL. */
        public String row() {
            String s = String.format(Locale.ROOT, "%-40s jvp %.2e  vjp %.2e  <v,Ju>-<J'v,u> %.2e  jvp(vjp) %.2e  vjp(jvp) %.2e  %s",
                    name, jvpErr, vjpErr, transposeErr, jvpOfVjpErr, vjpOfJvpErr, passed() ? "PASS" : "FAIL");
            return error == null ? s : s + "  (" + error + ")";
        }

        /** The engine's values beside the finite differences, a few entries of each check. */
        public String details(int maxEntries) {
            if (values == null) return "    (no values: the case did not run)";
            String[] what = {"jvp", "vjp", "jvp(vjp)", "vjp(jvp)"};
            StringBuilder b = new StringBuilder();
            for (int k = 0; k < what.length; k++) {
                double[] eng = values[2 * k], fd = values[2 * k + 1];
                if (eng == null) continue;
                b.append(String.format(Locale.ROOT, "    %-9s engine", what[k]));
                for (int i = 0; i < Math.min(maxEntries, eng.length); i++) b.append(String.format(Locale.ROOT, " %+.9e", eng[i]));
                b.append(eng.length > maxEntries ? " ..." : "").append('\n');
                b.append(String.format(Locale.ROOT, "    %-9s fd    ", ""));
                for (int i = 0; i < Math.min(maxEntries, fd.length); i++) b.append(String.format(Locale.ROOT, " %+.9e", fd[i]));
                b.append(fd.length > maxEntries ? " ..." : "").append('\n');
            }
            return b.toString();
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
                double[] vjpEng = new double[0], vjpFd = new double[0];

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
                    double[] fdi = new double[eng.length];
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
                        fdi[j] = ref;
                        maxErrNum = Math.max(maxErrNum, Math.abs(eng[j] - ref));
                        maxRef = Math.max(maxRef, Math.abs(ref));
                        if (Double.isNaN(eng[j]) || Double.isNaN(ref)) maxErrNum = Double.NaN;
                    }
                    vjpEng = concat(vjpEng, eng);
                    vjpFd = concat(vjpFd, fdi);
                }
                double vjpErr = maxErrNum / Math.max(maxRef, 1);
                double tErr = Math.abs(vju - jtvu) / Math.max(1, Math.max(Math.abs(vju), Math.abs(jtvu)));
                double[][] second = secondOrder(f, x, diff, u, v, h);
                double[][] values = {ju, fd, vjpEng, vjpFd, second[0], second[1], second[2], second[3]};
                return new Report(name, jvpErr, vjpErr, tErr, relErr(second[0], second[1]), relErr(second[2], second[3]), tol, err,
                        ops, values);
            }
        } catch (RuntimeException e) {
            return new Report(name, Double.NaN, Double.NaN, Double.NaN, tol, e.getClass().getSimpleName() + ": " + e.getMessage(), ops);
        }
    }

    /**
     * {engine JVP of the VJP, its finite difference, engine VJP of the JVP, its finite difference},
     * each flattened over the differentiable inputs. u: tangents (null for constant inputs), v: the
     * output cotangent.
     */
    private static double[][] secondOrder(Function<Tensor[], Tensor> f, Tensor[] x, boolean[] diff, Tensor[] u, Tensor v,
                                          double h) {
        // JVP of the VJP: forward-over-reverse against the central difference of the first-order VJP along u.
        double[] jvpOfVjp = new double[0];
        try (GradMode.Scope on = GradMode.enableGrad(); ForwardAD.DualLevel level = ForwardAD.enter()) {
            Tensor[] leaves = leaves(x, diff), in = leaves.clone();
            for (int i = 0; i < x.length; i++) if (diff[i]) in[i] = level.dual(leaves[i], u[i]);
            Tensor y = f.apply(in);
            Tensor[] g = y.requiresGrad() ? Autograd.grad(y, differentiable(leaves, diff), v, false) : null;
            if (g != null)
                for (int w = 0; w < g.length; w++) if (g[w] != null) g[w] = level.tangent(g[w]);
            jvpOfVjp = flatten(g, x, diff);
        }
        Tensor[] xp = x.clone(), xm = x.clone();
        try (GradMode.Scope off = GradMode.noGrad()) {
            for (int i = 0; i < x.length; i++)
                if (diff[i]) {
                    xp[i] = x[i].add(u[i].mul(h));
                    xm[i] = x[i].sub(u[i].mul(h));
                }
        }
        double[] vp = flatVjp(f, xp, diff, v), vm = flatVjp(f, xm, diff, v), jvpOfVjpFd = new double[vp.length];
        for (int j = 0; j < vp.length; j++) jvpOfVjpFd[j] = (vp[j] - vm[j]) / (2 * h);

        // VJP of the JVP: reverse-over-forward against the central difference of <v, J(x) u> per coordinate.
        double[] vjpOfJvp = new double[0];
        try (GradMode.Scope on = GradMode.enableGrad()) {
            Tensor[] leaves = leaves(x, diff);
            Tensor s = ForwardAD.jvp(f, leaves, u, true)[1].mul(v).sum();
            Tensor[] g = s.requiresGrad() ? Autograd.grad(s, differentiable(leaves, diff), null, false) : null;
            vjpOfJvp = flatten(g, x, diff);
        }
        double[] vjpOfJvpFd = new double[0];
        double[] vv = v.toDoubleArray();
        for (int i = 0; i < x.length; i++) {
            if (!diff[i]) continue;
            double[] base = x[i].toDoubleArray(), fdi = new double[base.length];
            Tensor[] xs = x.clone();
            for (int j = 0; j < base.length; j++) {
                double keep = base[j];
                base[j] = keep + h;
                xs[i] = Tensor.of(base, x[i].shape());
                double up = dot(vv, ForwardAD.jvp(f, xs, u)[1].toDoubleArray());
                base[j] = keep - h;
                xs[i] = Tensor.of(base, x[i].shape());
                double dn = dot(vv, ForwardAD.jvp(f, xs, u)[1].toDoubleArray());
                base[j] = keep;
                fdi[j] = (up - dn) / (2 * h);
            }
            vjpOfJvpFd = concat(vjpOfJvpFd, fdi);
        }
        return new double[][] {jvpOfVjp, jvpOfVjpFd, vjpOfJvp, vjpOfJvpFd};
    }

    /** The first-order engine VJP J(x)^T v, flattened over the differentiable inputs. */
    private static double[] flatVjp(Function<Tensor[], Tensor> f, Tensor[] x, boolean[] diff, Tensor v) {
        try (GradMode.Scope on = GradMode.enableGrad()) {
            Tensor[] leaves = leaves(x, diff);
            Tensor y = f.apply(leaves);
            return flatten(y.requiresGrad() ? Autograd.grad(y, differentiable(leaves, diff), v, false) : null, x, diff);
        }
    }

    /**
     * g (one entry per differentiable input, in order; g or an entry null = zeros) flattened into
     * one array over the differentiable inputs of x.
     */
    private static double[] flatten(Tensor[] g, Tensor[] x, boolean[] diff) {
        double[] out = new double[0];
        for (int i = 0, w = 0; i < x.length; i++) {
            if (!diff[i]) continue;
            Tensor gi = g == null ? null : g[w];
            w++;
            out = concat(out, gi == null ? new double[x[i].numel()] : gi.toDoubleArray());
        }
        return out;
    }

    /** Fresh leaves (requiring grad) for the differentiable inputs; constants as they are. */
    private static Tensor[] leaves(Tensor[] x, boolean[] diff) {
        Tensor[] l = x.clone();
        for (int i = 0; i < x.length; i++) if (diff[i]) l[i] = Tensor.of(x[i].toDoubleArray(), x[i].shape()).requiresGrad(true);
        return l;
    }

    private static Tensor[] differentiable(Tensor[] x, boolean[] diff) {
        List<Tensor> d = new ArrayList<>();
        for (int i = 0; i < x.length; i++) if (diff[i]) d.add(x[i]);
        return d.toArray(new Tensor[0]);
    }

    private static double[] concat(double[] a, double[] b) {
        double[] c = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
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

    /** What each column of a row measures (printed first by {@link #runAll}; every line starts with '#'). */
    public static final String HEADER = String.join("\n",
            "# Each op's rules against central finite differences in float64 (h = 1e-6 unless a case says otherwise).",
            "# Errors are max relative errors: max_i |engine_i - fd_i| / max(max_i |fd_i|, 1); a row passes when each is",
            "# at most the case's tolerance (1e-6; looser for cases that round through float32).",
            "#   jvp             J u by forward mode      vs (f(x + h u) - f(x - h u)) / 2h",
            "#   vjp             J^T v by reverse mode    vs <v, f(x + h e_j)> differenced along every coordinate j",
            "#   <v,Ju>-<J'v,u>  the transpose identity, engine against engine (rounding only: 1e-9)",
            "#   jvp(vjp)        the JVP of the VJP rule (forward-over-reverse) vs the VJP differenced along u",
            "#   vjp(jvp)        the VJP of the JVP rule (reverse-over-forward) vs <v, J u> differenced along every coordinate");

    /** Checks every registered case; prints the header, one row each and, last, exactly "N passed, M failed". */
    public static int runAll(PrintStream out) {
        return runAll(out, null, false);
    }

    /**
     * Checks the registered cases of one op (its {@code Op.name()}, a UnaryFn's op name or
     * "composite:NAME"; null for all), printing the header, a row per case (and with verbose the
     * engine's values beside the finite differences) and, last, exactly "N passed, M failed".
     * Throws IllegalArgumentException naming the known ops when op matches no case.
     */
    public static int runAll(PrintStream out, String op, boolean verbose) {
        List<OpCases.Case> cases = new ArrayList<>();
        for (OpCases.Case c : OpCases.all())
            if (op == null || c.op().equals(op) || c.op().equals("composite:" + op)) cases.add(c);
        if (cases.isEmpty()) {
            java.util.TreeSet<String> known = new java.util.TreeSet<>();
            for (OpCases.Case c : OpCases.all()) known.add(c.op().replace("composite:", ""));
            throw new IllegalArgumentException("no gradcheck case for op '" + op + "'; known ops: " + String.join(", ", known));
        }
        out.println(HEADER);
        int passed = 0, failed = 0;
        for (OpCases.Case c : cases) {
            Report r = check(c);
            out.println(r.row());
            if (verbose) out.print(r.details(6));
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
