package tangent.scm;

import tangent.core.DType;
import tangent.core.Tensor;
import tangent.nn.Module;
import tangent.nn.TimeConditioned;

/** F(x, t) = a x + b t + c with scalar parameters: simple enough to redo in plain doubles. */
final class AffineNet extends Module implements TimeConditioned {
    final double a, b, c;
    final Tensor pa, pb, pc;

    AffineNet(double a, double b, double c, DType dtype) {
        this.a = a;
        this.b = b;
        this.c = c;
        pa = param("a", Tensor.full(dtype, a, 1));
        pb = param("b", Tensor.full(dtype, b, 1));
        pc = param("c", Tensor.full(dtype, c, 1));
    }

    double value(double x, double t) {
        return a * x + b * t + c;
    }

    @Override
    public Tensor forward(Tensor x, Tensor t) {
        Tensor tb = TrigFlow.perSample(t, x.dim());
        return x.mul(pa).add(tb.mul(pb)).add(pc);
    }
}
