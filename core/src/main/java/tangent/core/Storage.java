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
}
