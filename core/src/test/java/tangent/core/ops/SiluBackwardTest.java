package tangent.core.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import tangent.core.DType;
import tangent.core.ForwardAD;
import tangent.core.Rng;
import tangent.core.Tensor;

/** The fused silu_backward against its oracle, the composite s (1 + x (1 - s)) g, and silu's rules through it. */
class SiluBackwardTest {
    static Tensor composite(Tensor x, Tensor g) {
        Tensor s = x.sigmoid();
        return s.mul(x.mul(s.rsub(1.0)).add(1.0)).mul(g);
    }

    static double maxDiff(Tensor a, Tensor b) {
        double[] x = a.toDoubleArray(), y = b.toDoubleArray();
        double m = 0;
        for (int i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - y[i]));
        return m;
    }

    @Test
    void matchesCompositeInFloat64IncludingExtremes() {
        Rng rng = new Rng(3);
        Tensor x = rng.normal(DType.F64, 4, 5, 6).mul(4.0), g = rng.normal(DType.F64, 4, 5, 6);
        assertTrue(maxDiff(new SiluBackward().apply(x, g), composite(x, g)) < 1e-14);
        Tensor ext = Tensor.of(new double[] {-800, -40, -1e-300, 0, 1e-300, 40, 800}, 7);
        Tensor ones = ext.onesLike();
        double[] got = new SiluBackward().apply(ext, ones).toDoubleArray(), want = composite(ext, ones).toDoubleArray();
        for (int i = 0; i < got.length; i++) assertEquals(want[i], got[i], 1e-15, "at " + ext.toDoubleArray()[i]);
    }

    @Test
    void float32MatchesFloat64() {
        Rng rng = new Rng(4);
        Tensor x = rng.normal(DType.F64, 3, 1000).mul(5.0), g = rng.normal(DType.F64, 3, 1000);
        Tensor y64 = new SiluBackward().apply(x, g), y32 = new SiluBackward().apply(x.to(DType.F32), g.to(DType.F32));
        assertTrue(maxDiff(y64, y32.to(DType.F64)) < 1e-5);
    }

    @Test
    void siluRulesAgreeWithTheComposite() {
        Rng rng = new Rng(5);
        Tensor x = rng.normal(DType.F64, 2, 3, 5), dx = rng.normal(DType.F64, 2, 3, 5);
        Tensor[] viaOp = ForwardAD.jvp(in -> in[0].silu(), new Tensor[] {x}, new Tensor[] {dx});
        Tensor[] viaComposite = ForwardAD.jvp(in -> in[0].mul(in[0].sigmoid()), new Tensor[] {x}, new Tensor[] {dx});
        assertTrue(maxDiff(viaOp[1], viaComposite[1]) < 1e-14);
        // second order: jvp of the jvp rule (goes through silu_backward's own jvp)
        Tensor[] nested = ForwardAD.jvp(in -> ForwardAD.jvp(z -> z[0].silu(), new Tensor[] {in[0]}, new Tensor[] {dx})[1],
                new Tensor[] {x}, new Tensor[] {dx});
        Tensor[] nestedRef = ForwardAD.jvp(in -> ForwardAD.jvp(z -> z[0].mul(z[0].sigmoid()), new Tensor[] {in[0]}, new Tensor[] {dx})[1],
                new Tensor[] {x}, new Tensor[] {dx});
        assertTrue(maxDiff(nested[1], nestedRef[1]) < 1e-13);
    }

    @Test
    void fusedForwardJvpIsBitIdenticalToTheGenericPair() {
        Rng rng = new Rng(6);
        for (tangent.core.DType dt : tangent.core.DType.values()) {
            Tensor x = rng.normal(dt, 4, 3, 50).mul(4.0), dx = rng.normal(dt, 4, 3, 50);
            Tensor[] fused = ForwardAD.jvp(in -> in[0].silu(), new Tensor[] {x}, new Tensor[] {dx});
            Tensor y = x.silu(), dy = new SiluBackward().apply(x, dx);
            org.junit.jupiter.api.Assertions.assertArrayEquals(y.toDoubleArray(), fused[0].toDoubleArray(), 0.0);
            org.junit.jupiter.api.Assertions.assertArrayEquals(dy.toDoubleArray(), fused[1].toDoubleArray(), 0.0);
            // strided input and a taped primal: the fused path still records silu for backward
            Tensor xt = x.transpose(0, 2).detach().requiresGrad(true);
            Tensor dxt = dx.transpose(0, 2);
            Tensor[] f2 = ForwardAD.jvp(in -> in[0].silu(), new Tensor[] {xt}, new Tensor[] {dxt});
            org.junit.jupiter.api.Assertions.assertArrayEquals(new SiluBackward().apply(xt.detach(), dxt).toDoubleArray(),
                    f2[1].toDoubleArray(), 0.0);
            Tensor g = tangent.core.Autograd.grad(f2[0], new Tensor[] {xt}, dxt, false)[0];
            // the VJP reuses the float silu'(x) of the dual pass: one more float rounding than silu_backward
            org.junit.jupiter.api.Assertions.assertArrayEquals(new SiluBackward().apply(xt.detach(), dxt).toDoubleArray(),
                    g.toDoubleArray(), dt == tangent.core.DType.F64 ? 0.0 : 1e-6);
        }
    }

    @Test
    void theVjpAfterTheFusedDualForwardReusesTheDerivative() {
        Rng rng = new Rng(12);
        for (tangent.core.DType dt : tangent.core.DType.values()) {
            Tensor x = rng.normal(dt, 3, 40).mul(4.0).requiresGrad(true), dx = rng.normal(dt, 3, 40), gy = rng.normal(dt, 3, 40);
            Tensor y;
            try (ForwardAD.DualLevel l = ForwardAD.enter()) {
                y = l.primal(l.dual(x, dx).silu());
            }
            Tensor g = tangent.core.Autograd.grad(y, new Tensor[] {x}, gy, false)[0];
            double[] want = new SiluBackward().apply(x.detach(), gy).toDoubleArray(), got = g.toDoubleArray();
            double tol = dt == tangent.core.DType.F64 ? 0 : 1e-6;
            for (int i = 0; i < want.length; i++)
                assertEquals(want[i], got[i], tol * Math.max(1, Math.abs(want[i])), dt + " element " + i);
        }
    }

    @Test
    void float32KernelsStayWithinFloatRoundingOverTheWholeRange() {
        int n = 20011;
        double[] v = new double[n + 9];
        for (int i = 0; i < n; i++) v[i] = -120 + 240.0 * i / (n - 1);
        double[] ext = {-1e30, -3e38, 3e38, -1e-30, 1e-30, 0, -88.5, 88.5, -104};
        System.arraycopy(ext, 0, v, n, ext.length);
        Tensor x64 = Tensor.of(v, v.length), x32 = x64.to(tangent.core.DType.F32);
        Tensor x = x32.to(tangent.core.DType.F64), ones = x.onesLike();
        double[] y = x32.silu().toDoubleArray(), yRef = x.silu().toDoubleArray();
        double[] g = new SiluBackward().apply(x32, ones.to(tangent.core.DType.F32)).toDoubleArray();
        double[] gRef = new SiluBackward().apply(x, ones).toDoubleArray();
        Tensor[] fj = ForwardAD.jvp(in -> in[0].silu(), new Tensor[] {x32}, new Tensor[] {ones.to(tangent.core.DType.F32)});
        double[] fy = fj[0].toDoubleArray(), fg = fj[1].toDoubleArray();
        double[] xs = x.toDoubleArray();
        for (int i = 0; i < v.length; i++) {
            // relative to the size of the terms summed in s (1 + x (1 - s)) (it crosses zero near x = -1.28)
            double xi = xs[i], si = tangent.core.backend.UnaryFn.sigmoid(xi);
            double ty = 4e-7 * Math.abs(yRef[i]) + 1e-37, tg = 4e-7 * si * (1 + Math.abs(xi) * (1 - si)) + 1e-37;
            assertEquals(yRef[i], y[i], ty, "silu at " + xs[i]);
            assertEquals(gRef[i], g[i], tg, "silu' at " + xs[i]);
            assertEquals(y[i], fy[i], 0.0, "fused silu at " + xs[i]);
            assertEquals(g[i], fg[i], 0.0, "fused silu' at " + xs[i]);
        }
    }
}
