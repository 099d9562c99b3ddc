package tangent.nn.optim;

import tangent.core.Tensor;
import tangent.core.cpu.CpuStorage;

/**
 * In-place element access for optimizer and EMA updates. Parameters and optimizer state are
 * compact CPU tensors, so updates read and write their storage directly instead of building new
 * tensors and calling {@link Tensor#copyFrom}. Values are handled in double; float32 storage
 * rounds once per write.
 */
public final class Buffers {
    private Buffers() {}

    /** The storage of a compact CPU tensor (offset 0, row-major, whole storage). */
    public static CpuStorage storage(Tensor t, String what) {
        if (!(t.storage() instanceof CpuStorage s) || !t.isCompact() || t.offset() != 0 || s.length() != t.numel())
            throw new IllegalStateException(what + ": expected a compact CPU tensor, got shape "
                    + java.util.Arrays.toString(t.shape()) + " on " + t.device());
        return s;
    }

    /** A readable storage holding t's elements in row-major order (t's own when compact, else a copy). */
    public static CpuStorage readable(Tensor t) {
        if (t.storage() instanceof CpuStorage s && t.isCompact() && t.offset() == 0 && s.length() == t.numel()) return s;
        return new CpuStorage(t.toDoubleArray());
    }

    /** A new zero tensor like t (same dtype and shape). */
    public static Tensor zerosLike(Tensor t) {
        return Tensor.zeros(t.dtype(), t.shape());
    }

    /** A compact detached copy of t. */
    public static Tensor copyOf(Tensor t) {
        Tensor c = Tensor.zeros(t.dtype(), t.shape());
        c.copyFrom(t.detach());
        return c;
    }
}
