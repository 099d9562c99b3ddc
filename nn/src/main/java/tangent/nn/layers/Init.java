package tangent.nn.layers;

import tangent.core.DType;
import tangent.core.Rng;
import tangent.core.Tensor;

/** Parameter initialisers. All draw from a seeded {@link Rng}, so a seed fixes the whole network. */
public final class Init {
    private Init() {}

    /**
     * PyTorch's default for Linear and Conv (weights and biases alike):
     * uniform(-1/sqrt(fan_in), +1/sqrt(fan_in)).
     */
    public static Tensor fanInUniform(Rng rng, DType dtype, int fanIn, int... shape) {
        double bound = 1.0 / Math.sqrt(fanIn);
        return rng.uniform(dtype, -bound, bound, shape);
    }
}
