package tangent.nn;

import tangent.core.DType;
import tangent.core.Device;
import tangent.core.Storage;
import tangent.core.Tensor;
import tangent.core.backend.Backend;
import tangent.core.backend.Backends;
import tangent.core.backend.BinaryFn;
import tangent.core.backend.ReduceFn;
import tangent.core.backend.UnaryFn;
import tangent.core.cpu.CpuBackend;
import tangent.core.cpu.CpuStorage;

/**
 * A stand-in for a second device in tests without a GPU: storages that say Device.CUDA but keep
 * their elements in host arrays. It supports creation, upload, download and copies (what moving
 * modules and optimizer state needs); any computation throws. {@link #install} registers it for
 * Device.CUDA unless a real backend is registered already.
 */
final class HostBackedDevice implements Backend {
    static final HostBackedDevice INSTANCE = new HostBackedDevice();

    /** A host array that claims to live on the second device. */
    record HostStorage(CpuStorage host) implements Storage {
        @Override public DType dtype() { return host.dtype(); }
        @Override public Device device() { return Device.CUDA; }
        @Override public int length() { return host.length(); }
    }

    static synchronized void install() {
        try {
            Backend b = Backends.get(Device.CUDA);
            if (b != INSTANCE) throw new IllegalStateException("a real CUDA backend is registered; these tests want the stand-in");
        } catch (IllegalStateException noneYet) {
            if (noneYet.getMessage().startsWith("a real")) throw noneYet;
            Backends.register(INSTANCE);
        }
    }

    /** The same data as a CPU tensor view (shares the host array). */
    private static Tensor host(Tensor t) {
        return Tensor.view(((HostStorage) t.storage()).host(), t.shape(), t.strides(), t.offset());
    }

    private static Tensor wrap(Tensor cpu) {
        return Tensor.compact(new HostStorage((CpuStorage) cpu.storage()), cpu.shape());
    }

    private final Backend cpu = CpuBackend.INSTANCE;

    @Override public Device device() { return Device.CUDA; }
    @Override public Tensor zeros(DType dtype, int[] shape) { return wrap(cpu.zeros(dtype, shape)); }
    @Override public Tensor full(DType dtype, int[] shape, double value) { return wrap(cpu.full(dtype, shape, value)); }
    @Override public Tensor fromArray(float[] data, int[] shape) { return wrap(cpu.fromArray(data, shape)); }
    @Override public Tensor fromArray(double[] data, int[] shape) { return wrap(cpu.fromArray(data, shape)); }
    @Override public float[] toFloatArray(Tensor x) { return cpu.toFloatArray(host(x)); }
    @Override public double[] toDoubleArray(Tensor x) { return cpu.toDoubleArray(host(x)); }

    @Override
    public void copyInto(Tensor src, Tensor dst) {
        if (src.device() != Device.CUDA || dst.device() != Device.CUDA)
            throw new IllegalArgumentException("stand-in device: copy between devices " + src.device() + " -> " + dst.device());
        cpu.copyInto(host(src), host(dst));
    }

    private static UnsupportedOperationException none(String what) {
        return new UnsupportedOperationException("stand-in device: no " + what + " (it only stores tensors)");
    }

    @Override public Tensor unary(UnaryFn fn, Tensor x, double p1, double p2) { throw none("unary"); }
    @Override public Tensor binary(BinaryFn fn, Tensor a, Tensor b, int[] outShape) { throw none("binary"); }
    @Override public Tensor where(Tensor cond, Tensor a, Tensor b, int[] outShape) { throw none("where"); }
    @Override public Tensor reduce(ReduceFn fn, Tensor x, int[] axes) { throw none("reduce"); }
    @Override public Tensor matmul(Tensor a, Tensor b, boolean ta, boolean tb, int[] outShape) { throw none("matmul"); }
    @Override public Tensor conv2d(Tensor x, Tensor w, int stride, int pad) { throw none("conv2d"); }
    @Override public Tensor conv2dBackwardInput(Tensor gy, Tensor w, int[] xs, int stride, int pad) { throw none("conv2d"); }
    @Override public Tensor conv2dBackwardWeight(Tensor x, Tensor gy, int[] ws, int stride, int pad) { throw none("conv2d"); }
    @Override public Tensor upsample2x(Tensor x) { throw none("upsample2x"); }
    @Override public Tensor sumPool2x(Tensor x) { throw none("sumPool2x"); }
}
