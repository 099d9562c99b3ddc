package tangent.core;

/**
 * A flat buffer of elements owned by one backend. Tensors are views (shape, strides, offset) over
 * a storage; several tensors may share one.
 */
public interface Storage {
    DType dtype();

    Device device();

    /** Number of elements. */
    int length();

    /**
     * Creation order: each storage a backend creates takes the next value of {@link #nextSerial}
     * (0 where the backend does not number its storages). Autograd compares it with the counter
     * before a VJP call to know that a cotangent's buffer was made by that call.
     */
    default long serial() {
        return 0;
    }

    /** The next serial, greater than every one handed out before (thread-safe). */
    static long nextSerial() {
        return Serials.NEXT.incrementAndGet();
    }

    /** The last serial handed out: storages created after this call have greater ones. */
    static long lastSerial() {
        return Serials.NEXT.get();
    }

    /** Holder of the counter (interfaces have no private fields). */
    final class Serials {
        private Serials() {}

        private static final java.util.concurrent.atomic.AtomicLong NEXT = new java.util.concurrent.atomic.AtomicLong();
    }
}
