package tangent.core.backend;

import tangent.core.DType;
import tangent.core.Device;
import tangent.core.Tensor;
import tangent.core.cpu.CpuBackend;

/**
 * A CPU backend without any fused primitive: the required kernels delegate to the CPU's, the
 * optional ones keep the interface's defaults ("not implemented"). With it substituted
 * ({@link Backends#substituteCpu}) every op must run its composite rule.
 */
public class CompositeOnlyBackend implements Backend {
    private final Backend cpu = CpuBackend.INSTANCE;

    @Override public Device device() { return Device.CPU; }
    @Override public Tensor zeros(DType dtype, int[] shape) { return cpu.zeros(dtype, shape); }
    @Override public Tensor full(DType dtype, int[] shape, double value) { return cpu.full(dtype, shape, value); }
    @Override public Tensor fromArray(float[] data, int[] shape) { return cpu.fromArray(data, shape); }
    @Override public Tensor fromArray(double[] data, int[] shape) { return cpu.fromArray(data, shape); }
    @Override public float[] toFloatArray(Tensor x) { return cpu.toFloatArray(x); }
    @Override public double[] toDoubleArray(Tensor x) { return cpu.toDoubleArray(x); }
    @Override public void copyInto(Tensor src, Tensor dst) { cpu.copyInto(src, dst); }
    @Override public Tensor unary(UnaryFn fn, Tensor x, double p1, double p2) { return cpu.unary(fn, x, p1, p2); }
    @Override public Tensor binary(BinaryFn fn, Tensor a, Tensor b, int[] outShape) { return cpu.binary(fn, a, b, outShape); }
    @Override public Tensor where(Tensor cond, Tensor a, Tensor b, int[] outShape) { return cpu.where(cond, a, b, outShape); }
    @Override public Tensor reduce(ReduceFn fn, Tensor x, int[] axes) { return cpu.reduce(fn, x, axes); }

    @Override
    public Tensor matmul(Tensor a, Tensor b, boolean transA, boolean transB, int[] outShape) {
        return cpu.matmul(a, b, transA, transB, outShape);
    }

    @Override public Tensor conv2d(Tensor x, Tensor w, int stride, int pad) { return cpu.conv2d(x, w, stride, pad); }

    @Override
    public Tensor conv2dBackwardInput(Tensor gy, Tensor w, int[] xShape, int stride, int pad) {
        return cpu.conv2dBackwardInput(gy, w, xShape, stride, pad);
    }

    @Override
    public Tensor conv2dBackwardWeight(Tensor x, Tensor gy, int[] wShape, int stride, int pad) {
        return cpu.conv2dBackwardWeight(x, gy, wShape, stride, pad);
    }

    @Override public Tensor upsample2x(Tensor x) { return cpu.upsample2x(x); }
    @Override public Tensor sumPool2x(Tensor x) { return cpu.sumPool2x(x); }
}
