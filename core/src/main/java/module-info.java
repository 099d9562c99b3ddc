/**
 * tangent core: tensors, ops with their forward, JVP and VJP rules, forward-mode (dual numbers)
 * and reverse-mode (tape) autodiff, and the CPU backend.
 *
 * <p>Exported API: {@code tangent.core} (Tensor, F, ForwardAD, GradMode, ...), {@code tangent.core.ops}
 * (one class per primitive; subclass {@link tangent.core.Op} for a new one), {@code tangent.core.backend}
 * (the device-independent Backend interface that rules and device backends meet at) and
 * {@code tangent.core.check} (gradcheck against central finite differences).
 *
 * <p>Not exported: {@code tangent.core.cpu}, the CPU kernels and storage. tangent.nn reads CPU
 * storages directly in its optimizers' update loops, so it gets a qualified export.
 * tangent-cuda-kernels, tangent-scm and the benchmarks are not modules: they run on the class
 * path, where this descriptor is ignored and every package is visible; they use the CPU kernels as
 * oracles and fallbacks.
 *
 * <p>The Vector API ({@code jdk.incubator.vector}) is optional: {@code requires static} compiles
 * against it without making it a run-time dependency. The JVM resolves it only when started with
 * {@code --add-modules jdk.incubator.vector}; then the float32 kernels use it (see SimdSupport),
 * otherwise the pure-Java kernels run. {@code jdk.management} is optional in the same way: only
 * the profiler's allocation column reads it (see Profiler).
 */
@SuppressWarnings("module") // the qualified export names tangent.nn, which is compiled after this module
module tangent.core {
    requires static jdk.incubator.vector;
    requires static jdk.management;

    exports tangent.core;
    exports tangent.core.backend;
    exports tangent.core.check;
    exports tangent.core.ops;
    exports tangent.core.cpu to tangent.nn;
}
