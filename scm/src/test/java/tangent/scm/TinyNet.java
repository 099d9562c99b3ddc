package tangent.scm;

import tangent.core.DType;
import tangent.core.F;
import tangent.core.Rng;
import tangent.core.Tensor;
import tangent.nn.Module;
import tangent.nn.TimeConditioned;

/** A tiny test network: F(x, t) = W2 tanh(W1 [flat(x), cos t, sin t] + b1) + b2, reshaped like x. */
final class TinyNet extends Module implements TimeConditioned {
    final Tensor w1, b1, w2, b2;

    TinyNet(int d, int hidden, DType dtype, long seed) {
        Rng rng = new Rng(seed);
        w1 = param("w1", rng.uniform(dtype, -0.7, 0.7, hidden, d + 2));
        b1 = param("b1", rng.uniform(dtype, -0.3, 0.3, hidden));
        w2 = param("w2", rng.uniform(dtype, -0.7, 0.7, d, hidden));
        b2 = param("b2", rng.uniform(dtype, -0.3, 0.3, d));
    }

    @Override
    public Tensor forward(Tensor x, Tensor t) {
        int b = x.size(0);
        Tensor tc = t.reshape(b, 1);
        Tensor in = F.concat(1, x.reshape(b, -1), tc.cos(), tc.sin());
        Tensor h = F.linear(in, w1, b1).tanh();
        return F.linear(h, w2, b2).reshape(x.shape());
    }
}
