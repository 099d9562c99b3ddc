package tangent.core.ops;

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
 * The add_scale primitive against its composite a.add(b).mul(c): the fused CPU kernels do the
 * composite's operations in its order (forward; tangent with either or both inputs dual; the VJP
 * is the composite's), so the tolerance is 0 (bit-identical) in float32 and float64, on compact
 * and strided inputs; the generic rules (fused = false) likewise.
 */
class AddScaleTest {
    static final double C = Math.sqrt(0.5);

    static Tensor[] run(Function<Tensor[], Tensor> f, Tensor[] x, Tensor[] dx, int mask, Tensor gy) {
        Tensor[] p = {x[0].detach().requiresGrad(true), x[1].detach().requiresGrad(true)};
        Tensor y, dy;
        try (ForwardAD.DualLevel l = ForwardAD.enter()) {
            Tensor out = f.apply(new Tensor[] {l.dual(p[0], (mask & 1) != 0 ? dx[0] : null), l.dual(p[1], (mask & 2) != 0 ? dx[1] : null)});
            y = l.primal(out);
            dy = l.tangent(out);
        }
        Tensor[] g = Autograd.grad(y, p, gy, false);
        return new Tensor[] {y, dy, g[0], g[1]};
    }

    @Test
    void fusedAndGenericAreBitIdenticalToTheComposite() {
        Rng rng = new Rng(41);
        Function<Tensor[], Tensor> fused = in -> new AddScale(C, true).apply(in), generic = in -> new AddScale(C, false).apply(in),
                composite = in -> AddScale.composite(in[0], in[1], C);
        for (DType dt : DType.values())
            for (boolean strided : new boolean[] {false, true})
                for (int mask = 1; mask < 4; mask++) {
                    // strided: a transposed view and a slice (offset) of larger tensors
                    Tensor a = strided ? rng.normal(dt, 5, 3, 4).transpose(0, 2) : rng.normal(dt, 4, 3, 5);
                    Tensor b = strided ? rng.normal(dt, 6, 3, 5).slice(0, 1, 5) : rng.normal(dt, 4, 3, 5);
                    Tensor[] x = {a, b}, dx = {rng.normal(dt, 4, 3, 5), rng.normal(dt, 4, 3, 5)};
                    Tensor gy = rng.normal(dt, 4, 3, 5);
                    Tensor[] ref = run(composite, x, dx, mask, gy), fz = run(fused, x, dx, mask, gy), gen = run(generic, x, dx, mask, gy);
                    for (int i = 0; i < ref.length; i++) {
                        String what = dt + (strided ? " strided" : "") + " tangents " + mask + " output " + i;
                        ScaleShiftTest.same(ref[i], fz[i], "fused " + what);
                        ScaleShiftTest.same(ref[i], gen[i], "generic " + what);
                    }
                    ScaleShiftTest.same(composite.apply(x), F.addScale(a, b, C), dt + " F.addScale");
                }
    }

    @Test
    void rejectsDifferentShapes() {
        assertThrows(IllegalArgumentException.class, () -> F.addScale(Tensor.zeros(DType.F32, 2, 3), Tensor.zeros(DType.F32, 1, 3), 0.5));
        assertThrows(IllegalArgumentException.class, () -> F.addScale(Tensor.zeros(DType.F32, 2, 3), Tensor.zeros(DType.F64, 2, 3), 0.5));
    }
}
