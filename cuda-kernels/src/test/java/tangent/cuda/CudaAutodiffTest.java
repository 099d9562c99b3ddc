package tangent.cuda;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import tangent.core.DType;
import tangent.core.Device;
import tangent.core.F;
import tangent.core.ForwardAD;
import tangent.core.Tensor;

/**
 * End to end: conv2d -> group_norm -> silu -> matmul -> sum on CUDA tensors, forward-mode
 * (ForwardAD.jvp) and reverse-mode (backward) results against the same computation on the CPU, in
 * float64 (1e-10 relative to the largest magnitude) and float32 (1e-4).
 */
@Tag("cuda")
class CudaAutodiffTest {
    @BeforeAll
    static void init() {
        Cuda.init();
    }

    private static Tensor rand(Random r, DType dt, int... shape) {
        int n = 1;
        for (int s : shape) n *= s;
        double[] d = new double[n];
        for (int i = 0; i < n; i++) d[i] = r.nextGaussian();
        return Tensor.of(d, shape).to(dt);
    }

    /** f(x) with parameters w (conv), gamma, beta (group norm), m (linear). */
    private static Tensor f(Tensor x, Tensor w, Tensor gamma, Tensor beta, Tensor m) {
        Tensor h = F.conv2d(x, w, null, 1, 1);
        h = F.groupNorm(h, 2, gamma, beta, 1e-5).silu();
        h = h.reshape(h.size(0), -1);
        return h.matmul(m).square().sum();
    }

    private static void same(String what, Tensor cpu, Tensor gpu, double tol) {
        assertEquals(Device.CPU, cpu.device(), what);
        CudaTesting.scaled(what, cpu, gpu.device() == Device.CPU ? gpu : Cuda.to(gpu, Device.CPU), tol);
    }

    @Test
    void forwardAndReverseModeMatchTheCpu() {
        for (DType dt : DType.values()) {
            double tol = dt == DType.F64 ? 1e-10 : 1e-4;
            try (CudaScope scope = CudaScope.open()) {
                Random r = new Random(7);
                Tensor x = rand(r, dt, 2, 4, 6, 6), dx = rand(r, dt, 2, 4, 6, 6), w = rand(r, dt, 8, 4, 3, 3), gamma = rand(r, dt, 8),
                        beta = rand(r, dt, 8), m = rand(r, dt, 8 * 36, 5);
                Tensor[] g = {x, dx, w, gamma, beta, m};
                Tensor[] d = new Tensor[g.length];
                for (int i = 0; i < g.length; i++) d[i] = Cuda.to(g[i], Device.CUDA);
                assertEquals(Device.CUDA, d[0].device());

                // forward mode
                Function<Tensor[], Tensor> fc = a -> f(a[0], w, gamma, beta, m);
                Function<Tensor[], Tensor> fg = a -> f(a[0], d[2], d[3], d[4], d[5]);
                Tensor[] yc = ForwardAD.jvp(fc, new Tensor[] {x}, new Tensor[] {dx});
                Tensor[] yg = ForwardAD.jvp(fg, new Tensor[] {d[0]}, new Tensor[] {d[1]});
                assertEquals(Device.CUDA, yg[0].device());
                assertEquals(Device.CUDA, yg[1].device());
                same("primal " + dt, yc[0], yg[0], tol);
                same("jvp " + dt, yc[1], yg[1], tol);

                // reverse mode, CUDA leaves
                Tensor[] pc = {x.detach().requiresGrad(true), w.detach().requiresGrad(true), gamma.detach().requiresGrad(true),
                    beta.detach().requiresGrad(true), m.detach().requiresGrad(true)};
                Tensor[] pg = {d[0].detach().requiresGrad(true), d[2].detach().requiresGrad(true), d[3].detach().requiresGrad(true),
                    d[4].detach().requiresGrad(true), d[5].detach().requiresGrad(true)};
                f(pc[0], pc[1], pc[2], pc[3], pc[4]).backward();
                f(pg[0], pg[1], pg[2], pg[3], pg[4]).backward();
                String[] names = {"x", "w", "gamma", "beta", "m"};
                for (int i = 0; i < pc.length; i++) {
                    assertNotNull(pg[i].grad(), "grad of " + names[i]);
                    assertEquals(Device.CUDA, pg[i].grad().device());
                    same("grad " + names[i] + " " + dt, pc[i].grad(), pg[i].grad(), tol);
                }

                // ToDevice inside the graph: CPU leaves, CUDA compute; gradients and tangents come back to the CPU
                Tensor xl = x.detach().requiresGrad(true);
                Tensor loss = f(Cuda.to(xl, Device.CUDA), d[2], d[3], d[4], d[5]);
                Cuda.to(loss, Device.CPU).backward();
                assertEquals(Device.CPU, xl.grad().device());
                same("grad through to_device " + dt, pc[0].grad(), xl.grad(), tol);
                Tensor[] yt = ForwardAD.jvp(a -> Cuda.to(f(Cuda.to(a[0], Device.CUDA), d[2], d[3], d[4], d[5]), Device.CPU),
                        new Tensor[] {x}, new Tensor[] {dx});
                assertEquals(Device.CPU, yt[1].device());
                same("jvp through to_device " + dt, yc[1], yt[1], tol);
            }
        }
    }
}
