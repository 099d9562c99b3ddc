package tangent.core;

/** Where a tensor's storage lives. Tensors on different devices never meet silently. */
public enum Device {
    CPU,
    CUDA
}
