package tangent.core.backend;

import tangent.core.DType;
import tangent.core.Device;
import tangent.core.Tensor;

/**
 * The loops, not the math: the small set of kernels a device implements. Ops (tangent.core.ops)
 * check shapes and call these; every kernel returns a new compact (row-major, offset 0) tensor
 * unless it says otherwise. Inputs may be strided views unless a method says "compact".
 *
 * <p>The fused primitives at the end are optional: each default returns null, meaning "not
 * implemented by this backend", and the op then runs its composite rule (written with the
 * primitives above; it stays the oracle the tests compare the fused kernels with). A backend that
 * implements one must return the same values as the composite up to rounding. Fused kernels carry
 * no autodiff of their own: ops call them only when nothing needs differentiating through them.
 */
public interface Backend {
    Device device();

    /** The backend that owns this device's storages. */
    static Backend of(Device device) {
        switch (device) {
            case CPU: return Backends.cpu();
            default: return Backends.get(device);
        }
    }

    /** The backend of a tensor's storage. */
    static Backend of(Tensor x) {
        return of(x.device());
    }

    // ---- creation and copies -------------------------------------------------------------
    Tensor zeros(DType dtype, int[] shape);

    /**
     * A tensor whose contents are unspecified (torch.empty), for an output the caller writes whole
     * before reading it. Zeros by default; the CPU skips the zeroing where it can.
     */
    default Tensor empty(DType dtype, int[] shape) {
        return zeros(dtype, shape);
    }

    Tensor full(DType dtype, int[] shape, double value);

    /** Uploads host data (row-major) of the given dtype. */
    Tensor fromArray(float[] data, int[] shape);

    Tensor fromArray(double[] data, int[] shape);

    /** Downloads to host, row-major (a copy). */
    float[] toFloatArray(Tensor x);

    double[] toDoubleArray(Tensor x);

    /** Copies src (any strides) into dst, a view of same shape (may be strided); converts dtype. */
    void copyInto(Tensor src, Tensor dst);

    // ---- elementwise ---------------------------------------------------------------------
    Tensor unary(UnaryFn fn, Tensor x, double p1, double p2);

    /** out[i] = fn(a[i'], b[i'']) with NumPy broadcasting to outShape. */
    Tensor binary(BinaryFn fn, Tensor a, Tensor b, int[] outShape);

    /** out = cond != 0 ? a : b, all three broadcast to outShape. */
    Tensor where(Tensor cond, Tensor a, Tensor b, int[] outShape);

    // ---- reductions ------------------------------------------------------------------------
    /** Reduces over the given sorted axes; the result keeps them as size-1 dimensions. */
    Tensor reduce(ReduceFn fn, Tensor x, int[] axes);

    // ---- linear algebra and images --------------------------------------------------------
    /**
     * Batched product: a (batch..., M, K) or, transposed, (batch..., K, M); b (batch..., K, N) or
     * (batch..., N, K). An operand of rank 2 is broadcast over the other's batch.
     */
    Tensor matmul(Tensor a, Tensor b, boolean transA, boolean transB, int[] outShape);

    /** x: (B, C, H, W), w: (O, C, kh, kw) -> (B, O, Ho, Wo). */
    Tensor conv2d(Tensor x, Tensor w, int stride, int pad);

    /** gy: (B, O, Ho, Wo), w: (O, C, kh, kw) -> gx of xShape (B, C, H, W). */
    Tensor conv2dBackwardInput(Tensor gy, Tensor w, int[] xShape, int stride, int pad);

    /** x: (B, C, H, W), gy: (B, O, Ho, Wo) -> gw of wShape (O, C, kh, kw). */
    Tensor conv2dBackwardWeight(Tensor x, Tensor gy, int[] wShape, int stride, int pad);

    /** Nearest upsampling by 2: (B, C, H, W) -> (B, C, 2H, 2W). */
    Tensor upsample2x(Tensor x);

    /** Sum over 2x2 blocks, the adjoint of upsample2x: (B, C, 2H, 2W) -> (B, C, H, W). */
    Tensor sumPool2x(Tensor x);

    // ---- fused primitives (optional: null = not implemented by this backend) --------------
    //
    // Shapes: x (B, C, S...) with C divisible by groups, G = groups; gamma, beta (C) or null (no
    // affine); mean, rstd (B, G). A saved statistic's dtype is the backend's choice (the CPU keeps
    // float64): ops only pass it back to the same backend's backward. Tangent and cotangent
    // arguments have their primal's shape and dtype; a null tangent is zero and must cost nothing.

    /**
     * GroupNorm: per (sample, group) of n = (C/G) S elements, mean = mean x,
     * rstd = (mean (x - mean)^2 + eps)^(-1/2), y = (x - mean) rstd gamma + beta.
     *
     * @return {y (x's shape), mean (B, G), rstd (B, G)}, or null when not implemented
     */
    default Tensor[] groupNorm(Tensor x, Tensor gamma, Tensor beta, int groups, double eps) {
        return null;
    }

    /**
     * GroupNorm and its tangent in one pass over each group: with xhat = (x - mean) rstd,
     * dy = gamma rstd (dx - mean dx - xhat mean(xhat dx)) + dgamma xhat + dbeta (per group means).
     * dx, dgamma, dbeta may each be null (zero); gamma, beta as in {@link #groupNorm}.
     *
     * @return {y, dy, mean (B, G), rstd (B, G)}, or null when not implemented
     */
    default Tensor[] groupNormJvp(Tensor x, Tensor dx, Tensor gamma, Tensor beta, Tensor dgamma, Tensor dbeta,
                                  int groups, double eps) {
        return null;
    }

    /**
     * GroupNorm's VJP from the statistics the forward returned: with gh = gy gamma (gy if gamma is
     * null), gx = rstd (gh - mean gh - xhat mean(xhat gh)) per group, ggamma = sum over (B, S) of
     * gy xhat (C), gbeta = sum over (B, S) of gy (C).
     *
     * @param mean, rstd (B, G) as returned by this backend's {@link #groupNorm} / {@link #groupNormJvp} for x
     * @return {gx, ggamma or null (unless wantGamma), gbeta or null (unless wantBeta)}, or null when
     *     not implemented
     */
    default Tensor[] groupNormBackward(Tensor x, Tensor gamma, Tensor mean, Tensor rstd, Tensor gy, boolean wantGamma,
                                       boolean wantBeta, int groups) {
        return null;
    }

    /**
     * {@link #groupNorm} followed by silu in one pass: {silu(y), mean, rstd}, with the bits of
     * groupNorm then unary(SILU); the statistics as groupNorm's.
     *
     * @return null when not implemented (the op then runs groupNorm and the silu kernel)
     */
    default Tensor[] groupNormSilu(Tensor x, Tensor gamma, Tensor beta, int groups, double eps) {
        return null;
    }

    /**
     * {@link #groupNormJvp} followed by silu's forward+JVP: {silu(y), silu'(y) dy, mean, rstd}, with
     * the bits of groupNormJvp then siluJvp.
     *
     * @return null when not implemented
     */
    default Tensor[] groupNormSiluJvp(Tensor x, Tensor dx, Tensor gamma, Tensor beta, Tensor dgamma, Tensor dbeta, int groups,
                                      double eps) {
        return null;
    }

    /**
     * The VJP of silu(group_norm(x)) from the statistics {@link #groupNormSilu} returned:
     * {@link #groupNormBackward} of gy silu'(y), with y = xhat gamma + beta recomputed from x (so
     * beta, null for none, is an input); the bits of binary(SILU_BACKWARD) on the saved y and then
     * groupNormBackward.
     *
     * @return {gx, ggamma or null, gbeta or null} as groupNormBackward, or null when not implemented
     */
    default Tensor[] groupNormSiluBackward(Tensor x, Tensor gamma, Tensor beta, Tensor mean, Tensor rstd, Tensor gy,
                                           boolean wantGamma, boolean wantBeta, int groups) {
        return null;
    }

    /**
     * SiLU and its tangent in one pass: y = x sigmoid(x), dy = silu'(x) dx with
     * silu'(x) = s (1 + x (1 - s)), s = sigmoid(x). x, dx same shape and dtype.
     *
     * @param wantDerivative whether to return silu'(x) too (saved for the VJP gx = silu'(x) gy)
     * @return {y, dy, silu'(x) or null (unless wantDerivative)}, or null when not implemented
     */
    default Tensor[] siluJvp(Tensor x, Tensor dx, boolean wantDerivative) {
        return null;
    }

    /**
     * Per-channel modulation y = x s + b: x (B, C, S...), s and b of shape (B, C, 1, ...) or
     * (1, C, 1, ...) (one value per plane, or per channel shared by the batch), x's dtype.
     *
     * @return y (x's shape), or null when not implemented
     */
    default Tensor scaleShift(Tensor x, Tensor s, Tensor b) {
        return null;
    }

    /**
     * scale_shift and its tangent in one pass: y = x s + b, dy = dx s + x ds + db; dx, ds, db may
     * each be null (zero), not all three.
     *
     * @return {y, dy}, or null when not implemented
     */
    default Tensor[] scaleShiftJvp(Tensor x, Tensor dx, Tensor s, Tensor ds, Tensor b, Tensor db) {
        return null;
    }

    /**
     * scale_shift's VJP: gx = gy s, gs = sum of gy x and gb = sum of gy over each coefficient's
     * elements (its plane, or its channel's planes over the batch), of s's shape.
     *
     * @return {gx or null (unless wantX), gs or null (unless wantS), gb or null (unless wantB)}, or
     *     null when not implemented
     */
    default Tensor[] scaleShiftBackward(Tensor x, Tensor s, Tensor gy, boolean wantX, boolean wantS, boolean wantB) {
        return null;
    }

    /**
     * silu(x s + b) in one pass, with the bits of scaleShift then unary(SILU).
     *
     * @return the result, or null when not implemented (the op then runs scaleShift and the silu kernel)
     */
    default Tensor scaleShiftSilu(Tensor x, Tensor s, Tensor b) {
        return null;
    }

    /**
     * {@link #scaleShiftJvp} followed by silu's forward+JVP: {silu(y), silu'(y) dy}, with the bits of
     * scaleShiftJvp then siluJvp.
     *
     * @return null when not implemented
     */
    default Tensor[] scaleShiftSiluJvp(Tensor x, Tensor dx, Tensor s, Tensor ds, Tensor b, Tensor db) {
        return null;
    }

    /**
     * The VJP of silu(x s + b): {@link #scaleShiftBackward} of gy silu'(x s + b), recomputing
     * x s + b; the bits of binary(SILU_BACKWARD) on the saved x s + b and then scaleShiftBackward.
     *
     * @return as scaleShiftBackward, or null when not implemented
     */
    default Tensor[] scaleShiftSiluBackward(Tensor x, Tensor s, Tensor b, Tensor gy, boolean wantX, boolean wantS, boolean wantB) {
        return null;
    }

    /**
     * matmul and its tangent: y = op(a) op(b), dy = op(da) op(b) + op(a) op(db) (the two products
     * rounded, then added); da or db may be null (zero), not both. Shapes as in {@link #matmul}.
     *
     * @return {y, dy}, or null when not implemented
     */
    default Tensor[] matmulJvp(Tensor a, Tensor da, Tensor b, Tensor db, boolean transA, boolean transB, int[] outShape) {
        return null;
    }

    /**
     * A scaled sum y = (a + b) c of two tensors of one shape and dtype.
     *
     * @return y, or null when not implemented
     */
    default Tensor addScale(Tensor a, Tensor b, double c) {
        return null;
    }

    /**
     * add_scale and its tangent: y = (a + b) c, dy = (da + db) c; da or db may be null (zero), not both.
     *
     * @return {y, dy}, or null when not implemented
     */
    default Tensor[] addScaleJvp(Tensor a, Tensor da, Tensor b, Tensor db, double c) {
        return null;
    }

    /**
     * Pixel norm along one axis: rstd = (mean_axis v^2 + eps)^(-1/2), y = v rstd.
     *
     * @return {y (v's shape), rstd (v's shape with size 1 at axis, v's dtype)}, or null when not implemented
     */
    default Tensor[] pixelNorm(Tensor v, int axis, double eps) {
        return null;
    }

    /**
     * Pixel norm and its tangent: dy = rstd (dv - y mean_axis(y dv)).
     *
     * @return {y, dy, rstd (size 1 at axis)}, or null when not implemented
     */
    default Tensor[] pixelNormJvp(Tensor v, Tensor dv, int axis, double eps) {
        return null;
    }

    /**
     * Pixel norm's VJP from the saved rstd (the Jacobian is symmetric): with y = v rstd,
     * gv = rstd (gy - y mean_axis(y gy)).
     *
     * @return gv (v's shape), or null when not implemented
     */
    default Tensor pixelNormBackward(Tensor v, Tensor rstd, Tensor gy, int axis) {
        return null;
    }

    /**
     * Convolution plus a per-output-channel bias: conv2d(x, w) + bias[o]; bias (O) or null. The
     * default adds the bias with a broadcast {@link #binary} (a second pass); a backend may fuse it.
     * Always implemented.
     */
    default Tensor conv2d(Tensor x, Tensor w, Tensor bias, int stride, int pad) {
        Tensor y = conv2d(x, w, stride, pad);
        if (bias == null) return y;
        int[] s = y.shape();
        Tensor b = Tensor.view(bias.storage(), new int[] {1, s[1], 1, 1}, new int[] {0, bias.strides()[0], 0, 0}, bias.offset());
        return binary(BinaryFn.ADD, y, b, s);
    }

    /**
     * The primal and tangent convolutions of a dual input with one read of the weights (the JVP of
     * conv2d in x when w carries no tangent): x, dx (B, C, H, W), w (O, C, kh, kw), bias (O) or null.
     *
     * @return {conv2d(x, w) + bias, conv2d(dx, w)}, or null when not implemented
     */
    default Tensor[] conv2dDual(Tensor x, Tensor dx, Tensor w, Tensor bias, int stride, int pad) {
        return null;
    }

    /**
     * Softmax along an axis and its tangent: y = exp(x - max) / sum exp(x - max),
     * dy = y (dx - sum_axis(y dx)).
     *
     * @return {y, dy}, or null when not implemented
     */
    default Tensor[] softmaxJvp(Tensor x, Tensor dx, int axis) {
        return null;
    }

    /**
     * Softmax along an axis, y = exp(x - max) / sum exp(x - max); when implemented, y must be
     * bit-identical to {@link #softmaxJvp}'s (a plain forward and a dual forward give the same primal).
     *
     * @return y, or null when not implemented (the composite then runs)
     */
    default Tensor softmax(Tensor x, int axis) {
        return null;
    }

    /**
     * Softmax's VJP from its output y: gx = y (gy - sum_axis(y gy)).
     *
     * @return gx (y's shape), or null when not implemented
     */
    default Tensor softmaxBackward(Tensor y, Tensor gy, int axis) {
        return null;
    }

    /**
     * acc = acc + x in place, elementwise, with the bits of binary(ADD, acc, x) (Autograd's
     * cotangent accumulation into a buffer it owns). acc compact or a window of a compact tensor
     * (distinct elements); x of acc's shape, dtype and device, any strides, not overlapping acc
     * unless equal to it element for element.
     *
     * @return false when not implemented or acc's layout is not supported (acc is then untouched)
     */
    default boolean addInPlace(Tensor acc, Tensor x) {
        return false;
    }

    /**
     * x = c x in place, with the bits of unary(SCALE, x, c, 0) (a VJP scaling a cotangent it was
     * donated). x compact.
     *
     * @return false when not implemented (x is then untouched)
     */
    default boolean scaleInPlace(Tensor x, double c) {
        return false;
    }
}
