package tangent.core.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tangent.core.Autograd;
import tangent.core.DType;
import tangent.core.F;
import tangent.core.ForwardAD;
import tangent.core.Rng;
import tangent.core.Tensor;

/**
 * Bit-exact pins of the CPU fused paths as the ops reach them (group_norm forward, forward+JVP and
 * VJP from the saved statistics; silu forward+JVP and the VJP after it; conv2d
 * with bias and its dual form): each case hashes the raw bits of every result for fixed inputs.
 * The expected hashes are these kernels' results as first pinned (identical whether the ops call
 * the loops directly or through Backend.of), so a change of any bit of these paths shows here.
 * Tolerance checks against the composite oracles live in GroupNormTest, SiluBackwardTest,
 * Conv2dBiasTest and NormalisationPrimitivesTest.
 */
class FusedPinsTest {
    /** FNV-1a over the raw bits of every element, row-major. */
    static long hash(Tensor t) {
        long h = 0xcbf29ce484222325L;
        if (t.dtype() == DType.F32) {
            for (float v : t.toFloatArray()) h = (h ^ Float.floatToRawIntBits(v)) * 0x100000001b3L;
        } else {
            for (double v : t.toDoubleArray()) h = (h ^ Double.doubleToRawLongBits(v)) * 0x100000001b3L;
        }
        return h;
    }

    static String hashes(List<Tensor> ts) {
        StringBuilder sb = new StringBuilder();
        for (Tensor t : ts) sb.append(Long.toHexString(hash(t))).append(' ');
        return sb.toString().trim();
    }

    static Tensor[] req(Tensor... xs) {
        Tensor[] out = new Tensor[xs.length];
        for (int i = 0; i < xs.length; i++) out[i] = xs[i].detach().requiresGrad(true);
        return out;
    }

    /** Every result of the pinned scenarios for one dtype, in a fixed order. */
    static List<Tensor> results(DType dt) {
        Rng rng = new Rng(2024);
        List<Tensor> out = new ArrayList<>();
        int[] s = {3, 8, 5, 5};
        Tensor x = rng.normal(dt, s).mul(2.0).add(0.7), gamma = rng.normal(dt, 8), beta = rng.normal(dt, 8);
        Tensor dx = rng.normal(dt, s), gy = rng.normal(dt, s);
        // group_norm: forward; forward+VJP; dual forward + VJP; VJP with x not requiring grad
        out.add(F.groupNorm(x, 4, gamma, beta, 1e-5));
        Tensor[] p = req(x, gamma, beta);
        out.addAll(List.of(Autograd.grad(F.groupNorm(p[0], 4, p[1], p[2], 1e-5), p, gy, false)));
        // (the VJPs after a dual forward run once the level is closed, as in the sCM step: a backward
        // pass inside the level would carry its tangents, forward-over-reverse)
        Tensor yp;
        try (ForwardAD.DualLevel l = ForwardAD.enter()) {
            Tensor y = F.groupNorm(l.dual(p[0], dx), 4, p[1], p[2], 1e-5);
            out.add(yp = l.primal(y));
            out.add(l.tangent(y));
        }
        out.addAll(List.of(Autograd.grad(yp, p, gy, false)));
        Tensor[] q = req(gamma, beta);
        out.addAll(List.of(Autograd.grad(F.groupNorm(x, 4, q[0], q[1], 1e-5), q, gy, false)));
        try (ForwardAD.DualLevel l = ForwardAD.enter()) {
            Tensor y = F.groupNorm(l.dual(x, dx), 2, null, null, 1e-5);
            out.add(l.primal(y));
            out.add(l.tangent(y));
        }
        // silu: forward+JVP and the VJP after it
        Tensor[] px = req(x);
        try (ForwardAD.DualLevel l = ForwardAD.enter()) {
            Tensor y = l.dual(px[0], dx).silu();
            out.add(yp = l.primal(y));
            out.add(l.tangent(y));
        }
        out.add(Autograd.grad(yp, px, gy, false)[0]);
        // conv2d with bias: forward, dual forward, VJP
        Tensor xi = rng.normal(dt, 2, 3, 6, 6), dxi = rng.normal(dt, 2, 3, 6, 6), w = rng.normal(dt, 4, 3, 3, 3),
                b = rng.normal(dt, 4), gyc = rng.normal(dt, 2, 4, 6, 6);
        out.add(F.conv2d(xi, w, b, 1, 1));
        Tensor[] pc = req(xi, w, b);
        try (ForwardAD.DualLevel l = ForwardAD.enter()) {
            Tensor y = F.conv2d(l.dual(pc[0], dxi), pc[1], pc[2], 1, 1);
            out.add(yp = l.primal(y));
            out.add(l.tangent(y));
        }
        out.addAll(List.of(Autograd.grad(yp, pc, gyc, false)));
        return out;
    }

    static final String F32 = "a9debc3dc9adb705 6a18b2fe147be3ce 7cd08643fc399742 deb27103e620565b a9debc3dc9adb705 e570866871b40532 "
            + "6a18b2fe147be3ce 7cd08643fc399742 deb27103e620565b 7cd08643fc399742 deb27103e620565b a88c0b3ad41d03be "
            + "aefc78bb7e457120 e8415cd0db9912e8 ab425170e6d8c765 78b93502688f1655 bb98b250b8eb7e48 bb98b250b8eb7e48 "
            + "7868accdd9d30cc 878729f3730da6e 1ac134754db9fd7f 4c73182abce8e38b";
    static final String F64 = "98e84e60d10fd873 5ed1ce0e2e6eced1 5b6321e6e1135d91 95a75fdebee753b3 98e84e60d10fd873 668f92d912023c15 "
            + "5ed1ce0e2e6eced1 5b6321e6e1135d91 95a75fdebee753b3 5b6321e6e1135d91 95a75fdebee753b3 dfbd04b2fa044a17 "
            + "fc42034485b37f01 f7698c06750b7f7c 7b90d4bd802f326a 670eba585222a99e e5a5c49615eabdfd e5a5c49615eabdfd "
            + "e9601339c258407 49907aeef73a058b 6b0d89a9faef8d6d 40fc11d6ab895239";

    @Test
    void float32PathsAreBitIdenticalToThePinnedKernels() {
        assertEquals(F32, hashes(results(DType.F32)));
    }

    @Test
    void float64PathsAreBitIdenticalToThePinnedKernels() {
        assertEquals(F64, hashes(results(DType.F64)));
    }
}
