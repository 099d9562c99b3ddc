package tangent.nn.optim;

import java.util.EnumMap;
import java.util.Map;
import tangent.core.Device;
import tangent.core.Tensor;

/**
 * Fused in-place update kernels for parameters that are not on the CPU. A backend module that has
 * them (tangent-cuda-kernels: tangent.cuda.Cuda.init() registers the CUDA ones) registers
 * an implementation per device; without one, the optimizers fall back to Tensor ops under
 * {@code GradMode.noGrad} written back with {@link Tensor#copyFrom}. The CPU path never uses this.
 */
public interface DeviceKernels {
    /**
     * One Adam-family step in place on p, m, v (compact, same dtype and device) with gradient g.
     * See {@link Optimizer.Coefs} for the meaning of the coefficients. Returns false if it cannot
     * (then the Tensor-op fallback runs).
     */
    boolean adam(Tensor p, Tensor g, Tensor m, Tensor v, Optimizer.Coefs c);

    /** shadow = beta shadow + (1 - beta) p in place; false if it cannot. */
    boolean ema(Tensor shadow, Tensor p, double beta);

    Map<Device, DeviceKernels> REGISTERED = new EnumMap<>(Device.class);

    static void register(Device device, DeviceKernels kernels) {
        synchronized (REGISTERED) {
            REGISTERED.put(device, kernels);
        }
    }

    /** The kernels registered for a device, or null. */
    static DeviceKernels of(Device device) {
        synchronized (REGISTERED) {
            return REGISTERED.get(device);
        }
    }
}
