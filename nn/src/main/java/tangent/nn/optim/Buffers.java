package tangent.nn.optim;

import tangent.core.Tensor;
import tangent.core.cpu.CpuStorage;

/**
 * In-place element access for optimizer and EMA updates. On the CPU, parameters and optimizer
 * state are compact CPU tensors, so updates read and write their storage directly instead of
 * building new tensors and calling {@link Tensor#copyFrom}. Values are handled in double; float32
 * storage rounds once per write. (Parameters on another device take the device path of
 * {@link Optimizer} and {@link Ema}.)
 */
final class Buffers {
    private Buffers() {}

    /** The storage of a compact CPU tensor (offset 0, row-major, whole storage). */
    public static CpuStorage storage(Tensor t, String what) {
        if (!(t.storage() instanceof CpuStorage s) || !t.isCompact() || t.offset() != 0 || s.length() != t.numel())
            throw new IllegalStateException(what + ": expected a compact CPU tensor, got shape "
                    + java.util.Arrays.toString(t.shape()) + " on " + t.device());
        return s;
    }

    /**
     * Checks an optimizer parameter: a compact CPU tensor (as {@link #storage}) or a compact tensor
     * (offset 0, whole storage) on another device.
     */
    public static void checkParam(Tensor t, String what) {
        if (t.device() == tangent.core.Device.CPU) {
            storage(t, what);
            return;
        }
        if (!t.isCompact() || t.offset() != 0 || t.storage().length() != t.numel())
            throw new IllegalStateException(what + ": expected a compact tensor, got shape "
                    + java.util.Arrays.toString(t.shape()) + " (a view) on " + t.device());
    }

    /** Closes a temporary's storage now if it holds explicit memory (device storage); no-op on the CPU. */
    public static void release(Tensor t) {
        if (t.storage() instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                throw new IllegalStateException("cannot release a temporary: " + e, e);
            }
        }
    }

    /** A readable storage holding t's elements in row-major order (t's own when compact, else a copy). */
    public static CpuStorage readable(Tensor t) {
        if (t.storage() instanceof CpuStorage s && t.isCompact() && t.offset() == 0 && s.length() == t.numel()) return s;
        return new CpuStorage(t.toDoubleArray());
    }

    /** A new zero tensor like t (same dtype, shape and device). */
    public static Tensor zerosLike(Tensor t) {
        return Tensor.zeros(t.dtype(), t.device(), t.shape());
    }

    /** A compact detached copy of t (on t's device). */
    public static Tensor copyOf(Tensor t) {
        Tensor c = Tensor.zeros(t.dtype(), t.device(), t.shape());
        c.copyFrom(t.detach());
        return c;
    }
}
