package tangent.core.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.function.Function;
import org.junit.jupiter.api.Test;
import tangent.core.Autograd;
import tangent.core.DType;
import tangent.core.F;
import tangent.core.ForwardAD;
import tangent.core.Rng;
import tangent.core.Tensor;

/**
 * The scale_shift primitive against its composite x.mul(s).add(b): the fused CPU kernels do the
 * composite's operations in its order (forward, every subset of tangents, VJP of each input), so
 * the tolerance is 0 (bit-identical) in float32 and float64; the generic rules (fused = false)
 * likewise. Nested differentiation (the jvp of a gradient) takes the generic rules and agrees with
 * the composite's to 1e-12 (float64).
 */
class ScaleShiftTest {
    static void same(Tensor e, Tensor a, String what) {
        assertArrayEquals(e.shape(), a.shape(), what);
        assertEquals(e.dtype(), a.dtype(), what);
        double[] ev = e.toDoubleArray(), av = a.toDoubleArray();
        for (int i = 0; i < ev.length; i++)
            assertEquals(Double.doubleToRawLongBits(ev[i]), Double.doubleToRawLongBits(av[i]), what + " element " + i + ": "
                    + ev[i] + " vs " + av[i]);
    }

    static final Function<Tensor[], Tensor> FUSED = in -> new ScaleShift(true).apply(in),
            GENERIC = in -> new ScaleShift(false).apply(in), COMPOSITE = in -> ScaleShift.composite(in[0], in[1], in[2]);

    /** x shapes and their coefficient shapes: per sample, per channel; odd plane sizes (tails of the 4-chain sums;
     * 625: more than one block of the Vector API sums, and a tail). */
    static final int[][][] SHAPES = {
        {{2, 3, 4, 5}, {2, 3, 1, 1}}, {{3, 4, 7}, {1, 4, 1}}, {{4, 5}, {4, 5}}, {{2, 6, 3, 3}, {1, 6, 1, 1}},
        {{3, 2, 1, 13}, {3, 2, 1, 1}}, {{2, 3, 25, 25}, {2, 3, 1, 1}}
    };

    /** {y, dy (tangents where mask bit i is set), gx, gs, gb of <gy, f>} after a dual forward, as in the sCM step. */
    static Tensor[] run(Function<Tensor[], Tensor> f, Tensor[] x, Tensor[] dx, int mask, Tensor gy) {
        Tensor[] p = new Tensor[3];
        for (int i = 0; i < 3; i++) p[i] = x[i].detach().requiresGrad(true);
        Tensor y, dy;
        try (ForwardAD.DualLevel l = ForwardAD.enter()) {
            Tensor[] d = new Tensor[3];
            for (int i = 0; i < 3; i++) d[i] = l.dual(p[i], (mask & (1 << i)) != 0 ? dx[i] : null);
            Tensor out = f.apply(d);
            y = l.primal(out);
            dy = l.tangent(out);
        }
        Tensor[] g = Autograd.grad(y, p, gy, false);
        return new Tensor[] {y, dy, g[0], g[1], g[2]};
    }

    @Test
    void fusedAndGenericAreBitIdenticalToTheComposite() {
        allBitIdentical(new Rng(31), COMPOSITE, FUSED, GENERIC, "");
    }

    /** Over every dtype, shape and tangent mask: the fused and generic paths give the composite's bits (forward, JVP, VJPs). */
    private static void allBitIdentical(Rng rng, Function<Tensor[], Tensor> composite, Function<Tensor[], Tensor> fused,
                                        Function<Tensor[], Tensor> generic, String label) {
        for (DType dt : DType.values())
            for (int[][] sh : SHAPES)
                for (int mask = 1; mask < 8; mask++) {
                    Tensor[] x = {rng.normal(dt, sh[0]).mul(2.0).add(0.3), rng.normal(dt, sh[1]), rng.normal(dt, sh[1])};
                    Tensor[] dx = {rng.normal(dt, sh[0]), rng.normal(dt, sh[1]), rng.normal(dt, sh[1])};
                    Tensor gy = rng.normal(dt, sh[0]);
                    Tensor[] ref = run(composite, x, dx, mask, gy), fz = run(fused, x, dx, mask, gy), gen = run(generic, x, dx, mask, gy);
                    for (int i = 0; i < ref.length; i++) {
                        String what = dt + " " + java.util.Arrays.toString(sh[0]) + " tangents " + mask + " output " + i;
                        same(ref[i], fz[i], "fused " + label + what);
                        same(ref[i], gen[i], "generic " + label + what);
                    }
                }
    }

    static final Function<Tensor[], Tensor> FUSED_SILU = in -> new ScaleShift(true, true).apply(in),
            GENERIC_SILU = in -> new ScaleShift(true, false).apply(in),
            COMPOSITE_SILU = in -> ScaleShift.compositeSilu(in[0], in[1], in[2]);

    /** scale_shift_silu: the fused kernels and the generic rules give the bits of the composite followed by silu. */
    @Test
    void siluVariantIsBitIdenticalToTheCompositeThenSilu() {
        Rng rng = new Rng(34);
        allBitIdentical(rng, COMPOSITE_SILU, FUSED_SILU, GENERIC_SILU, "silu ");
        Tensor[] x = {rng.normal(DType.F32, 4, 8, 6, 6), rng.normal(DType.F32, 4, 8, 1, 1), rng.normal(DType.F32, 4, 8, 1, 1)};
        same(COMPOSITE_SILU.apply(x), F.scaleShiftSilu(x[0], x[1], x[2]), "F.scaleShiftSilu");
        Tensor gy = rng.normal(DType.F32, 4, 8, 6, 6);
        boolean[] want = {true, true, true};
        Tensor[] pa = {x[0].detach().requiresGrad(true), x[1].detach().requiresGrad(true), x[2].detach().requiresGrad(true)};
        Tensor[] pb = {x[0].detach().requiresGrad(true), x[1].detach().requiresGrad(true), x[2].detach().requiresGrad(true)};
        Tensor[] ga = grads(COMPOSITE_SILU.apply(pa), pa, want, gy), gb = grads(FUSED_SILU.apply(pb), pb, want, gy);
        for (int i = 0; i < 3; i++) same(ga[i], gb[i], "silu primal-only grad " + i);
    }

    @Test
    void primalOnlyForwardAndBackwardAreBitIdentical() {
        Rng rng = new Rng(32);
        for (DType dt : DType.values()) {
            Tensor[] x = {rng.normal(dt, 4, 8, 6, 6), rng.normal(dt, 4, 8, 1, 1), rng.normal(dt, 4, 8, 1, 1)};
            Tensor gy = rng.normal(dt, 4, 8, 6, 6);
            same(COMPOSITE.apply(x), FUSED.apply(x), dt + " forward");
            same(COMPOSITE.apply(x), F.scaleShift(x[0], x[1], x[2]), dt + " F.scaleShift");
            for (boolean[] want : new boolean[][] {{true, true, true}, {true, false, false}, {false, true, true}, {false, false, true}}) {
                Tensor[] pa = new Tensor[3], pb = new Tensor[3];
                for (int i = 0; i < 3; i++) {
                    pa[i] = want[i] ? x[i].detach().requiresGrad(true) : x[i];
                    pb[i] = want[i] ? x[i].detach().requiresGrad(true) : x[i];
                }
                Tensor[] ga = grads(COMPOSITE.apply(pa), pa, want, gy), gb = grads(FUSED.apply(pb), pb, want, gy);
                for (int i = 0; i < 3; i++) if (want[i]) same(ga[i], gb[i], dt + " grad " + i);
            }
        }
    }

    static Tensor[] grads(Tensor y, Tensor[] p, boolean[] want, Tensor gy) {
        int n = 0;
        for (boolean w : want) if (w) n++;
        Tensor[] in = new Tensor[n];
        for (int i = 0, k = 0; i < 3; i++) if (want[i]) in[k++] = p[i];
        Tensor[] g = Autograd.grad(y, in, gy, false), out = new Tensor[3];
        for (int i = 0, k = 0; i < 3; i++) if (want[i]) out[i] = g[k++];
        return out;
    }

    /** Forward-over-reverse: the gradient inside an open dual level carries tangents, so the VJP takes the generic rules. */
    @Test
    void jvpOfTheGradientMatchesTheComposite() {
        Rng rng = new Rng(33);
        Tensor[] x = {rng.normal(DType.F64, 2, 3, 4, 4), rng.normal(DType.F64, 2, 3, 1, 1), rng.normal(DType.F64, 2, 3, 1, 1)};
        Tensor[] dx = {rng.normal(DType.F64, 2, 3, 4, 4), rng.normal(DType.F64, 2, 3, 1, 1), rng.normal(DType.F64, 2, 3, 1, 1)};
        Tensor gy = rng.normal(DType.F64, 2, 3, 4, 4);
        Function<Function<Tensor[], Tensor>, Tensor[]> hvp = f -> ForwardAD.jvp(in -> {
            Tensor[] p = new Tensor[3];
            for (int i = 0; i < 3; i++) p[i] = in[i];
            Tensor y = f.apply(p).square().mul(0.5);
            return Autograd.grad(y, new Tensor[] {p[0], p[1]}, gy, true, true)[1];
        }, req(x), dx);
        Tensor[] a = hvp.apply(COMPOSITE), b = hvp.apply(FUSED);
        for (int i = 0; i < 2; i++) {
            double[] ev = a[i].toDoubleArray(), av = b[i].toDoubleArray();
            for (int k = 0; k < ev.length; k++) assertEquals(ev[k], av[k], 1e-12 * Math.max(1, Math.abs(ev[k])), "output " + i);
        }
    }

    static Tensor[] req(Tensor[] x) {
        Tensor[] out = new Tensor[x.length];
        for (int i = 0; i < x.length; i++) out[i] = x[i].detach().requiresGrad(true);
        return out;
    }

    @Test
    void rejectsCoefficientsThatAreNotPerChannel() {
        Tensor x = Tensor.zeros(DType.F32, 2, 3, 4, 4);
        assertThrows(IllegalArgumentException.class, () -> F.scaleShift(x, Tensor.zeros(DType.F32, 2, 3, 4, 1), Tensor.zeros(DType.F32, 2, 3, 1, 1)));
        assertThrows(IllegalArgumentException.class, () -> F.scaleShift(x, Tensor.zeros(DType.F32, 2, 3), Tensor.zeros(DType.F32, 2, 3)));
        assertThrows(IllegalArgumentException.class, () -> F.scaleShift(x, Tensor.zeros(DType.F32, 2, 3, 1, 1), Tensor.zeros(DType.F32, 1, 3, 1, 1)));
        assertThrows(IllegalArgumentException.class, () -> F.scaleShift(x, Tensor.zeros(DType.F64, 2, 3, 1, 1), Tensor.zeros(DType.F32, 2, 3, 1, 1)));
    }
}
