package tangent.nn.layers;

import tangent.core.DType;
import tangent.core.Rng;
import tangent.core.Tensor;

/**
 * The spec's time-embedding MLP: e = SiLU(fc1(SiLU(fc0(pos(t))))), pos of width {@code dim},
 * fc0: dim -> width, fc1: width -> width. t (B,) -> e (B, width). Children: {@code fc0}, {@code fc1}.
 */
public final class TimeEmbedding extends Layer {
    public final int dim, width;
    public final PositionalEmbedding pos;
    public final Linear fc0, fc1;

    public TimeEmbedding(int dim, int width, DType dtype, Rng rng) {
        this.dim = dim;
        this.width = width;
        pos = child("pos", new PositionalEmbedding(dim));
        fc0 = child("fc0", new Linear(dim, width, dtype, rng));
        fc1 = child("fc1", new Linear(width, width, dtype, rng));
    }

    @Override
    public Tensor forward(Tensor t) {
        return fc1.forward(fc0.forward(pos.forward(t)).silu()).silu();
    }
}
