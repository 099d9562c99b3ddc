package tangent.core.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import tangent.core.Autograd;
import tangent.core.DType;
import tangent.core.F;
import tangent.core.ForwardAD;
import tangent.core.Rng;
import tangent.core.Tensor;
import tangent.core.cpu.CpuBackend;
import tangent.core.ops.AddScale;
import tangent.core.ops.GroupNorm;
import tangent.core.ops.PixelNorm;
import tangent.core.ops.ScaleShift;
import tangent.core.ops.Softmax;

/**
 * A backend that lacks the fused primitives (CompositeOnlyBackend: every optional method keeps the
 * "not implemented" default) makes each op run its composite rules: the results are bit-identical
 * to the ops built with fused = false (the composite rules, whatever the backend), and agree with
 * the fused CPU kernels to rounding (float64, 1e-12 relative).
 */
class CompositeFallbackTest {
    /** Every output of the scenario: forward, dual forward (y, dy) and the gradient after it, for each op. */
    static List<Tensor> scenario(boolean fusedOps) {
        Rng rng = new Rng(77);
        DType dt = DType.F64;
        List<Tensor> out = new ArrayList<>();
        Tensor x = rng.normal(dt, 2, 4, 3, 3), dx = rng.normal(dt, 2, 4, 3, 3), gy = rng.normal(dt, 2, 4, 3, 3);
        Tensor gamma = rng.normal(dt, 4), beta = rng.normal(dt, 4);
        Tensor w = rng.normal(dt, 4, 4, 3, 3), b = rng.normal(dt, 4);
        Tensor s = rng.normal(dt, 2, 4, 1, 1), sh = rng.normal(dt, 2, 4, 1, 1), x2 = rng.normal(dt, 2, 4, 3, 3);
        List<Function<Tensor[], Tensor>> fs = List.of(
                in -> new GroupNorm(2, 1e-5, true, true, fusedOps).apply(in[0], in[1], in[2]),
                in -> in[0].silu(),
                in -> F.conv2d(in[0], in[1], in[2], 1, 1),
                in -> new PixelNorm(1, 1e-8, fusedOps).apply(in[0]),
                in -> new Softmax(1, fusedOps).apply(in[0]),
                in -> new ScaleShift(fusedOps).apply(in[0], in[1], in[2]),
                in -> new AddScale(0.7, fusedOps).apply(in[0], in[1]),
                in -> new GroupNorm(2, 1e-5, true, true, true, fusedOps).apply(in[0], in[1], in[2]),
                in -> new ScaleShift(true, fusedOps).apply(in[0], in[1], in[2]));
        Tensor[][] args = {{x, gamma, beta}, {x}, {x, w, b}, {x}, {x}, {x, s, sh}, {x, x2}, {x, gamma, beta}, {x, s, sh}};
        for (int k = 0; k < fs.size(); k++) {
            Tensor[] p = new Tensor[args[k].length];
            for (int i = 0; i < p.length; i++) p[i] = args[k][i].detach().requiresGrad(true);
            out.add(fs.get(k).apply(p));
            try (ForwardAD.DualLevel l = ForwardAD.enter()) {
                Tensor[] d = p.clone();
                d[0] = l.dual(p[0], dx);
                Tensor y = fs.get(k).apply(d);
                out.add(l.primal(y).detach());
                out.add(l.tangent(y));
                for (Tensor g : Autograd.grad(l.primal(y), p, gy, false)) out.add(g);
            }
        }
        return out;
    }

    @Test
    void opsRunTheirCompositeRulesWhenTheBackendLacksTheKernels() {
        List<Tensor> fusedCpu = scenario(true), rules = scenario(false), lacking;
        try (Backends.Substitution s = Backends.substituteCpu(new CompositeOnlyBackend())) {
            assertNull(Backend.of(tangent.core.Device.CPU).groupNorm(
                    Tensor.zeros(DType.F64, 1, 2), null, null, 1, 1e-5), "the substitute lacks group_norm");
            lacking = scenario(true);
        }
        assertSame(CpuBackend.INSTANCE, Backend.of(tangent.core.Device.CPU), "the substitution is undone");
        assertEquals(rules.size(), lacking.size());
        for (int i = 0; i < rules.size(); i++) {
            assertArrayEquals(rules.get(i).toDoubleArray(), lacking.get(i).toDoubleArray(),
                    "output " + i + ": a backend without the kernel runs the composite rules");
            double[] e = rules.get(i).toDoubleArray(), a = fusedCpu.get(i).toDoubleArray();
            double scale = 1;
            for (double v : e) scale = Math.max(scale, Math.abs(v));
            for (int j = 0; j < e.length; j++) assertEquals(e[j], a[j], 1e-12 * scale, "output " + i + " element " + j);
        }
    }

    /**
     * group_norm_silu and scale_shift_silu on a backend with the group_norm, scale_shift and silu
     * kernels but not their silu forms (the CUDA backend's case): the ops run those kernels (saving
     * y for the VJP) and get the CPU's fused bits, in float32 and float64.
     */
    @Test
    void groupNormSiluRunsTheGroupNormAndSiluKernelsWhenTheBackendLacksItsOwn() {
        Backend partial = new CompositeOnlyBackend() {
            final Backend cpu = CpuBackend.INSTANCE;

            @Override
            public Tensor[] groupNorm(Tensor x, Tensor gamma, Tensor beta, int groups, double eps) {
                return cpu.groupNorm(x, gamma, beta, groups, eps);
            }

            @Override
            public Tensor[] groupNormJvp(Tensor x, Tensor dx, Tensor gamma, Tensor beta, Tensor dgamma, Tensor dbeta, int groups,
                                         double eps) {
                return cpu.groupNormJvp(x, dx, gamma, beta, dgamma, dbeta, groups, eps);
            }

            @Override
            public Tensor[] groupNormBackward(Tensor x, Tensor gamma, Tensor mean, Tensor rstd, Tensor gy, boolean wantGamma,
                                              boolean wantBeta, int groups) {
                return cpu.groupNormBackward(x, gamma, mean, rstd, gy, wantGamma, wantBeta, groups);
            }

            @Override
            public Tensor[] siluJvp(Tensor x, Tensor dx, boolean wantDerivative) {
                return cpu.siluJvp(x, dx, wantDerivative);
            }

            @Override
            public Tensor scaleShift(Tensor x, Tensor s, Tensor b) {
                return cpu.scaleShift(x, s, b);
            }

            @Override
            public Tensor[] scaleShiftJvp(Tensor x, Tensor dx, Tensor s, Tensor ds, Tensor b, Tensor db) {
                return cpu.scaleShiftJvp(x, dx, s, ds, b, db);
            }

            @Override
            public Tensor[] scaleShiftBackward(Tensor x, Tensor s, Tensor gy, boolean wantX, boolean wantS, boolean wantB) {
                return cpu.scaleShiftBackward(x, s, gy, wantX, wantS, wantB);
            }
        };
        for (DType dt : DType.values()) {
            Rng rng = new Rng(78);
            Tensor x = rng.normal(dt, 3, 8, 5, 5), dx = rng.normal(dt, 3, 8, 5, 5), gy = rng.normal(dt, 3, 8, 5, 5);
            Tensor gamma = rng.normal(dt, 8), beta = rng.normal(dt, 8);
            Function<Tensor[], Tensor> f = in -> F.groupNormSilu(in[0], 4, in[1], in[2], 1e-5);
            List<Tensor> want = dual(f, x, dx, gamma, beta, gy), got;
            try (Backends.Substitution s = Backends.substituteCpu(partial)) {
                got = dual(f, x, dx, gamma, beta, gy);
            }
            for (int i = 0; i < want.size(); i++)
                assertArrayEquals(want.get(i).toDoubleArray(), got.get(i).toDoubleArray(), dt + " output " + i);
            // scale_shift_silu likewise, with per-sample coefficients
            Tensor sc = rng.normal(dt, 3, 8, 1, 1), sh = rng.normal(dt, 3, 8, 1, 1);
            Function<Tensor[], Tensor> h = in -> F.scaleShiftSilu(in[0], in[1], in[2]);
            want = dual(h, x, dx, sc, sh, gy);
            try (Backends.Substitution s = Backends.substituteCpu(partial)) {
                got = dual(h, x, dx, sc, sh, gy);
            }
            for (int i = 0; i < want.size(); i++)
                assertArrayEquals(want.get(i).toDoubleArray(), got.get(i).toDoubleArray(), dt + " scale_shift_silu output " + i);
        }
    }

    /** {y, then y and dy of the dual forward, then the gradients of <gy, y> after it}. */
    private static List<Tensor> dual(Function<Tensor[], Tensor> f, Tensor x, Tensor dx, Tensor gamma, Tensor beta, Tensor gy) {
        List<Tensor> out = new ArrayList<>();
        Tensor[] p = {x.detach().requiresGrad(true), gamma.detach().requiresGrad(true), beta.detach().requiresGrad(true)};
        out.add(f.apply(p));
        out.addAll(List.of(Autograd.grad(f.apply(p), p, gy, false)));
        try (ForwardAD.DualLevel l = ForwardAD.enter()) {
            Tensor y = f.apply(new Tensor[] {l.dual(p[0], dx), p[1], p[2]});
            out.add(l.primal(y).detach());
            out.add(l.tangent(y));
            out.addAll(List.of(Autograd.grad(l.primal(y), p, gy, false)));
        }
        return out;
    }

    @Test
    void onlyACpuBackendMayStandInForTheCpu() {
        Backend cudaLike = new CompositeOnlyBackend() {
            @Override
            public tangent.core.Device device() {
                return tangent.core.Device.CUDA;
            }
        };
        assertThrows(IllegalArgumentException.class, () -> Backends.substituteCpu(cudaLike));
    }
}
