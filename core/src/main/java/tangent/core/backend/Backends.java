package tangent.core.backend;

import java.util.EnumMap;
import java.util.Map;
import tangent.core.Device;

/** Registry of non-CPU backends (the CUDA module registers itself here when it loads). */
public final class Backends {
    private Backends() {}

    private static final Map<Device, Backend> REGISTERED = new EnumMap<>(Device.class);

    /** Makes backend the one for its device (replacing any before it). */
    public static synchronized void register(Backend backend) {
        REGISTERED.put(backend.device(), backend);
    }

    /** The backend registered for device; throws IllegalStateException naming what to load when none is. */
    public static synchronized Backend get(Device device) {
        Backend b = REGISTERED.get(device);
        if (b == null)
            throw new IllegalStateException("no backend for device " + device
                    + " is loaded: put the tangent-cuda-kernels module on the class path and initialise it "
                    + "(tangent.cuda.Cuda.init()) before creating " + device + " tensors");
        return b;
    }
}
