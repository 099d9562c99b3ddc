package tangent.core.backend;

import tangent.core.DType;
import tangent.core.Device;
import tangent.core.Tensor;

/**
 * The loops, not the math: the small set of kernels a device implements. Ops (tangent.core.ops)
 * check shapes and call these; every kernel returns a new compact (row-major, offset 0) tensor
 * unless it says otherwise. Inputs may be strided views unless a method says "compact".
 */
public interface Backend {
    Device device();

    /** The backend that owns this device's storages. */
    static Backend of(Device device) {
        switch (device) {
            case CPU: return tangent.core.cpu.CpuBackend.INSTANCE;
            default: return Backends.get(device);
        }
    }

    /** The backend of a tensor's storage. */
    static Backend of(Tensor x) {
        return of(x.device());
    }

    // ---- creation and copies -------------------------------------------------------------
    Tensor zeros(DType dtype, int[] shape);

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
}
