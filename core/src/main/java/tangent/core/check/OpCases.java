package tangent.core.check;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.function.Supplier;
import tangent.core.DType;
import tangent.core.F;
import tangent.core.Rng;
import tangent.core.Shape;
import tangent.core.Tensor;
import tangent.core.backend.BinaryFn;
import tangent.core.backend.UnaryFn;
import tangent.core.ops.*;

/**
 * The gradcheck registry: one or more cases per primitive in {@code tangent.core.ops}, per
 * {@link UnaryFn} and per composite of {@link F}. Shapes are drawn at random (from fixed seeds,
 * so every run checks the same cases); binary ops and where get broadcasting cases, matmul gets
 * transposed flags and strided (transposed / sliced) operands, conv2d gets stride 2 and padding.
 * Inputs are drawn from each function's domain and away from its kinks: positive for log, sqrt,
 * rsqrt and fractional powers; |x| >= 0.1 for relu, abs and reciprocal; 0.05 away from clamp's
 * bounds; distinct values for max (ties are checked by unit tests: a tie has no derivative).
 * Every input is float64.
 */
public final class OpCases {
    private OpCases() {}

    /**
     * One gradcheck case. op is the {@code Op.name()} of the primitive under test (the registry
     * test checks that it is on the case's tape), or "composite:NAME" for composites of F.
     */
    public record Case(String name, String op, Function<Tensor[], Tensor> fn, Supplier<Tensor[]> gen,
                       boolean[] differentiable, double h, double tol) {
        /** Fresh inputs (deterministic). */
        public Tensor[] inputs() {
            return gen.get();
        }

        /** Whether the case checks a composite of F rather than one primitive. */
        public boolean isComposite() {
            return op.startsWith("composite:");
        }

        @Override
        public String toString() {
            return name;
        }
    }

    private static List<Case> cached;

    /** Every case, in a fixed order. */
    public static synchronized List<Case> all() {
        if (cached == null) cached = Collections.unmodifiableList(build());
        return cached;
    }

    // ---- input helpers ------------------------------------------------------------------------

    private static final class Gen {
        final Rng rng;

        Gen(long seed) {
            rng = new Rng(seed);
        }

        Tensor normal(int... s) {
            return rng.normal(DType.F64, s);
        }

        Tensor uniform(double lo, double hi, int... s) {
            return rng.uniform(DType.F64, lo, hi, s);
        }

        /** Random sign, magnitude in [lo, hi). */
        Tensor awayFromZero(double lo, double hi, int... s) {
            double[] m = rng.uniformArray(Shape.numel(s), lo, hi), u = rng.uniformArray(m.length, 0, 1);
            for (int i = 0; i < m.length; i++) if (u[i] < 0.5) m[i] = -m[i];
            return Tensor.of(m, s);
        }

        /** Like awayFromZero with alternating signs, the first positive: relu's both branches (a scalar: its slope 1). */
        Tensor bothSigns(double lo, double hi, int... s) {
            double[] m = rng.uniformArray(Shape.numel(s), lo, hi);
            for (int i = 1; i < m.length; i += 2) m[i] = -m[i];
            return Tensor.of(m, s);
        }

        /** Small integers 0..k-1 (as float64). */
        Tensor ints(int k, int... s) {
            double[] u = rng.uniformArray(Shape.numel(s), 0, k);
            for (int i = 0; i < u.length; i++) u[i] = Math.floor(u[i]);
            return Tensor.of(u, s);
        }

        Tensor scalarNormal() {
            return Tensor.of(rng.normalArray(1));
        }

        Tensor mask(double pKeep, int... s) {
            return rng.bernoulli(DType.F64, pKeep, s);
        }
    }

    private static int[] randShape(SplittableRandom r, int minRank, int maxRank, int maxDim) {
        int rank = minRank + r.nextInt(maxRank - minRank + 1);
        int[] s = new int[rank];
        for (int i = 0; i < rank; i++) s[i] = 1 + r.nextInt(maxDim);
        return s;
    }

    /** A shape that broadcasts against s: leading dims may be dropped, others set to 1. */
    private static int[] broadcastPartner(SplittableRandom r, int[] s) {
        int drop = s.length == 0 ? 0 : r.nextInt(s.length + 1);
        int[] t = Arrays.copyOfRange(s, drop, s.length);
        for (int i = 0; i < t.length; i++) if (r.nextInt(2) == 0) t[i] = 1;
        return t;
    }

    private static boolean[] diff(boolean... d) {
        return d;
    }

    private static boolean[] all(int n) {
        boolean[] d = new boolean[n];
        Arrays.fill(d, true);
        return d;
    }

    /** A 0/1 mask holding a 1, and a 0 too when it has more than one element. */
    private static boolean mixed(Tensor mask) {
        double[] m = mask.toDoubleArray();
        boolean one = false, zero = false;
        for (double v : m) {
            one |= v != 0;
            zero |= v == 0;
        }
        return one && (zero || m.length == 1);
    }

    private static String str(int[] s) {
        return Shape.str(s).replace(" ", "");
    }

    // ---- the registry -------------------------------------------------------------------------

    private static List<Case> build() {
        List<Case> cs = new ArrayList<>();
        SplittableRandom r = new SplittableRandom(20240611L);
        long[] seed = {1};
        Function<String, Gen> g = k -> new Gen(seed[0]++ * 7919 + k.hashCode());

        // Unary functions without parameters, three random shapes each (ranks 0..3).
        for (UnaryFn fn : UnaryFn.values()) {
            if (fn == UnaryFn.SCALE || fn == UnaryFn.ADD_SCALAR || fn == UnaryFn.POW || fn == UnaryFn.CLAMP) continue;
            for (int k = 0; k < 3; k++) {
                int[] s = randShape(r, 0, 3, 4);
                Gen gen = g.apply(fn.name());
                Supplier<Tensor> x;
                switch (fn) {
                    case LOG: case SQRT: case RSQRT: x = () -> gen.uniform(0.5, 2.0, s); break;
                    case RELU: x = () -> gen.bothSigns(0.1, 1.5, s); break;
                    case ABS: case RECIPROCAL: x = () -> gen.awayFromZero(0.1, 1.5, s); break;
                    default: x = () -> gen.normal(s);
                }
                Tensor x0 = x.get();
                cs.add(new Case(fn.opName() + " " + str(s), fn.opName(), in -> new Unary(fn).apply(in[0]),
                        () -> new Tensor[] {x0}, all(1), Gradcheck.H, Gradcheck.TOL));
            }
        }

        // Parametric unary ops.
        double[][] params = {{-1.7}, {0.3}, {2}, {3}, {0.5}, {-1.5}, {1.3}};
        for (int k = 0; k < 3; k++) {
            int[] s = randShape(r, 0, 3, 4);
            Tensor x0 = g.apply("scale").normal(s), x1 = g.apply("add").normal(s);
            double c = params[k][0];
            cs.add(new Case("scale(" + c + ") " + str(s), "scale", in -> new Scale(c).apply(in[0]), () -> new Tensor[] {x0},
                    all(1), Gradcheck.H, Gradcheck.TOL));
            cs.add(new Case("add_scalar(" + c + ") " + str(s), "add_scalar", in -> new AddScalar(c).apply(in[0]),
                    () -> new Tensor[] {x1}, all(1), Gradcheck.H, Gradcheck.TOL));
        }
        for (int k = 2; k < params.length; k++) {
            int[] s = randShape(r, 1, 3, 4);
            double p = params[k][0];
            Tensor x0 = p == 2 || p == 3 ? g.apply("pow").normal(s) : g.apply("pow").uniform(0.5, 2.0, s);
            cs.add(new Case("pow(" + p + ") " + str(s), "pow", in -> new PowScalar(p).apply(in[0]), () -> new Tensor[] {x0},
                    all(1), Gradcheck.H, Gradcheck.TOL));
        }
        for (int k = 0; k < 3; k++) {
            int[] s = randShape(r, 1, 3, 5);
            double[] v = g.apply("clamp").uniform(-1, 1, s).toDoubleArray();
            for (int i = 0; i < v.length; i++)
                if (Math.abs(Math.abs(v[i]) - 0.5) < 0.05) v[i] += 0.1 * Math.signum(v[i]);
            Tensor x0 = Tensor.of(v, s);
            cs.add(new Case("clamp(-0.5,0.5) " + str(s), "clamp", in -> in[0].clamp(-0.5, 0.5), () -> new Tensor[] {x0},
                    all(1), Gradcheck.H, Gradcheck.TOL));
        }

        // Broadcasting binary ops: same shape, one side broadcast, both sides broadcast.
        String[] bins = {"add", "sub", "mul", "div"};
        for (String op : bins) {
            for (int k = 0; k < 3; k++) {
                int[] a, b;
                if (k == 0) {
                    a = randShape(r, 1, 3, 4);
                    b = a.clone();
                } else if (k == 1) {
                    a = randShape(r, 2, 4, 3);
                    b = broadcastPartner(r, a);
                } else {
                    int m = 2 + r.nextInt(3), n = 2 + r.nextInt(3);
                    a = new int[] {m, 1};
                    b = new int[] {2, 1, n};
                }
                Gen gen = g.apply(op);
                Tensor x0 = gen.normal(a);
                Tensor y0 = op.equals("div") ? gen.awayFromZero(0.5, 2.0, b) : gen.normal(b);
                Function<Tensor[], Tensor> fn;
                switch (op) {
                    case "add": fn = in -> in[0].add(in[1]); break;
                    case "sub": fn = in -> in[0].sub(in[1]); break;
                    case "mul": fn = in -> in[0].mul(in[1]); break;
                    default: fn = in -> in[0].div(in[1]);
                }
                boolean swap = k == 1 && r.nextBoolean();
                Tensor p0 = swap ? y0 : x0, p1 = swap ? x0 : y0;
                if (swap && op.equals("div")) {
                    p0 = gen.normal(b);
                    p1 = gen.awayFromZero(0.5, 2.0, a);
                }
                Tensor q0 = p0, q1 = p1;
                cs.add(new Case(op + " " + str(q0.shape()) + " " + str(q1.shape()), op, fn, () -> new Tensor[] {q0, q1},
                        all(2), Gradcheck.H, Gradcheck.TOL));
            }
        }

        // silu_backward(x, g) = g silu'(x): SiLU's fused chain rule; its own rules are checked here
        // (second derivatives of silu), same shape and broadcast g.
        {
            Gen gen = g.apply("silu_backward");
            Tensor x0 = gen.normal(2, 3, 4), g0 = gen.normal(2, 3, 4), g1 = gen.normal(3, 1);
            cs.add(new Case("silu_backward (2,3,4) (2,3,4)", "silu_backward", in -> new SiluBackward().apply(in[0], in[1]),
                    () -> new Tensor[] {x0, g0}, all(2), Gradcheck.H, Gradcheck.TOL));
            cs.add(new Case("silu_backward (2,3,4) (3,1)", "silu_backward", in -> new SiluBackward().apply(in[0], in[1]),
                    () -> new Tensor[] {x0, g1}, all(2), Gradcheck.H, Gradcheck.TOL));
        }

        // group_norm as a primitive: fused kernels and generic rules (fused = false), with and without affine.
        {
            Gen gen = g.apply("group_norm");
            Tensor x0 = gen.normal(2, 4, 3, 3), gm = gen.normal(4), bt = gen.normal(4), x1 = gen.normal(3, 6, 5);
            for (boolean fz : new boolean[] {true, false}) {
                String tag = fz ? "fused" : "generic";
                cs.add(new Case("group_norm " + tag + " 2 groups (2,4,3,3) affine", "group_norm",
                        in -> new GroupNorm(2, 1e-5, true, true, fz).apply(in[0], in[1], in[2]), () -> new Tensor[] {x0, gm, bt},
                        all(3), Gradcheck.H, Gradcheck.TOL));
                cs.add(new Case("group_norm " + tag + " 3 groups (3,6,5) plain", "group_norm",
                        in -> new GroupNorm(3, 1e-5, false, false, fz).apply(in[0]), () -> new Tensor[] {x1}, all(1), Gradcheck.H,
                        Gradcheck.TOL));
            }
            cs.add(new Case("group_norm fused 1 group (2,4,3,3) beta only", "group_norm",
                    in -> new GroupNorm(1, 1e-5, false, true, true).apply(in[0], in[1]), () -> new Tensor[] {x0, bt}, all(2),
                    Gradcheck.H, Gradcheck.TOL));
            // group_norm_silu: the same op followed by silu
            for (boolean fz : new boolean[] {true, false}) {
                String tag = fz ? "fused" : "generic";
                cs.add(new Case("group_norm_silu " + tag + " 2 groups (2,4,3,3) affine", "group_norm_silu",
                        in -> new GroupNorm(2, 1e-5, true, true, true, fz).apply(in[0], in[1], in[2]), () -> new Tensor[] {x0, gm, bt},
                        all(3), Gradcheck.H, Gradcheck.TOL));
            }
            cs.add(new Case("group_norm_silu fused 3 groups (3,6,5) plain", "group_norm_silu",
                    in -> new GroupNorm(3, 1e-5, false, false, true, true).apply(in[0]), () -> new Tensor[] {x1}, all(1), Gradcheck.H,
                    Gradcheck.TOL));
        }

        // add_scale as a primitive: fused kernels and generic rules.
        {
            Gen gen = g.apply("add_scale");
            Tensor a0 = gen.normal(2, 3, 4), b0 = gen.normal(2, 3, 4);
            for (boolean fz : new boolean[] {true, false})
                cs.add(new Case("add_scale " + (fz ? "fused" : "generic") + " (2,3,4) c=0.7", "add_scale",
                        in -> new AddScale(0.7, fz).apply(in[0], in[1]), () -> new Tensor[] {a0, b0}, all(2), Gradcheck.H,
                        Gradcheck.TOL));
        }

        // scale_shift as a primitive: fused kernels and generic rules, per-sample and per-channel coefficients.
        {
            Gen gen = g.apply("scale_shift");
            Tensor x0 = gen.normal(2, 3, 4, 2), s0 = gen.normal(2, 3, 1, 1), b0 = gen.normal(2, 3, 1, 1);
            Tensor x1 = gen.normal(3, 4, 5), s1 = gen.normal(1, 4, 1), b1 = gen.normal(1, 4, 1);
            for (boolean fz : new boolean[] {true, false}) {
                String tag = fz ? "fused" : "generic";
                cs.add(new Case("scale_shift " + tag + " (2,3,4,2) (2,3,1,1)", "scale_shift",
                        in -> new ScaleShift(fz).apply(in[0], in[1], in[2]), () -> new Tensor[] {x0, s0, b0}, all(3), Gradcheck.H,
                        Gradcheck.TOL));
                cs.add(new Case("scale_shift " + tag + " (3,4,5) (1,4,1)", "scale_shift",
                        in -> new ScaleShift(fz).apply(in[0], in[1], in[2]), () -> new Tensor[] {x1, s1, b1}, all(3), Gradcheck.H,
                        Gradcheck.TOL));
                cs.add(new Case("scale_shift_silu " + tag + " (2,3,4,2) (2,3,1,1)", "scale_shift_silu",
                        in -> new ScaleShift(true, fz).apply(in[0], in[1], in[2]), () -> new Tensor[] {x0, s0, b0}, all(3), Gradcheck.H,
                        Gradcheck.TOL));
                cs.add(new Case("scale_shift_silu " + tag + " (3,4,5) (1,4,1)", "scale_shift_silu",
                        in -> new ScaleShift(true, fz).apply(in[0], in[1], in[2]), () -> new Tensor[] {x1, s1, b1}, all(3), Gradcheck.H,
                        Gradcheck.TOL));
            }
        }

        // Comparisons: masks have zero derivative; f = cmp(a, b) * c so the mask matters.
        // (A tie between two different inputs is a jump: no derivative, so no such case.)
        BinaryFn[] cmps = {BinaryFn.GT, BinaryFn.GE, BinaryFn.LT, BinaryFn.LE, BinaryFn.EQ};
        for (BinaryFn cmp : cmps) {
            for (int k = 0; k < 2; k++) {
                int[] a = randShape(r, 1, 3, 4), b = k == 0 ? a.clone() : broadcastPartner(r, a);
                Gen gen = g.apply(cmp.name());
                Tensor c0 = gen.normal(Shape.broadcast("cmp", a, b));
                String nm = cmp.name().toLowerCase();
                if (cmp == BinaryFn.EQ) {
                    // Ties on purpose: eq(a, a) stays 1 under any perturbation of a. (eq of two continuous
                    // inputs is 0 everywhere: f identically zero, a case that could not fail.)
                    int[] sh = k == 0 ? a : b;
                    Tensor a0 = gen.normal(sh);
                    String name = "eq (a, a) " + str(sh) + (k == 1 && Arrays.equals(a, b) ? " #2" : "");
                    cs.add(new Case(name, nm, in -> new Compare(cmp).apply(in[0], in[0]).mul(in[1]),
                            () -> new Tensor[] {a0, c0}, all(2), Gradcheck.H, Gradcheck.TOL));
                    continue;
                }
                // A mask of all zeros makes f and its derivative identically zero: redraw until it holds a 1 (and a 0).
                Tensor[] ab = {gen.normal(a), gen.normal(b)};
                for (int tries = 0; tries < 100 && !mixed(new Compare(cmp).apply(ab[0], ab[1])); tries++) {
                    ab[0] = gen.normal(a);
                    ab[1] = gen.normal(b);
                }
                Tensor a0 = ab[0], b0 = ab[1];
                // Continuous values: no ties, so the mask is locally constant.
                cs.add(new Case(nm + " " + str(a) + " " + str(b), nm, in -> new Compare(cmp).apply(in[0], in[1]).mul(in[2]),
                        () -> new Tensor[] {a0, b0, c0}, all(3), Gradcheck.H, Gradcheck.TOL));
            }
        }

        // where(cond, a, b) with broadcasting of all three; cond is a constant mask.
        int[][][] whereShapes = {{{3, 4}, {3, 4}, {3, 4}}, {{2, 1, 4}, {3, 1}, {4}}, {{5}, {2, 5}, {}}};
        for (int[][] ws : whereShapes) {
            Gen gen = g.apply("where");
            Tensor c0 = gen.mask(0.5, ws[0]), a0 = gen.normal(ws[1]), b0 = gen.normal(ws[2]);
            cs.add(new Case("where " + str(ws[0]) + " " + str(ws[1]) + " " + str(ws[2]), "where",
                    in -> F.where(in[0], in[1], in[2]), () -> new Tensor[] {c0, a0, b0}, diff(false, true, true),
                    Gradcheck.H, Gradcheck.TOL));
        }

        // Reductions.
        int[][] axesList = {{}, {0}, {1, 2}, {-1}};
        for (int k = 0; k < axesList.length; k++) {
            int[] s = randShape(r, 3, 3, 4);
            int[] ax = axesList[k];
            boolean keep = k % 2 == 1;
            Tensor x0 = g.apply("sum").normal(s), x1 = g.apply("max").normal(s);
            cs.add(new Case("sum" + Arrays.toString(ax) + (keep ? " keep " : " ") + str(s), "sum", in -> in[0].sum(ax, keep),
                    () -> new Tensor[] {x0}, all(1), Gradcheck.H, Gradcheck.TOL));
            cs.add(new Case("max" + Arrays.toString(ax) + (keep ? " keep " : " ") + str(s), "max", in -> in[0].max(ax, keep),
                    () -> new Tensor[] {x1}, all(1), Gradcheck.H, Gradcheck.TOL));
        }

        // matmul: flags, batches, shared rank-2 operands, strided operands.
        for (int k = 0; k < 4; k++) {
            boolean ta = (k & 1) != 0, tb = (k & 2) != 0;
            int m = 1 + r.nextInt(4), kk = 1 + r.nextInt(4), n = 1 + r.nextInt(4);
            int[] as = ta ? new int[] {kk, m} : new int[] {m, kk}, bs = tb ? new int[] {n, kk} : new int[] {kk, n};
            Gen gen = g.apply("mm");
            Tensor a0 = gen.normal(as), b0 = gen.normal(bs);
            cs.add(new Case("matmul" + (ta ? "^T" : "") + (tb ? " ^T" : "") + " " + str(as) + " " + str(bs), "matmul",
                    in -> F.matmul(in[0], in[1], ta, tb), () -> new Tensor[] {a0, b0}, all(2), Gradcheck.H, Gradcheck.TOL));
        }
        {
            Gen gen = g.apply("mmb");
            Tensor a0 = gen.normal(2, 3, 4), b0 = gen.normal(2, 4, 2), w0 = gen.normal(4, 3), c0 = gen.normal(3, 2, 4);
            cs.add(new Case("matmul batched (2,3,4) (2,4,2)", "matmul", in -> in[0].matmul(in[1]), () -> new Tensor[] {a0, b0},
                    all(2), Gradcheck.H, Gradcheck.TOL));
            cs.add(new Case("matmul batched x shared (2,3,4) (4,3)", "matmul", in -> in[0].matmul(in[1]),
                    () -> new Tensor[] {a0, w0}, all(2), Gradcheck.H, Gradcheck.TOL));
            cs.add(new Case("matmul shared x batched^T (4,3)^T (3,2,4)^T", "matmul", in -> F.matmul(in[0], in[1], true, true),
                    () -> new Tensor[] {w0, c0}, all(2), Gradcheck.H, Gradcheck.TOL));
            Tensor p0 = gen.normal(5, 3), q0 = gen.normal(4, 6);
            cs.add(new Case("matmul strided: (5,3)^T view x (4,6)^T[1:6] view", "matmul",
                    in -> in[0].transpose(0, 1).matmul(in[1].transpose(0, 1).slice(0, 1, 6)), () -> new Tensor[] {p0, q0},
                    all(2), Gradcheck.H, Gradcheck.TOL));
            cs.add(new Case("matmul^T strided: (5,3)[1:5] view ^T x (4,6)[:, 2:5]", "matmul",
                    in -> F.matmul(in[0].slice(0, 1, 5), in[1].slice(1, 2, 5), true, false), () -> new Tensor[] {p0, q0},
                    all(2), Gradcheck.H, Gradcheck.TOL));
        }

        // conv2d: padding, stride 2, non-square kernels, 1x1.
        int[][] convs = { // B, C, H, W, O, kh, kw, stride, pad
            {2, 2, 5, 5, 3, 3, 3, 1, 1}, {1, 3, 6, 7, 2, 3, 3, 2, 1}, {2, 2, 6, 5, 2, 2, 3, 2, 0}, {1, 2, 4, 4, 3, 1, 1, 1, 0}};
        for (int[] c : convs) {
            int[] xs = {c[0], c[1], c[2], c[3]}, ws = {c[4], c[1], c[5], c[6]};
            int st = c[7], pd = c[8];
            Gen gen = g.apply("conv");
            Tensor x0 = gen.normal(xs), w0 = gen.normal(ws);
            String tag = str(xs) + " w" + str(ws) + " s" + st + " p" + pd;
            cs.add(new Case("conv2d " + tag, "conv2d", in -> F.conv2d(in[0], in[1], null, st, pd), () -> new Tensor[] {x0, w0},
                    all(2), Gradcheck.H, Gradcheck.TOL));
            int[] ys = {c[0], c[4], (c[2] + 2 * pd - c[5]) / st + 1, (c[3] + 2 * pd - c[6]) / st + 1};
            Tensor gy0 = gen.normal(ys);
            if (c == convs[0] || c == convs[1] || c == convs[2]) {
                cs.add(new Case("conv2d_backward_input " + tag, "conv2d_backward_input",
                        in -> new Conv2dBackwardInput(xs, st, pd).apply(in[0], in[1]), () -> new Tensor[] {gy0, w0}, all(2),
                        Gradcheck.H, Gradcheck.TOL));
                cs.add(new Case("conv2d_backward_weight " + tag, "conv2d_backward_weight",
                        in -> new Conv2dBackwardWeight(ws, st, pd).apply(in[0], in[1]), () -> new Tensor[] {x0, gy0}, all(2),
                        Gradcheck.H, Gradcheck.TOL));
            }
        }
        {
            Gen gen = g.apply("convb");
            Tensor x0 = gen.normal(2, 2, 4, 4), w0 = gen.normal(3, 2, 3, 3), b0 = gen.normal(3);
            cs.add(new Case("conv2d with bias (2,2,4,4) s1 p1", "conv2d", in -> F.conv2d(in[0], in[1], in[2], 1, 1),
                    () -> new Tensor[] {x0, w0, b0}, all(3), Gradcheck.H, Gradcheck.TOL));
            Tensor x1 = gen.normal(1, 2, 5, 6);
            cs.add(new Case("conv2d with bias (1,2,5,6) s2 p1", "conv2d", in -> F.conv2d(in[0], in[1], in[2], 2, 1),
                    () -> new Tensor[] {x1, w0, b0}, all(3), Gradcheck.H, Gradcheck.TOL));
            cs.add(new Case("conv2d with bias, only the bias varies (2,2,4,4)", "conv2d",
                    in -> F.conv2d(in[0], in[1], in[2], 1, 0), () -> new Tensor[] {x0, w0, b0}, diff(false, false, true),
                    Gradcheck.H, Gradcheck.TOL));
        }

        // Images.
        {
            Gen gen = g.apply("img");
            Tensor u0 = gen.normal(2, 2, 3, 3), u1 = gen.normal(1, 3, 2, 4), p0 = gen.normal(1, 2, 4, 6), p1 = gen.normal(2, 1, 2, 2);
            cs.add(new Case("upsample2x (2,2,3,3)", "upsample2x", in -> F.upsample2x(in[0]), () -> new Tensor[] {u0}, all(1),
                    Gradcheck.H, Gradcheck.TOL));
            cs.add(new Case("upsample2x strided (1,3,2,4)^perm", "upsample2x", in -> F.upsample2x(in[0].permute(0, 1, 3, 2)),
                    () -> new Tensor[] {u1}, all(1), Gradcheck.H, Gradcheck.TOL));
            cs.add(new Case("sum_pool2x (1,2,4,6)", "sum_pool2x", in -> new SumPool2x().apply(in[0]), () -> new Tensor[] {p0},
                    all(1), Gradcheck.H, Gradcheck.TOL));
            cs.add(new Case("sum_pool2x (2,1,2,2)", "sum_pool2x", in -> new SumPool2x().apply(in[0]), () -> new Tensor[] {p1},
                    all(1), Gradcheck.H, Gradcheck.TOL));
        }

        // Shape ops.
        {
            Gen gen = g.apply("shape");
            Tensor a = gen.normal(2, 3, 4), b = gen.normal(3, 5), c = gen.normal(2, 1, 3), d = gen.normal(3, 1);
            Tensor e = gen.scalarNormal();
            cs.add(new Case("reshape (2,3,4)->(6,-1)", "reshape", in -> in[0].reshape(6, -1), () -> new Tensor[] {a}, all(1),
                    Gradcheck.H, Gradcheck.TOL));
            cs.add(new Case("reshape of transposed (3,5)^T->(15,)", "reshape", in -> in[0].transpose(0, 1).reshape(15),
                    () -> new Tensor[] {b}, all(1), Gradcheck.H, Gradcheck.TOL));
            cs.add(new Case("permute (2,3,4) [2,0,1]", "permute", in -> in[0].permute(2, 0, 1), () -> new Tensor[] {a}, all(1),
                    Gradcheck.H, Gradcheck.TOL));
            cs.add(new Case("permute (3,5) [1,0] then mul", "permute", in -> in[0].permute(1, 0).mul(in[0].permute(1, 0)),
                    () -> new Tensor[] {b}, all(1), Gradcheck.H, Gradcheck.TOL));
            cs.add(new Case("slice (2,3,4) axis 1 [1:3]", "slice", in -> in[0].slice(1, 1, 3), () -> new Tensor[] {a}, all(1),
                    Gradcheck.H, Gradcheck.TOL));
            cs.add(new Case("slice (3,5)^T axis -1 [0:2]", "slice", in -> in[0].transpose(0, 1).slice(-1, 0, 2),
                    () -> new Tensor[] {b}, all(1), Gradcheck.H, Gradcheck.TOL));
            cs.add(new Case("pad (2,1,3)->(2,4,3) at 2", "pad", in -> new Pad(new int[] {2, 4, 3}, 1, 2).apply(in[0]),
                    () -> new Tensor[] {c}, all(1), Gradcheck.H, Gradcheck.TOL));
            cs.add(new Case("pad (3,5)->(3,8) at 0 axis -1", "pad", in -> new Pad(new int[] {3, 8}, -1, 0).apply(in[0]),
                    () -> new Tensor[] {b}, all(1), Gradcheck.H, Gradcheck.TOL));
            cs.add(new Case("expand (3,1)->(2,3,4)", "expand", in -> in[0].expand(2, 3, 4), () -> new Tensor[] {d}, all(1),
                    Gradcheck.H, Gradcheck.TOL));
            cs.add(new Case("expand ()->(2,2)", "expand", in -> in[0].expand(2, 2), () -> new Tensor[] {e}, all(1), Gradcheck.H,
                    Gradcheck.TOL));
            Tensor f1 = gen.normal(2, 2, 3), f2 = gen.normal(2, 1, 3);
            cs.add(new Case("concat axis 1 (2,3,4)[..,0:3]+(2,2,3)+(2,1,3)", "concat",
                    in -> F.concat(1, in[0].slice(2, 0, 3), in[1], in[2]), () -> new Tensor[] {a, f1, f2}, all(3), Gradcheck.H,
                    Gradcheck.TOL));
            Tensor h1 = gen.normal(1, 5), h2 = gen.normal(2, 5);
            cs.add(new Case("concat axis 0 (3,5)+(1,5)+(2,5), middle constant", "concat", in -> F.concat(0, in[0], in[1], in[2]),
                    () -> new Tensor[] {b, h1, h2}, diff(true, false, true), Gradcheck.H, Gradcheck.TOL));
            cs.add(new Case("contiguous of transposed (3,5)", "contiguous", in -> in[0].transpose(0, 1).contiguous(),
                    () -> new Tensor[] {b}, all(1), Gradcheck.H, Gradcheck.TOL));
            cs.add(new Case("contiguous of contiguous (2,3,4)", "contiguous", in -> in[0].contiguous(), () -> new Tensor[] {a},
                    all(1), Gradcheck.H, Gradcheck.TOL));
            cs.add(new Case("cast float64->float64", "cast", in -> new Cast(DType.F64).apply(in[0]), () -> new Tensor[] {b},
                    all(1), Gradcheck.H, Gradcheck.TOL));
            // Through float32: the function is linear, so a large step is exact up to float32 rounding.
            cs.add(new Case("cast float64->float32->float64 (h=1e-2, tol 1e-4)", "cast",
                    in -> in[0].to(DType.F32).mul(2.0).to(DType.F64), () -> new Tensor[] {b}, all(1), 1e-2, 1e-4));
        }

        // Composites of F.
        {
            Gen gen = g.apply("comp");
            Tensor a = gen.normal(2, 3, 4), l = gen.normal(4, 5), img = gen.normal(2, 4, 3, 3), img3 = gen.normal(2, 6, 5);
            Tensor gamma = gen.normal(4), beta = gen.normal(4), v = gen.normal(3, 6), mask = gen.mask(0.7, 2, 3, 4);
            Tensor w = gen.normal(3, 5), bias = gen.normal(3), x3 = gen.normal(2, 4, 5);
            int[] labels = {1, 0, 4, 2};
            cs.add(composite("mean all (2,3,4)", "mean", in -> in[0].mean(), a));
            cs.add(composite("mean [0,2] keep (2,3,4)", "mean", in -> F.mean(in[0], new int[] {0, 2}, true), a));
            cs.add(composite("variance [-1] (2,3,4)", "variance", in -> F.variance(in[0], new int[] {-1}, false), a));
            cs.add(composite("variance [0,1] keep (2,3,4)", "variance", in -> F.variance(in[0], new int[] {0, 1}, true), a));
            cs.add(composite("softmax axis -1 (4,5)", "softmax", in -> F.softmax(in[0], -1), l));
            cs.add(composite("softmax axis 1 (2,3,4)", "softmax", in -> F.softmax(in[0], 1), a));
            cs.add(composite("log_softmax axis 1 (4,5)", "log_softmax", in -> F.logSoftmax(in[0], 1), l));
            cs.add(composite("log_softmax axis 0 (2,3,4)", "log_softmax", in -> F.logSoftmax(in[0], 0), a));
            cs.add(composite("cross_entropy (4,5)", "cross_entropy", in -> F.crossEntropy(in[0], labels), l));
            cs.add(composite("group_norm 2 groups (2,4,3,3) affine", "group_norm",
                    in -> F.groupNorm(in[0], 2, in[1], in[2], 1e-5), img, gamma, beta));
            cs.add(composite("group_norm 3 groups (2,6,5) plain", "group_norm", in -> F.groupNorm(in[0], 3, null, null, 1e-5), img3));
            cs.add(composite("pixel_norm axis 1 (3,6)", "pixel_norm", in -> F.pixelNorm(in[0], 1, 1e-8), v));
            cs.add(composite("pixel_norm axis 1 (2,4,3,3)", "pixel_norm", in -> F.pixelNorm(in[0], 1, 1e-8), img));
            cs.add(new Case("dropout p=0.3 (2,3,4) fixed mask", "composite:dropout", in -> F.dropout(in[0], in[1], 0.3),
                    () -> new Tensor[] {a, mask}, diff(true, false), Gradcheck.H, Gradcheck.TOL));
            cs.add(composite("l2_norm per sample (2,3,4)", "l2_norm", in -> F.l2NormPerSample(in[0]), a));
            cs.add(composite("l2_norm per sample (3,6)", "l2_norm", in -> F.l2NormPerSample(in[0]), v));
            cs.add(composite("linear (4,5) w(3,5) b(3)", "linear", in -> F.linear(in[0], in[1], in[2]), l, w, bias));
            cs.add(composite("linear (2,4,5) w(3,5) no bias", "linear", in -> F.linear(in[0], in[1], null), x3, w));
            Tensor mseTarget = gen.normal(2, 3, 4);
            cs.add(composite("mse_loss (2,3,4)", "mse_loss", in -> F.mseLoss(in[0], in[1]), a, mseTarget));
            cs.add(composite("gelu (tanh) (2,3,4)", "gelu", in -> F.gelu(in[0]), a));
            cs.add(composite("stack axis 1 (4,5) x2", "stack", in -> F.stack(1, in[0], in[1]), l, l.mul(0.5)));
            Tensor vec = gen.normal(5), vec4 = gen.normal(4);
            cs.add(composite("matmul 1-D: (4,5) x (5)", "matmul_1d", in -> in[0].matmul(in[1]), l, vec));
            cs.add(composite("matmul 1-D: (4) x (2,4,5)", "matmul_1d", in -> in[0].matmul(in[1]), vec4, x3));
            cs.add(composite("matmul 1-D: dot (5) x (5)", "matmul_1d", in -> in[0].matmul(in[1]), vec, vec.mul(-2)));
        }

        // Gather and its adjoint: repeated and unordered indices, strided input.
        {
            Gen gen = g.apply("index");
            Tensor t = gen.normal(4, 3), u = gen.normal(2, 5, 3);
            cs.add(new Case("index_select axis 0 (4,3) [2,0,2,3,2]", "index_select", in -> in[0].indexSelect(0, 2, 0, 2, 3, 2),
                    () -> new Tensor[] {t}, all(1), Gradcheck.H, Gradcheck.TOL));
            cs.add(new Case("index_select axis -1 of (2,5,3)^T(1,2) [1,1,4]", "index_select",
                    in -> in[0].transpose(1, 2).indexSelect(-1, 1, 1, 4), () -> new Tensor[] {u}, all(1), Gradcheck.H, Gradcheck.TOL));
            Tensor src = gen.normal(5, 3);
            cs.add(new Case("index_add (5,3) into (4,3) [2,0,2,3,2]", "index_add",
                    in -> new IndexAdd(new int[] {4, 3}, 0, new int[] {2, 0, 2, 3, 2}).apply(in[0]), () -> new Tensor[] {src},
                    all(1), Gradcheck.H, Gradcheck.TOL));
            Tensor src2 = gen.normal(2, 2, 3);
            cs.add(new Case("index_add (2,2,3) into (2,4,3) axis 1 [3,1]", "index_add",
                    in -> new IndexAdd(new int[] {2, 4, 3}, 1, new int[] {3, 1}).apply(in[0]), () -> new Tensor[] {src2},
                    all(1), Gradcheck.H, Gradcheck.TOL));
        }

        // pixel_norm and softmax as primitives: fused kernels and generic rules (fused = false).
        {
            Gen gen = g.apply("pixel_norm+softmax");
            Tensor v = gen.normal(3, 6), img = gen.normal(2, 4, 3, 3), l = gen.normal(4, 5), a = gen.normal(2, 3, 4);
            for (boolean fz : new boolean[] {true, false}) {
                String tag = fz ? "fused" : "generic";
                cs.add(new Case("pixel_norm " + tag + " axis 1 (3,6)", "pixel_norm", in -> new PixelNorm(1, 1e-8, fz).apply(in[0]),
                        () -> new Tensor[] {v}, all(1), Gradcheck.H, Gradcheck.TOL));
                cs.add(new Case("pixel_norm " + tag + " axis 1 (2,4,3,3)", "pixel_norm",
                        in -> new PixelNorm(1, 1e-8, fz).apply(in[0]), () -> new Tensor[] {img}, all(1), Gradcheck.H, Gradcheck.TOL));
                cs.add(new Case("softmax " + tag + " axis -1 (4,5)", "softmax", in -> new Softmax(-1, fz).apply(in[0]),
                        () -> new Tensor[] {l}, all(1), Gradcheck.H, Gradcheck.TOL));
                cs.add(new Case("softmax " + tag + " axis 1 (2,3,4)", "softmax", in -> new Softmax(1, fz).apply(in[0]),
                        () -> new Tensor[] {a}, all(1), Gradcheck.H, Gradcheck.TOL));
            }
        }
        return cs;
    }

    private static Case composite(String name, String op, Function<Tensor[], Tensor> fn, Tensor... x) {
        return new Case(name, "composite:" + op, fn, () -> x.clone(), all(x.length), Gradcheck.H, Gradcheck.TOL);
    }
}
