package tangent.core.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.function.Function;
import org.junit.jupiter.api.Test;
import tangent.core.Autograd;
import tangent.core.DType;
import tangent.core.F;
import tangent.core.ForwardAD;
import tangent.core.Rng;
import tangent.core.Tensor;

/**
 * pixel_norm and softmax as primitives: the fused kernels (forward, forward+JVP, VJP from the
 * saved rstd) against the composite definitions and their autodiff. float64 to 1e-12 relative to
 * the largest magnitude, float32 to 2e-6. pixel_norm's forwards are bit-identical to the
 * composite's (same arithmetic, so switching to the primitive changes no primal value); softmax's
 * float32 rows along the last axis take a vector exp on the CPU (within about 1 ulp of Math.exp),
 * so its y is within the tolerance of the composite's, and the same bits from its forward and its
 * forward+JVP.
 */
class NormalisationPrimitivesTest {
    static void close(Tensor e, Tensor a, double tol, String what) {
        GroupNormTest.close(e, a, tol, what);
    }

    static void same(Tensor e, Tensor a, String what) {
        assertArrayEquals(e.shape(), a.shape(), what);
        if (e.dtype() == DType.F32) assertArrayEquals(e.toFloatArray(), a.toFloatArray(), what);
        else assertArrayEquals(e.toDoubleArray(), a.toDoubleArray(), what);
    }

    /** {y, dy, grad of <v, y>} of f at x, the gradient taken after the dual forward (the sCM step's order). */
    static Tensor[] dualThenGrad(Function<Tensor, Tensor> f, Tensor x, Tensor dx, Tensor v) {
        Tensor p = x.detach().requiresGrad(true);
        try (ForwardAD.DualLevel l = ForwardAD.enter()) {
            Tensor y = f.apply(l.dual(p, dx));
            Tensor g = Autograd.grad(l.primal(y), new Tensor[] {p}, v, false)[0];
            return new Tensor[] {l.primal(y).detach(), l.tangent(y), g};
        }
    }

    /** {grad of <v, y>} after a plain forward (the VJP from the saved residuals of the forward kernel). */
    static Tensor gradAfterForward(Function<Tensor, Tensor> f, Tensor x, Tensor v) {
        Tensor p = x.detach().requiresGrad(true);
        return Autograd.grad(f.apply(p), new Tensor[] {p}, v, false)[0];
    }

    static final int[][] SHAPES = {{3, 6}, {2, 4, 3, 3}, {2, 5, 7}, {4, 1, 3}};
    static final int[] AXES = {1, 1, -1, 1};

    /**
     * primalExact: the fused y is the composite's bit for bit (pixel_norm); else (softmax, whose
     * float32 CPU rows take a vector exp within about 1 ulp of Math.exp) it is close to it, and
     * the fused forward and forward+JVP give the same y bit for bit.
     */
    void check(String op, boolean primalExact, Function<Integer, Function<Tensor, Tensor>> fused,
               Function<Integer, Function<Tensor, Tensor>> rules, Function<Integer, Function<Tensor, Tensor>> oracle) {
        Rng rng = new Rng(31);
        for (int k = 0; k < SHAPES.length; k++) {
            int ax = AXES[k];
            for (DType dt : DType.values()) {
                Tensor x = rng.normal(dt, SHAPES[k]).mul(2.0).add(0.3), dx = rng.normal(dt, SHAPES[k]), v = rng.normal(dt, SHAPES[k]);
                Tensor[] a = dualThenGrad(fused.apply(ax), x, dx, v), b = dualThenGrad(rules.apply(ax), x, dx, v),
                        c = dualThenGrad(oracle.apply(ax), x, dx, v);
                double tol = dt == DType.F64 ? 1e-12 : 2e-6;
                String what = op + " " + dt + " shape " + k;
                if (primalExact) same(c[0], a[0], what + " fused y vs composite (bit-identical)");
                else close(c[0], a[0], tol, what + " fused y vs composite");
                same(primalExact ? c[0] : a[0], fused.apply(ax).apply(x), what + " fused forward vs "
                        + (primalExact ? "composite" : "fused forward+JVP") + " (bit-identical)");
                for (int i = 1; i < 3; i++) {
                    close(c[i], a[i], tol, what + " fused output " + i);
                    close(c[i], b[i], tol, what + " rules output " + i);
                }
                close(gradAfterForward(oracle.apply(ax), x, v), gradAfterForward(fused.apply(ax), x, v), tol,
                        what + " vjp from the forward's residuals");
            }
        }
    }

    @Test
    void pixelNormFusedAndRulesMatchTheComposite() {
        check("pixel_norm", true, ax -> t -> new PixelNorm(ax, 1e-8, true).apply(t), ax -> t -> new PixelNorm(ax, 1e-8, false).apply(t),
                ax -> t -> PixelNorm.composite(t, ax, 1e-8));
        Tensor x = new Rng(1).normal(DType.F32, 2, 3);
        same(PixelNorm.composite(x, 1, 1e-8), F.pixelNorm(x, 1, 1e-8), "F.pixelNorm is the primitive");
    }

    @Test
    void softmaxFusedAndRulesMatchTheComposite() {
        check("softmax", false, ax -> t -> new Softmax(ax, true).apply(t), ax -> t -> new Softmax(ax, false).apply(t),
                ax -> t -> Softmax.composite(t, ax));
    }

    /** The fused VJP (CpuBackend.softmaxBackward) repeats the composite rule's kernels: bit-identical. */
    @Test
    void softmaxFusedVjpIsTheCompositeRuleBitForBit() {
        Rng rng = new Rng(8);
        int[][] shapes = {{3, 6}, {2, 4, 3, 3}, {2, 5, 7}, {4, 1, 3}, {3, 49, 49}, {2, 3, 600}};
        int[] axes = {1, 1, -1, 1, 2, -1};
        for (int k = 0; k < shapes.length; k++)
            for (DType dt : DType.values()) {
                int ax = axes[k];
                Tensor x = rng.normal(dt, shapes[k]).mul(2.0), v = rng.normal(dt, shapes[k]);
                int a = ax < 0 ? ax + shapes[k].length : ax;
                Tensor y = new Softmax(ax, true).apply(x), rule = v.sub(y.mul(v).sum(new int[] {a}, true)).mul(y);
                same(rule, gradAfterForward(t -> new Softmax(ax, true).apply(t), x, v),
                        "softmax " + dt + " shape " + k + " fused vjp vs the composite rule");
            }
    }

    @Test
    void softmaxRowsSumToOneAndTangentsToZero() {
        Tensor x = new Rng(4).normal(DType.F64, 3, 5).mul(10.0), dx = new Rng(5).normal(DType.F64, 3, 5);
        Tensor[] yd = ForwardAD.jvp(in -> F.softmax(in[0], 1), new Tensor[] {x}, new Tensor[] {dx});
        double[] s = yd[0].sum(1, false).toDoubleArray(), ds = yd[1].sum(1, false).toDoubleArray();
        for (int i = 0; i < 3; i++) {
            assertEquals(1.0, s[i], 1e-14, "row " + i);
            assertEquals(0.0, ds[i], 1e-14, "tangent row " + i);
        }
    }
}
