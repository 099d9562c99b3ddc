package tangent.core.cpu;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Arrays;

/**
 * Arrays for kernel outputs that the kernel writes whole, allocated without Java's zeroing where
 * the JVM allows it.
 *
 * <p>Why: a float32 fmnist-xs training step allocates about 1 GB of outputs, and {@code new
 * float[n]} first writes n zeros that the kernel then overwrites: about 40 ms per GB on this
 * project's 2-core test VM, and the zeros pass through the caches ahead of the kernel's own writes.
 * The JDK's {@code jdk.internal.misc.Unsafe.allocateUninitializedArray} skips the zeroing (in code
 * that C2 has compiled; elsewhere it zeroes). It is reachable only when the JVM runs with {@code
 * --add-exports java.base/jdk.internal.misc=ALL-UNNAMED} (class path; {@code =tangent.core} on the
 * module path), as {@code bin/scm} and the tests do; without it these are plain zeroed arrays, with
 * the same results.
 *
 * <p>The contract: the caller writes every element before anything reads it. Any element it
 * missed would hold whatever the memory held, so the tests run with {@code
 * -Dtangent.uninitialized=nan}, which fills these arrays with NaN: an element a kernel forgot
 * turns up as NaN in its results.
 */
final class UninitializedArrays {
    private UninitializedArrays() {}

    /** -Dtangent.uninitialized=nan: fill with NaN (tests); otherwise leave the contents alone. */
    static final boolean POISON = "nan".equalsIgnoreCase(System.getProperty("tangent.uninitialized", "").trim());

    /** Unsafe.allocateUninitializedArray(Class, int) bound to the Unsafe; null where not exported to us. */
    private static final MethodHandle ALLOCATE = find();

    private static MethodHandle find() {
        try {
            Class<?> unsafe = Class.forName("jdk.internal.misc.Unsafe");
            Object theUnsafe = unsafe.getMethod("getUnsafe").invoke(null);
            return MethodHandles.lookup()
                    .findVirtual(unsafe, "allocateUninitializedArray", MethodType.methodType(Object.class, Class.class, int.class))
                    .bindTo(theUnsafe);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;   // jdk.internal.misc is not exported to this module: zeroed arrays
        }
    }

    /** Whether allocations skip the zeroing (the export is present). */
    static boolean available() {
        return ALLOCATE != null;
    }

    static float[] floats(int n) {
        float[] a;
        try {
            a = ALLOCATE == null ? new float[n] : (float[]) (Object) ALLOCATE.invokeExact(float.class, n);
        } catch (Throwable e) {
            throw new IllegalStateException("allocating " + n + " floats: " + e, e);
        }
        if (POISON) Arrays.fill(a, Float.NaN);
        return a;
    }

    static double[] doubles(int n) {
        double[] a;
        try {
            a = ALLOCATE == null ? new double[n] : (double[]) (Object) ALLOCATE.invokeExact(double.class, n);
        } catch (Throwable e) {
            throw new IllegalStateException("allocating " + n + " doubles: " + e, e);
        }
        if (POISON) Arrays.fill(a, Double.NaN);
        return a;
    }
}
