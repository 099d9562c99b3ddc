package tangent.nn.optim;

import static org.junit.jupiter.api.Assertions.*;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tangent.core.DType;
import tangent.core.Rng;
import tangent.core.Tensor;

/**
 * The device path of the optimizers (Coefs + Tensor ops, what runs on a device without fused
 * kernels; the fused CUDA kernels implement the same Coefs) checked on the CPU against the CPU
 * loops, and a pin that the CPU path itself is unchanged (never takes the device path).
 */
class DevicePathTest {
    interface Make {
        Optimizer make(Map<String, Tensor> params);
    }

    /** Runs steps on two copies: one through step() (CPU loop), one through the Tensor-op form of coefs(t). */
    static void compare(Make make, int steps, double tol) {
        Rng rng = new Rng(7);
        Tensor a = rng.normal(DType.F64, 3, 5), b = rng.normal(DType.F64, 4);
        Map<String, Tensor> pa = new LinkedHashMap<>();
        pa.put("a", Buffers.copyOf(a).requiresGrad(true));
        pa.put("b", Buffers.copyOf(b).requiresGrad(true));
        Optimizer cpu = make.make(pa);
        Tensor[] q = {Buffers.copyOf(a), Buffers.copyOf(b)};
        Tensor[] m = {Buffers.zerosLike(a), Buffers.zerosLike(b)};
        Tensor[] v = {Buffers.zerosLike(a), Buffers.zerosLike(b)};
        for (int t = 1; t <= steps; t++) {
            Tensor ga = rng.normal(DType.F64, 3, 5), gb = rng.normal(DType.F64, 4);
            pa.get("a").setGrad(ga);
            pa.get("b").setGrad(gb);
            cpu.step();
            Optimizer.Coefs c = cpu.coefs(t);
            Optimizer.tensorOpUpdate(q[0], ga, m[0], v[0], c);
            Optimizer.tensorOpUpdate(q[1], gb, m[1], v[1], c);
            assertArrayEquals(pa.get("a").toDoubleArray(), q[0].toDoubleArray(), tol, "a after step " + t);
            assertArrayEquals(pa.get("b").toDoubleArray(), q[1].toDoubleArray(), tol, "b after step " + t);
            assertArrayEquals(cpu.state().get("a").m.toDoubleArray(), m[0].toDoubleArray(), tol);
            assertArrayEquals(cpu.state().get("a").v.toDoubleArray(), v[0].toDoubleArray(), tol);
        }
    }

    @Test
    void adamCoefsMatchTheCpuLoop() {
        compare(p -> new Adam(p, 1e-2), 8, 1e-14);
        compare(p -> new Adam(p, 1e-2, 0.9, 0.999, 1e-8, 0.1, false), 8, 1e-14);
        compare(p -> Adam.adamW(p, 1e-2, 0.9, 0.99, 1e-8, 0.1), 8, 1e-14);
    }

    @Test
    void radamCoefsMatchTheCpuLoopThroughTheRectificationSwitch() {
        Optimizer o = RAdam.scmDefault(Map.of("x", Tensor.zeros(DType.F64, 1).requiresGrad(true)));
        assertEquals(Optimizer.Mode.RADAM_PLAIN, o.coefs(1).mode());
        assertEquals(Optimizer.Mode.RADAM_RECT, o.coefs(12).mode());
        compare(p -> new RAdam(p, 1e-2, 0.9, 0.99, 1e-8, 0, false), 12, 1e-14);
        compare(p -> new RAdam(p, 1e-2, 0.9, 0.99, 1e-8, 0.05, true), 12, 1e-14);
        compare(p -> new RAdam(p, 1e-2, 0.9, 0.99, 1e-8, 0.05, false), 12, 1e-14);
    }

    /** The CPU path is bit-for-bit the original loop, even with kernels registered and the Tensor-op switch set. */
    @Test
    void cpuPathIgnoresDeviceKernelsAndTheSwitch() {
        DeviceKernels boom = new DeviceKernels() {
            @Override
            public boolean adam(Tensor p, Tensor g, Tensor m, Tensor v, Optimizer.Coefs c) {
                throw new AssertionError("device kernel used for a CPU parameter");
            }

            @Override
            public boolean ema(Tensor shadow, Tensor p, double beta) {
                throw new AssertionError("device kernel used for a CPU parameter");
            }
        };
        DeviceKernels.register(tangent.core.Device.CPU, boom);
        tangent.nn.internal.TestHooks.optimizerTensorOps = true;
        try {
            Tensor p = Tensor.of(new float[] {0.5f, -1.25f, 3f}, 3).requiresGrad(true);
            RAdam opt = new RAdam(Map.of("p", p), 1e-2, 0.9, 0.99, 1e-8, 0, false);
            float[] ref = {0.5f, -1.25f, 3f};
            double[] m = new double[3], v = new double[3];
            for (int t = 1; t <= 10; t++) {
                float[] g = {0.1f * t, -0.3f, 0.7f / t};
                p.setGrad(Tensor.of(g, 3));
                opt.step();
                // the original RAdam loop, verbatim
                double bc1 = 1 - Math.pow(0.9, t), b2t = Math.pow(0.99, t), bc2 = 1 - b2t;
                double rhoInf = 2 / (1 - 0.99) - 1, rhoT = rhoInf - 2 * t * b2t / bc2;
                boolean rect = rhoT > 5;
                double r = rect ? Math.sqrt((rhoT - 4) * (rhoT - 2) * rhoInf / ((rhoInf - 4) * (rhoInf - 2) * rhoT)) : 0;
                for (int i = 0; i < 3; i++) {
                    double pi = ref[i], gi = g[i];
                    double mi = 0.9 * (float) m[i] + (1 - 0.9) * gi, vi = 0.99 * (float) v[i] + (1 - 0.99) * gi * gi;
                    m[i] = (float) mi;
                    v[i] = (float) vi;
                    double mHat = mi / bc1;
                    ref[i] = (float) (rect ? pi - 1e-2 * mHat * r * Math.sqrt(bc2) / (Math.sqrt(vi) + 1e-8) : pi - 1e-2 * mHat);
                }
                assertArrayEquals(ref, p.toFloatArray(), 0f, "step " + t);
            }
            Module2 mod = new Module2();
            Ema ema = Ema.fixed(mod, 0.9);
            mod.w.copyFrom(Tensor.of(new float[] {1f, 2f}, 2));
            ema.update(mod);
            assertArrayEquals(new float[] {(float) (0.9 * 0.25f + 0.1 * 1f), (float) (0.9 * -0.5f + 0.1 * 2f)},
                    ema.shadow().get("w").toFloatArray(), 0f);
        } finally {
            tangent.nn.internal.TestHooks.optimizerTensorOps = false;
            DeviceKernels.REGISTERED.remove(tangent.core.Device.CPU);
        }
    }

    static final class Module2 extends tangent.nn.Module {
        final Tensor w = param("w", Tensor.of(new float[] {0.25f, -0.5f}, 2));
    }
}
