package tangent.nn;

import tangent.core.DType;
import tangent.core.Device;
import tangent.core.Tensor;
import tangent.core.backend.Backend;

/** Copies between devices for modules and optimizer state (outside autodiff). */
public final class Devices {
    private Devices() {}

    /** A compact copy of t on the device, detached (no tape, no tangents); the device's backend must be loaded. */
    public static Tensor copy(Tensor t, Device device) {
        Backend from = Backend.of(t), to = Backend.of(device);
        return t.dtype() == DType.F32 ? to.fromArray(from.toFloatArray(t), t.shape()) : to.fromArray(from.toDoubleArray(t), t.shape());
    }
}
