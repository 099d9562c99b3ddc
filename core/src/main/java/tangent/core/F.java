package tangent.core;

import tangent.core.ops.AddScale;
import tangent.core.ops.Concat;
import tangent.core.ops.Conv2d;
import tangent.core.ops.GroupNorm;
import tangent.core.ops.MatMul;
import tangent.core.ops.PixelNorm;
import tangent.core.ops.ScaleShift;
import tangent.core.ops.Softmax;
import tangent.core.ops.Upsample2x;
import tangent.core.ops.Where;

/**
 * Functional API: the primitives that take several tensors, and the composite functions built
 * from primitives (mean, variance, softmax, the normalisations, ...). A composite needs no rules
 * of its own: autodiff goes through the primitives it is made of.
 */
public final class F {
    private F() {}

    // ---- primitives with several inputs -----------------------------------------------------

    /** Batched product op(a) op(b) (see {@link MatMul}). */
    public static Tensor matmul(Tensor a, Tensor b, boolean transA, boolean transB) {
        return new MatMul(transA, transB).apply(a, b);
    }

    /** x: (B, C, H, W), w: (O, C, kh, kw), bias: (O) or null -> (B, O, Ho, Wo). */
    public static Tensor conv2d(Tensor x, Tensor w, Tensor bias, int stride, int pad) {
        if (bias == null) return new Conv2d(stride, pad).apply(x, w);
        if (bias.dim() != 1 || bias.size(0) != w.size(0))
            throw new IllegalArgumentException("conv2d: bias " + Shape.str(bias.shape()) + " must be (" + w.size(0) + ",) for w "
                    + Shape.str(w.shape()));
        return new Conv2d(stride, pad, true).apply(x, w, bias);
    }

    /** (B, C, H, W) -> (B, C, 2H, 2W), nearest neighbour. */
    public static Tensor upsample2x(Tensor x) {
        return new Upsample2x().apply(x);
    }

    /** Joins tensors along an existing axis; every other dimension must match (see {@link Concat}). */
    public static Tensor concat(int axis, Tensor... xs) {
        return new Concat(axis).apply(xs);
    }

    /** cond ? a : b elementwise, with broadcasting; cond is a 0/1 mask. */
    public static Tensor where(Tensor cond, Tensor a, Tensor b) {
        return new Where().apply(cond, a, b);
    }

    // ---- composites -------------------------------------------------------------------------

    /** x: (N, in), w: (out, in) (PyTorch's layout), b: (out) or null -> x w^T + b: (N, out). */
    public static Tensor linear(Tensor x, Tensor w, Tensor b) {
        Tensor y = matmul(x, w, false, true);
        return b == null ? y : y.add(b);
    }

    /** Pieces of the given sizes along an axis (views). */
    public static Tensor[] split(Tensor x, int axis, int... sizes) {
        int a = Shape.axis("split", axis, x.dim()), total = 0;
        for (int s : sizes) total += s;
        if (total != x.size(a))
            throw new IllegalArgumentException("split: sizes " + java.util.Arrays.toString(sizes) + " do not add up to "
                    + x.size(a) + " along axis " + a + " of " + Shape.str(x.shape()));
        Tensor[] out = new Tensor[sizes.length];
        int at = 0;
        for (int i = 0; i < sizes.length; i++) {
            out[i] = x.slice(a, at, at + sizes[i]);
            at += sizes[i];
        }
        return out;
    }

    /** Mean over axes (all when empty). */
    public static Tensor mean(Tensor x, int[] axes, boolean keepDims) {
        int[] ax = Shape.axes("mean", axes, x.dim());
        long n = 1;
        for (int a : ax) n *= x.size(a);
        return x.sum(ax, keepDims).div((double) n);
    }

    /** Population variance (divides by n) over axes. */
    public static Tensor variance(Tensor x, int[] axes, boolean keepDims) {
        Tensor mu = mean(x, axes, true);
        return mean(x.sub(mu).square(), axes, keepDims);
    }

    /** Per-sample L2 norm over all axes but the first: (B, ...) -> (B,). */
    public static Tensor l2NormPerSample(Tensor x) {
        return x.square().sum(perSampleAxes("l2_norm", x), false).sqrt();
    }

    /** Per-sample squared L2 norm ||x_b||^2 over all axes but the first: (B, ...) -> (B,). */
    public static Tensor sumSquaresPerSample(Tensor x) {
        return x.square().sum(perSampleAxes("sum_squares_per_sample", x), false);
    }

    /** The axes 1 .. rank-1 of a batch x: (B, ...); op names the caller in the error. */
    private static int[] perSampleAxes(String op, Tensor x) {
        if (x.dim() < 2) throw new IllegalArgumentException(op + ": needs (B, ...), got " + Shape.str(x.shape()));
        int[] ax = new int[x.dim() - 1];
        for (int i = 0; i < ax.length; i++) ax[i] = i + 1;
        return ax;
    }

    /**
     * exp(x - max) / sum(exp(x - max)) along an axis. One primitive ({@link Softmax}: fused
     * forward+JVP; its composite definition is {@link Softmax#composite}).
     */
    public static Tensor softmax(Tensor x, int axis) {
        Shape.axis("softmax", axis, x.dim());
        return new Softmax(axis, true).apply(x);
    }

    /** x - max - log(sum(exp(x - max))) along an axis. */
    public static Tensor logSoftmax(Tensor x, int axis) {
        int a = Shape.axis("log_softmax", axis, x.dim());
        Tensor z = x.sub(x.detach().max(new int[] {a}, true));
        return z.sub(z.exp().sum(new int[] {a}, true).log());
    }

    /** Mean cross-entropy of logits (N, K) against integer labels in [0, K). */
    public static Tensor crossEntropy(Tensor logits, int[] labels) {
        if (logits.dim() != 2 || logits.size(0) != labels.length)
            throw new IllegalArgumentException("cross_entropy: logits " + Shape.str(logits.shape()) + " need shape (N, K) with N = "
                    + labels.length + " labels");
        int n = labels.length, k = logits.size(1);
        double[] onehot = new double[n * k];
        for (int i = 0; i < n; i++) {
            if (labels[i] < 0 || labels[i] >= k)
                throw new IllegalArgumentException("cross_entropy: label " + labels[i] + " at " + i + " is outside [0, " + k + ")");
            onehot[i * k + labels[i]] = 1;
        }
        Tensor oh = Tensor.of(onehot, n, k).to(logits.dtype());
        if (logits.device() != Device.CPU) throw new UnsupportedOperationException("cross_entropy: CPU only for now");
        return logSoftmax(logits, 1).mul(oh).sum().div(-n);
    }

    /**
     * GroupNorm. x: (B, C, ...), statistics per sample over each of G groups of C/G channels,
     * y = (x - mean) / sqrt(var + eps) * gamma + beta; gamma, beta: (C) or null. One primitive
     * ({@link GroupNorm}, fused kernels; its composite definition is {@link GroupNorm#composite}).
     */
    public static Tensor groupNorm(Tensor x, int groups, Tensor gamma, Tensor beta, double eps) {
        return groupNorm(x, groups, gamma, beta, eps, false);
    }

    /**
     * silu(groupNorm(x, groups, gamma, beta, eps)) as one primitive (group_norm_silu: one pass over
     * memory each way; {@link GroupNorm#compositeSilu} is its composite definition), with the same
     * values as the two ops.
     */
    public static Tensor groupNormSilu(Tensor x, int groups, Tensor gamma, Tensor beta, double eps) {
        return groupNorm(x, groups, gamma, beta, eps, true);
    }

    /** group_norm, or group_norm_silu when silu: the inputs x, then gamma and beta where given. */
    private static Tensor groupNorm(Tensor x, int groups, Tensor gamma, Tensor beta, double eps, boolean silu) {
        int[] s = x.shape();
        if (s.length < 2 || groups <= 0 || s[1] % groups != 0)
            throw new IllegalArgumentException((silu ? "group_norm_silu: " : "group_norm: ") + groups
                    + " groups do not divide the channels of " + Shape.str(s));
        Tensor[] in = gamma != null && beta != null ? new Tensor[] {x, gamma, beta}
                : gamma != null ? new Tensor[] {x, gamma} : beta != null ? new Tensor[] {x, beta} : new Tensor[] {x};
        return new GroupNorm(groups, eps, gamma != null, beta != null, silu, true).apply(in);
    }

    /**
     * (a + b) c for a, b of one shape (a normalised residual sum). One primitive ({@link AddScale}:
     * fused kernels; its composite definition is {@link AddScale#composite}, a.add(b).mul(c), with
     * the same values).
     */
    public static Tensor addScale(Tensor a, Tensor b, double c) {
        return new AddScale(c, true).apply(a, b);
    }

    /**
     * Per-channel modulation x s + b: x (B, C, ...), s and b (B, C, 1, ...) or (1, C, 1, ...). One
     * primitive ({@link ScaleShift}: fused kernels; its composite definition is
     * {@link ScaleShift#composite}, x.mul(s).add(b), with the same values).
     */
    public static Tensor scaleShift(Tensor x, Tensor s, Tensor b) {
        return new ScaleShift(true).apply(x, s, b);
    }

    /** silu(scaleShift(x, s, b)) as one primitive (scale_shift_silu), with the same values as the two ops. */
    public static Tensor scaleShiftSilu(Tensor x, Tensor s, Tensor b) {
        return new ScaleShift(true, true).apply(x, s, b);
    }

    /**
     * Pixel norm: v / sqrt(mean(v^2 over the axis) + eps). One primitive ({@link PixelNorm}: fused
     * kernels; its composite definition is {@link PixelNorm#composite}).
     */
    public static Tensor pixelNorm(Tensor v, int axis, double eps) {
        Shape.axis("pixel_norm", axis, v.dim());
        return new PixelNorm(axis, eps, true).apply(v);
    }

    /**
     * Dropout with an explicit keep-mask (1 = keep), reusable across passes: x * mask / (1 - p).
     * Make the mask with {@link Rng#bernoulli}(1 - p, shape).
     */
    public static Tensor dropout(Tensor x, Tensor mask, double p) {
        if (p <= 0) return x;
        if (p >= 1) throw new IllegalArgumentException("dropout: p = " + p + " must be < 1");
        return x.mul(mask).mul(1.0 / (1.0 - p));
    }

    /**
     * Joins same-shape tensors along a new axis (NumPy's stack): n tensors of shape s give shape
     * s with n inserted at axis (0..rank; negative counts from the end, -1 appends). Throws on no
     * tensors or differing shapes.
     */
    public static Tensor stack(int axis, Tensor... xs) {
        if (xs.length == 0) throw new IllegalArgumentException("stack: no tensors given");
        int[] s = xs[0].shape();
        int a = axis < 0 ? axis + s.length + 1 : axis;
        if (a < 0 || a > s.length)
            throw new IllegalArgumentException("stack: axis " + axis + " is outside [" + -(s.length + 1) + ", " + s.length
                    + "] for tensors of shape " + Shape.str(s));
        int[] one = new int[s.length + 1];
        for (int i = 0, j = 0; i < one.length; i++) one[i] = i == a ? 1 : s[j++];
        Tensor[] parts = new Tensor[xs.length];
        for (int i = 0; i < xs.length; i++) {
            if (!java.util.Arrays.equals(xs[i].shape(), s))
                throw new IllegalArgumentException("stack: tensor " + i + " has shape " + Shape.str(xs[i].shape())
                        + " but tensor 0 has " + Shape.str(s));
            parts[i] = xs[i].reshape(one);
        }
        return concat(a, parts);
    }

    /** Mean squared error mean((pred - target)^2) over all elements (rank 0); shapes must match. */
    public static Tensor mseLoss(Tensor pred, Tensor target) {
        if (!java.util.Arrays.equals(pred.shape(), target.shape()))
            throw new IllegalArgumentException("mse_loss: prediction " + Shape.str(pred.shape()) + " and target "
                    + Shape.str(target.shape()) + " differ in shape");
        return pred.sub(target).square().mean();
    }

    /**
     * GELU, tanh approximation (PyTorch's gelu(approximate='tanh')):
     * 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). Within 5e-4 of the exact x Phi(x); the
     * exact form needs erf, which no backend has as a kernel.
     */
    public static Tensor gelu(Tensor x) {
        Tensor inner = x.add(x.pow(3).mul(0.044715)).mul(Math.sqrt(2 / Math.PI));
        return x.mul(inner.tanh().add(1)).mul(0.5);
    }
}
