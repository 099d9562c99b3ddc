package tangent.core.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.Function;
import org.junit.jupiter.api.Test;
import tangent.core.Autograd;
import tangent.core.DType;
import tangent.core.F;
import tangent.core.ForwardAD;
import tangent.core.Rng;
import tangent.core.Tensor;

/**
 * The group_norm primitive: fused kernels against the generic rules and the composite definition
 * (forward, jvp, vjp, in float64 to 1e-12), float32 against float64, and nested differentiation
 * (a jvp of the gradient, which must take the generic rules).
 */
class GroupNormTest {
    static void close(Tensor e, Tensor a, double tol, String what) {
        assertArrayEquals(e.shape(), a.shape(), what);
        double[] ev = e.toDoubleArray(), av = a.toDoubleArray();
        double scale = 1;
        for (double v : ev) scale = Math.max(scale, Math.abs(v));
        for (int i = 0; i < ev.length; i++) assertEquals(ev[i], av[i], tol * scale, what + " element " + i);
    }

    static Function<Tensor[], Tensor> op(int groups, boolean gamma, boolean beta, boolean fused) {
        return in -> new GroupNorm(groups, 1e-5, gamma, beta, fused).apply(in);
    }

    static Function<Tensor[], Tensor> composite(int groups, boolean gamma, boolean beta) {
        return in -> GroupNorm.composite(in[0], groups, gamma ? in[1] : null, beta ? in[gamma ? 2 : 1] : null, 1e-5);
    }

    static Tensor[] inputs(Rng rng, DType dt, int[] s, boolean gamma, boolean beta) {
        int n = 1 + (gamma ? 1 : 0) + (beta ? 1 : 0), i = 1;
        Tensor[] in = new Tensor[n];
        in[0] = rng.normal(dt, s).mul(3.0).add(1.5);
        if (gamma) in[i++] = rng.normal(dt, s[1]);
        if (beta) in[i] = rng.normal(dt, s[1]);
        return in;
    }

    /** {y, jvp, grads of <v, f>} of f at x. */
    static Tensor[] all(Function<Tensor[], Tensor> f, Tensor[] x, Tensor[] dx, Tensor v) {
        Tensor[] yd = ForwardAD.jvp(f, x, dx);
        Tensor[] xs = new Tensor[x.length];
        for (int i = 0; i < x.length; i++) xs[i] = x[i].detach().requiresGrad(true);
        Tensor y = f.apply(xs);
        Tensor[] g = Autograd.grad(y, xs, v, false);
        Tensor[] out = new Tensor[2 + g.length];
        out[0] = yd[0];
        out[1] = yd[1];
        System.arraycopy(g, 0, out, 2, g.length);
        return out;
    }

    /** One path of a group_norm variant: (groups, gamma, beta) -> the function of its inputs. */
    interface Path {
        Function<Tensor[], Tensor> of(int groups, boolean gamma, boolean beta);
    }

    /** Over the shapes and each gamma/beta choice: fused and generic within 1e-12 of the composite (float64; forward, JVP, VJPs). */
    private static void fusedAndGenericMatchComposite(Rng rng, int[][] shapes, int[] groups, Path fused, Path generic, Path composite,
                                                      String label) {
        for (int k = 0; k < shapes.length; k++)
            for (int m = 0; m < 4; m++) {
                boolean gm = (m & 1) != 0, bt = (m & 2) != 0;
                Tensor[] x = inputs(rng, DType.F64, shapes[k], gm, bt), dx = inputs(rng, DType.F64, shapes[k], gm, bt);
                Tensor v = rng.normal(DType.F64, shapes[k]);
                int g = groups[k];
                Tensor[] fz = all(fused.of(g, gm, bt), x, dx, v), gen = all(generic.of(g, gm, bt), x, dx, v),
                        ref = all(composite.of(g, gm, bt), x, dx, v);
                for (int i = 0; i < ref.length; i++) {
                    String what = label + "shape " + k + " gamma " + gm + " beta " + bt + " output " + i;
                    close(ref[i], fz[i], 1e-12, "fused " + what);
                    close(ref[i], gen[i], 1e-12, "generic " + what);
                }
            }
    }

    @Test
    void fusedMatchesGenericAndComposite() {
        fusedAndGenericMatchComposite(new Rng(7), new int[][] {{2, 4, 3, 3}, {3, 6, 5}, {2, 8, 2, 2}, {1, 4, 1}}, new int[] {2, 3, 8, 1},
                (g, gm, bt) -> op(g, gm, bt, true), (g, gm, bt) -> op(g, gm, bt, false), GroupNormTest::composite, "");
    }

    static Function<Tensor[], Tensor> opSilu(int groups, boolean gamma, boolean beta, boolean fused) {
        return in -> new GroupNorm(groups, 1e-5, gamma, beta, true, fused).apply(in);
    }

    @Test
    void groupNormSiluMatchesGenericAndComposite() {
        fusedAndGenericMatchComposite(new Rng(17), new int[][] {{2, 4, 3, 3}, {3, 6, 5}, {2, 8, 2, 2}, {1, 4, 1}, {2, 4, 21}},
                new int[] {2, 3, 8, 1, 2}, (g, gm, bt) -> opSilu(g, gm, bt, true), (g, gm, bt) -> opSilu(g, gm, bt, false),
                (g, gm, bt) -> in -> GroupNorm.compositeSilu(in[0], g, gm ? in[1] : null, bt ? in[gm ? 2 : 1] : null, 1e-5), "silu ");
    }

    /** The fused group_norm_silu gives the bits of group_norm then silu (forward, dual forward, VJPs), float32 and float64. */
    @Test
    void groupNormSiluIsBitIdenticalToGroupNormThenSilu() {
        Rng rng = new Rng(18);
        for (DType dt : DType.values())
            // planes of 49, 25, 196, 9 (shorter than a vector) and 625 (more than one block of the Vector API sums) elements
            for (int[] s : new int[][] {{4, 64, 7, 7}, {2, 8, 5, 5}, {3, 32, 14, 14}, {2, 8, 3, 3}, {2, 4, 25, 25}}) {
                Tensor[] x = inputs(rng, dt, s, true, true), dx = inputs(rng, dt, s, true, true);
                Tensor v = rng.normal(dt, s);
                int g = s[1] / 4;
                Tensor[] a = all(opSilu(g, true, true, true), x, dx, v),
                        b = all(in -> new GroupNorm(g, 1e-5, true, true, true).apply(in).silu(), x, dx, v);
                for (int i = 0; i < a.length; i++)
                    assertArrayEquals(b[i].toDoubleArray(), a[i].toDoubleArray(), dt + " " + java.util.Arrays.toString(s) + " output " + i);
                // the gradient after a dual forward (the training step's order)
                Tensor[] p = {x[0].detach().requiresGrad(true), x[1].detach().requiresGrad(true), x[2].detach().requiresGrad(true)};
                Tensor[][] grads = new Tensor[2][];
                for (int w = 0; w < 2; w++) {
                    Tensor y;
                    try (ForwardAD.DualLevel l = ForwardAD.enter()) {
                        Tensor[] in = {l.dual(p[0], dx[0]), p[1], p[2]};
                        y = l.primal(w == 0 ? F.groupNormSilu(in[0], g, in[1], in[2], 1e-5) : F.groupNorm(in[0], g, in[1], in[2], 1e-5).silu());
                    }
                    grads[w] = Autograd.grad(y, p, v, false);
                }
                for (int i = 0; i < 3; i++) assertArrayEquals(grads[1][i].toDoubleArray(), grads[0][i].toDoubleArray(), dt + " grad " + i);
            }
    }

    @Test
    void float32AgreesWithFloat64AndFWithTheOp() {
        Rng rng = new Rng(8);
        int[] s = {4, 64, 7, 7};
        Tensor[] x = inputs(rng, DType.F64, s, true, true), dx = inputs(rng, DType.F64, s, true, true);
        Tensor v = rng.normal(DType.F64, s);
        Tensor[] x32 = new Tensor[3], dx32 = new Tensor[3];
        for (int i = 0; i < 3; i++) {
            x32[i] = x[i].to(DType.F32);
            dx32[i] = dx[i].to(DType.F32);
        }
        Tensor[] a = all(op(16, true, true, true), x, dx, v), b = all(op(16, true, true, true), x32, dx32, v.to(DType.F32));
        for (int i = 0; i < a.length; i++) close(a[i], b[i].to(DType.F64), 2e-5, "float32 output " + i);
        close(a[0], F.groupNorm(x[0], 16, x[1], x[2], 1e-5), 0, "F.groupNorm");
    }

    @Test
    void backwardAfterTheFusedDualForwardMatchesTheComposite() {
        Rng rng = new Rng(11);
        for (DType dt : DType.values()) {
            int[] s = {3, 8, 4, 4};
            Tensor[] x = inputs(rng, dt, s, true, true);
            Tensor dx = rng.normal(dt, s), gy = rng.normal(dt, s);
            Tensor[] p = {x[0].detach().requiresGrad(true), x[1].detach().requiresGrad(true), x[2].detach().requiresGrad(true)};
            Tensor y;
            try (ForwardAD.DualLevel l = ForwardAD.enter()) {
                y = l.primal(F.groupNorm(l.dual(p[0], dx), 4, p[1], p[2], 1e-5));
            }
            Tensor[] got = Autograd.grad(y, p, gy, false);
            Tensor[] want = Autograd.grad(GroupNorm.composite(p[0], 4, p[1], p[2], 1e-5), p, gy, false);
            double tol = dt == DType.F64 ? 1e-12 : 2e-5;
            for (int i = 0; i < 3; i++) close(want[i], got[i], tol, dt + " grad " + i);
        }
    }

    @Test
    void float32StatisticsSurviveALargeMean() {
        Rng rng = new Rng(10);
        Tensor x = rng.normal(DType.F64, 2, 8, 5, 5).mul(0.01).add(300.0), dx = rng.normal(DType.F64, 2, 8, 5, 5);
        Tensor[] a = ForwardAD.jvp(in -> F.groupNorm(in[0], 4, null, null, 1e-5), new Tensor[] {x}, new Tensor[] {dx});
        Tensor x32 = x.to(DType.F32), dx32 = dx.to(DType.F32);
        Tensor[] b = ForwardAD.jvp(in -> F.groupNorm(in[0], 4, null, null, 1e-5), new Tensor[] {x32}, new Tensor[] {dx32});
        // the float32 input itself is rounded (ulp(300) / 0.01 ~ 3e-3 relative): compare against float64 of that input
        Tensor[] ref = ForwardAD.jvp(in -> F.groupNorm(in[0], 4, null, null, 1e-5), new Tensor[] {x32.to(DType.F64)},
                new Tensor[] {dx32.to(DType.F64)});
        close(ref[0], b[0].to(DType.F64), 1e-4, "float32 y, large mean");
        close(ref[1], b[1].to(DType.F64), 1e-4, "float32 dy, large mean");
        close(ref[0], F.groupNorm(x32, 4, null, null, 1e-5).to(DType.F64), 1e-4, "float32 forward, large mean");
    }

    @Test
    void jvpOfTheGradientTakesTheGenericRules() {
        Rng rng = new Rng(9);
        int[] s = {2, 4, 3};
        Tensor[] x = inputs(rng, DType.F64, s, true, true);
        Tensor u = rng.normal(DType.F64, s), v = rng.normal(DType.F64, s);
        for (boolean fused : new boolean[] {true, false}) {
            Function<Tensor[], Tensor> gradX = in -> {
                Tensor xs = in[0].requiresGrad(true);
                Tensor y = new GroupNorm(2, 1e-5, true, true, fused).apply(xs, x[1], x[2]);
                return Autograd.grad(y, new Tensor[] {xs}, v, false)[0];
            };
            Function<Tensor[], Tensor> gradXRef = in -> {
                Tensor xs = in[0].requiresGrad(true);
                Tensor y = GroupNorm.composite(xs, 2, x[1], x[2], 1e-5);
                return Autograd.grad(y, new Tensor[] {xs}, v, false)[0];
            };
            Tensor got = ForwardAD.jvp(gradX, new Tensor[] {x[0]}, new Tensor[] {u})[1];
            Tensor want = ForwardAD.jvp(gradXRef, new Tensor[] {x[0]}, new Tensor[] {u})[1];
            close(want, got, 1e-10, "jvp of grad, fused=" + fused);
            // nested jvp
            Tensor got2 = ForwardAD.jvp(in -> ForwardAD.jvp(z -> new GroupNorm(2, 1e-5, false, false, fused).apply(z[0]),
                    new Tensor[] {in[0]}, new Tensor[] {u})[1], new Tensor[] {x[0]}, new Tensor[] {v})[1];
            Tensor want2 = ForwardAD.jvp(in -> ForwardAD.jvp(z -> GroupNorm.composite(z[0], 2, null, null, 1e-5),
                    new Tensor[] {in[0]}, new Tensor[] {u})[1], new Tensor[] {x[0]}, new Tensor[] {v})[1];
            close(want2, got2, 1e-10, "nested jvp, fused=" + fused);
        }
    }

    @Test
    void shapeErrorsNameTheOp() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> F.groupNorm(Tensor.zeros(DType.F64, 2, 6, 3), 4, null, null, 1e-5));
        assertTrue(e.getMessage().contains("group_norm") && e.getMessage().contains("(2, 6, 3)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> F.groupNorm(Tensor.zeros(DType.F64, 2, 6, 3), 3, Tensor.zeros(DType.F64, 5), null, 1e-5));
        assertTrue(e.getMessage().contains("group_norm") && e.getMessage().contains("(5,)"), e.getMessage());
    }
}
