package tangent.core.backend;

import tangent.core.Shape;

/** NumPy broadcasting for the backends' kernels: one operand's strides in the output's index space. */
public final class Broadcast {
    private Broadcast() {}

    /**
     * Strides of a tensor of the given shape and strides broadcast to outShape (dimensions aligned
     * right): its own stride where the sizes match, 0 where it has size 1 against a larger size and
     * along the leading dimensions it lacks.
     *
     * @throws IllegalArgumentException when the shape does not broadcast to outShape
     */
    public static int[] strides(int[] shape, int[] strides, int[] outShape) {
        int lead = outShape.length - shape.length;
        if (lead < 0) throw new IllegalArgumentException("cannot broadcast " + Shape.str(shape) + " to " + Shape.str(outShape));
        int[] out = new int[outShape.length];
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] == outShape[i + lead]) out[i + lead] = strides[i];
            else if (shape[i] == 1) out[i + lead] = 0;
            else throw new IllegalArgumentException("cannot broadcast " + Shape.str(shape) + " to " + Shape.str(outShape));
        }
        return out;
    }
}
