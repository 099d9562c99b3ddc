package tangent.nn.layers;

import tangent.core.F;
import tangent.core.Tensor;

/** pnorm(v) = v / sqrt(mean over the feature axis of v^2 + eps); no parameters. Default axis 1, eps 1e-8. */
public final class PixelNorm extends Layer {
    public final int axis;
    public final double eps;

    /** Pixel norm over the channel axis (1) with eps 1e-8. */
    public PixelNorm() {
        this(1, 1e-8);
    }

    /** v / sqrt(mean(v^2 over axis) + eps). */
    public PixelNorm(int axis, double eps) {
        this.axis = axis;
        this.eps = eps;
    }

    @Override
    public Tensor forward(Tensor v) {
        return F.pixelNorm(v, axis, eps);
    }
}
