package tangent.core.backend;

import java.util.EnumMap;
import java.util.Map;
import tangent.core.Device;

/** Registry of non-CPU backends (the CUDA module registers itself here when it loads). */
public final class Backends {
    private Backends() {}

    private static final Map<Device, Backend> REGISTERED = new EnumMap<>(Device.class);

    /** The backend of CPU storages: the CPU's own, or a test's stand-in (see {@link #substituteCpu}). */
    private static volatile Backend cpu = tangent.core.cpu.CpuBackend.INSTANCE;

    static Backend cpu() {
        return cpu;
    }

    /** A scope that restores the CPU backend on close. */
    public interface Substitution extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * For tests: serves CPU tensors with the given backend (it must work on CPU storages, e.g. by
     * delegating to the CPU's) until the returned scope closes; e.g. one that lacks the fused
     * primitives, to check that ops then run their composite rules. Not thread-safe: the whole JVM
     * sees the substitute.
     */
    public static synchronized Substitution substituteCpu(Backend backend) {
        if (backend.device() != Device.CPU)
            throw new IllegalArgumentException("substituteCpu: the backend serves " + backend.device() + ", not CPU");
        Backend previous = cpu;
        cpu = backend;
        return () -> cpu = previous;
    }

    public static synchronized void register(Backend backend) {
        REGISTERED.put(backend.device(), backend);
    }

    public static synchronized Backend get(Device device) {
        Backend b = REGISTERED.get(device);
        if (b == null)
            throw new IllegalStateException("no backend for device " + device
                    + " is loaded: put the tangent-cuda-kernels module on the class path and initialise it "
                    + "(tangent.cuda.Cuda.init()) before creating " + device + " tensors");
        return b;
    }
}
