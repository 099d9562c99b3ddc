package tangent.nn.optim;

import java.util.Collection;
import tangent.core.Device;
import tangent.core.GradMode;
import tangent.core.Tensor;
import tangent.core.cpu.CpuStorage;

/** Gradient clipping by global L2 norm (PyTorch's clip_grad_norm_). */
public final class ClipGrad {
    private ClipGrad() {}

    /**
     * Scales all gradients by min(1, maxNorm / (norm + 1e-6)) in place, where norm is the L2 norm
     * of all gradients together; parameters without a gradient are ignored. Returns the norm
     * before clipping.
     */
    public static double clipGradNorm(Collection<Tensor> params, double maxNorm) {
        for (Tensor p : params)
            if (p.grad() != null && p.grad().device() != Device.CPU) return clipOnDevice(params, maxNorm);
        double sq = 0;
        for (Tensor p : params) {
            if (p.grad() == null) continue;
            CpuStorage g = Buffers.readable(p.grad());
            for (int i = 0, n = p.numel(); i < n; i++) {
                double x = g.get(i);
                sq += x * x;
            }
        }
        double norm = Math.sqrt(sq);
        double coef = maxNorm / (norm + 1e-6);
        if (coef < 1) {
            for (Tensor p : params) {
                if (p.grad() == null) continue;
                CpuStorage src = Buffers.readable(p.grad());
                CpuStorage dst = tangent.core.cpu.CpuStorage.allocate(p.dtype(), p.numel());
                for (int i = 0, n = p.numel(); i < n; i++) dst.set(i, src.get(i) * coef);
                p.setGrad(Tensor.compact(dst, p.shape()));
            }
        }
        return norm;
    }

    /**
     * The same for gradients on another device: per-tensor sums of squares on the device (the
     * backend's reductions), added up in double on the host in parameter order; scaled gradients
     * are new tensors of Tensor ops (they join the caller's memory scope like the gradients did).
     */
    private static double clipOnDevice(Collection<Tensor> params, double maxNorm) {
        try (GradMode.Scope ignored = GradMode.noGrad()) {
            double sq = 0;
            for (Tensor p : params) {
                if (p.grad() == null) continue;
                Tensor g = p.grad().detach();
                Tensor s = (g.dtype() == tangent.core.DType.F64 ? g : g.to(tangent.core.DType.F64)).square().sum();
                sq += s.item();
            }
            double norm = Math.sqrt(sq);
            double coef = maxNorm / (norm + 1e-6);
            if (coef < 1)
                for (Tensor p : params)
                    if (p.grad() != null) p.setGrad(p.grad().detach().mul(coef));
            return norm;
        }
    }
}
