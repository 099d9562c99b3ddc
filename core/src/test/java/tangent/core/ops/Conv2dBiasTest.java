package tangent.core.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.function.Function;
import org.junit.jupiter.api.Test;
import tangent.core.Autograd;
import tangent.core.DType;
import tangent.core.F;
import tangent.core.ForwardAD;
import tangent.core.Rng;
import tangent.core.Tensor;

/** conv2d with its bias input (in place on CPU) against conv2d followed by a broadcast add: values, jvp, vjp. */
class Conv2dBiasTest {
    @Test
    void matchesConvThenAdd() {
        Rng rng = new Rng(21);
        for (DType dt : DType.values()) {
            Tensor x = rng.normal(dt, 2, 3, 6, 5), w = rng.normal(dt, 4, 3, 3, 3), b = rng.normal(dt, 4);
            Tensor dx = rng.normal(dt, 2, 3, 6, 5), dw = rng.normal(dt, 4, 3, 3, 3), db = rng.normal(dt, 4);
            Tensor[] in = {x, w, b}, din = {dx, dw, db};
            Function<Tensor[], Tensor> fused = t -> F.conv2d(t[0], t[1], t[2], 2, 1);
            Function<Tensor[], Tensor> ref = t -> new Conv2d(2, 1).apply(t[0], t[1]).add(t[2].reshape(1, -1, 1, 1));
            Tensor[] a = ForwardAD.jvp(fused, in, din), r = ForwardAD.jvp(ref, in, din);
            assertArrayEquals(r[0].toDoubleArray(), a[0].toDoubleArray(), 0.0);
            assertArrayEquals(r[1].toDoubleArray(), a[1].toDoubleArray(), 0.0);
            Tensor gy = rng.normal(dt, a[0].shape());
            Tensor[] p = {x.detach().requiresGrad(true), w.detach().requiresGrad(true), b.detach().requiresGrad(true)};
            Tensor[] ga = Autograd.grad(fused.apply(p), p, gy, false), gr = Autograd.grad(ref.apply(p), p, gy, false);
            for (int i = 0; i < 3; i++) assertArrayEquals(gr[i].toDoubleArray(), ga[i].toDoubleArray(), 0.0);
        }
        assertThrows(IllegalArgumentException.class,
                () -> new Conv2d(1, 1, true).apply(Tensor.zeros(DType.F32, 1, 2, 3, 3), Tensor.zeros(DType.F32, 4, 2, 3, 3),
                        Tensor.zeros(DType.F32, 3)));
    }
}
