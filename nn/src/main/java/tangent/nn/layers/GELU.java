package tangent.nn.layers;

import tangent.core.F;
import tangent.core.Tensor;

/**
 * Elementwise GELU in its tanh form, {@link F#gelu}: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))),
 * within 5e-4 of the exact x Phi(x) (PyTorch's GELU(approximate='tanh')). Any shape in, the same
 * shape out; no parameters.
 */
public final class GELU extends Layer {
    @Override
    public Tensor forward(Tensor x) {
        return F.gelu(x);
    }
}
