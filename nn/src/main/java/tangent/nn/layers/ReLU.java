package tangent.nn.layers;

import tangent.core.Tensor;

/** Elementwise max(x, 0): any shape in, the same shape out; no parameters. */
public final class ReLU extends Layer {
    @Override
    public Tensor forward(Tensor x) {
        return x.relu();
    }
}
