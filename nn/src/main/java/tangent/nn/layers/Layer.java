package tangent.nn.layers;

import tangent.core.Tensor;
import tangent.nn.Module;

/** A module with one input and one output: y = forward(x). {@link Sequential} chains them. */
public abstract class Layer extends Module {
    /** The layer applied to x (shapes as the subclass says). */
    public abstract Tensor forward(Tensor x);
}
