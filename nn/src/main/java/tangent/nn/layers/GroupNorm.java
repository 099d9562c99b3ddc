package tangent.nn.layers;

import tangent.core.DType;
import tangent.core.F;
import tangent.core.Tensor;

/**
 * GroupNorm over (B, C, ...) with learnable per-channel {@code weight} (gain, init 1) and
 * {@code bias} (init 0). {@link #forChannels} uses the spec's group count min(32, C/4) and eps 1e-5.
 */
public final class GroupNorm extends Layer {
    public final int channels, groups;
    public final double eps;

    /** GroupNorm over channels in groups groups (groups must divide channels). */
    public GroupNorm(int channels, int groups, double eps, DType dtype) {
        if (groups <= 0 || channels % groups != 0)
            throw new IllegalArgumentException("GroupNorm: " + groups + " groups do not divide " + channels + " channels");
        this.channels = channels;
        this.groups = groups;
        this.eps = eps;
        param("weight", Tensor.ones(dtype, channels));
        param("bias", Tensor.zeros(dtype, channels));
    }

    /** The spec's GN(c): min(32, c/4) groups, eps 1e-5. */
    public static GroupNorm forChannels(int channels, DType dtype) {
        return new GroupNorm(channels, specGroups(channels), 1e-5, dtype);
    }

    /** min(32, c/4), at least 1. */
    public static int specGroups(int channels) {
        return Math.max(1, Math.min(32, channels / 4));
    }

    /** The current weight (read through the module: {@link #to} replaces it). */
    public Tensor weight() {
        return parameter("weight");
    }

    /** The current bias. */
    public Tensor bias() {
        return parameter("bias");
    }

    @Override
    public Tensor forward(Tensor x) {
        return F.groupNorm(x, groups, weight(), bias(), eps);
    }

    /** forward(x).silu() as one primitive (F.groupNormSilu), with the same values. */
    public Tensor forwardSilu(Tensor x) {
        return F.groupNormSilu(x, groups, weight(), bias(), eps);
    }
}
