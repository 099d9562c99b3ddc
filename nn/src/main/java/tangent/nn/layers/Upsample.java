package tangent.nn.layers;

import tangent.core.DType;
import tangent.core.F;
import tangent.core.Rng;
import tangent.core.Tensor;

/** Nearest-neighbour x2 upsampling followed by a Conv3x3 (c -> c), child {@code conv}. */
public final class Upsample extends Layer {
    public final Conv2d conv;

    /** An upsampling of a map with the given channels, conv weights from rng. */
    public Upsample(int channels, DType dtype, Rng rng) {
        conv = child("conv", Conv2d.same(channels, channels, 3, dtype, rng));
    }

    @Override
    public Tensor forward(Tensor x) {
        return conv.forward(F.upsample2x(x));
    }
}
