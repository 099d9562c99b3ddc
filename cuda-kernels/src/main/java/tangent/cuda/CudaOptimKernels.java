package tangent.cuda;

import tangent.core.DType;
import tangent.core.Tensor;
import tangent.nn.optim.DeviceKernels;
import tangent.nn.optim.Optimizer;

/**
 * The fused CUDA optimizer kernels ({@link CudaOptim}) behind nn.optim's hook; {@link Cuda#init()}
 * registers them for Device.CUDA, so an optimizer or EMA over CUDA parameters uses them.
 */
final class CudaOptimKernels implements DeviceKernels {
    static final CudaOptimKernels INSTANCE = new CudaOptimKernels();

    private CudaOptimKernels() {}

    @Override
    public boolean adam(Tensor p, Tensor g, Tensor m, Tensor v, Optimizer.Coefs c) {
        if (p.dtype() != DType.F32 && p.dtype() != DType.F64) return false;
        int mode = switch (c.mode()) {
            case ADAM -> CudaOptim.ADAM;
            case RADAM_RECT -> CudaOptim.RADAM_RECT;
            case RADAM_PLAIN -> CudaOptim.RADAM_PLAIN;
        };
        CudaOptim.adam(p, g, m, v, mode, c.decay(), c.l2(), c.b1(), c.b2(), c.a(), c.c(), c.eps(), c.bc1(), c.r());
        return true;
    }

    @Override
    public boolean ema(Tensor shadow, Tensor p, double beta) {
        if (!p.isCompact() || p.offset() != 0 || p.storage().length() != p.numel() || p.dtype() != shadow.dtype()) return false;
        CudaOptim.ema(shadow, p, beta);
        return true;
    }
}
