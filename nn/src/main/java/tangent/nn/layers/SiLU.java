package tangent.nn.layers;

import tangent.core.Tensor;

/** x * sigmoid(x). */
public final class SiLU extends Layer {
    @Override
    public Tensor forward(Tensor x) {
        return x.silu();
    }
}
