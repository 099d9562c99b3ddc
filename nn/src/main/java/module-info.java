/**
 * tangent nn: layers, modules (MLP denoiser, U-Net, classifier), optimizers and safetensors I/O
 * on top of tangent core, which it re-exports ({@code requires transitive}: its API takes and
 * returns {@link tangent.core.Tensor}).
 *
 * <p>Every package of the module is API except {@code tangent.nn.internal}, which holds test hooks
 * (forcing the optimizers' tensor-op path); it is not exported. tangent-scm and
 * tangent-cuda-kernels run on the class path, where this descriptor is ignored.
 */
module tangent.nn {
    requires transitive tangent.core;

    exports tangent.nn;
    exports tangent.nn.io;
    exports tangent.nn.layers;
    exports tangent.nn.optim;
}
