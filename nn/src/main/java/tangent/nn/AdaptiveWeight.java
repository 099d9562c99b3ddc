package tangent.nn;

import tangent.core.DType;
import tangent.core.Tensor;
import tangent.nn.layers.Linear;
import tangent.nn.layers.PositionalEmbedding;

/**
 * The sCM loss's adaptive weight head: w(t) = Linear(128 -> 1)(positional embedding of t, dim 128),
 * weight and bias initialised to zero. Parameters {@code fc.weight} (1, 128), {@code fc.bias} (1).
 */
public final class AdaptiveWeight extends Module {
    public static final int DIM = 128;
    public final PositionalEmbedding pos;
    public final Linear fc;

    public AdaptiveWeight(DType dtype) {
        pos = child("pos", new PositionalEmbedding(DIM));
        fc = child("fc", Linear.zeros(DIM, 1, dtype));
    }

    /** t: (B,) -> w(t): (B,). */
    public Tensor forward(Tensor t) {
        Tensor tt = t.dtype() == fc.weight().dtype() ? t : t.to(fc.weight().dtype());
        return fc.forward(pos.forward(tt)).reshape(t.size(0));
    }
}
