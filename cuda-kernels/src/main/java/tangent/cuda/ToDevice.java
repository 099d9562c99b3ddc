package tangent.cuda;

import tangent.core.DType;
import tangent.core.Device;
import tangent.core.Op;
import tangent.core.Tensor;
import tangent.core.backend.Backend;

/**
 * Moves a tensor to another device (a copy; compact on the target). Differentiable:
 * jvp: dy = to_device(dx, target);  vjp: gx = to_device(gy, x's device).
 * Use {@link Cuda#to(Tensor, Device)}.
 */
public final class ToDevice extends Op {
    private final Device target;

    public ToDevice(Device target) {
        this.target = target;
    }

    @Override
    public String name() {
        return "to_device";
    }

    @Override
    protected Tensor forward(Tensor[] x) {
        Tensor in = x[0];
        if (in.device() == target) return in.detach();
        if (target == Device.CUDA || in.device() == Device.CUDA) Cuda.init();
        Backend from = Backend.of(in), to = Backend.of(target);
        return in.dtype() == DType.F32 ? to.fromArray(from.toFloatArray(in), in.shape())
                : to.fromArray(from.toDoubleArray(in), in.shape());
    }

    @Override
    protected Tensor jvp(Tensor[] x, Tensor y, Tensor[] dx) {
        return dx[0] == null ? null : new ToDevice(target).apply(dx[0]);
    }

    @Override
    protected Tensor[] vjp(Tensor[] x, Tensor y, Tensor gy, boolean[] needsGrad) {
        return new Tensor[] {new ToDevice(x[0].device()).apply(gy)};
    }
}
