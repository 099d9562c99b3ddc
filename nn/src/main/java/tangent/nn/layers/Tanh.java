package tangent.nn.layers;

import tangent.core.Tensor;

/** Elementwise tanh(x): any shape in, the same shape out; no parameters. */
public final class Tanh extends Layer {
    @Override
    public Tensor forward(Tensor x) {
        return x.tanh();
    }
}
