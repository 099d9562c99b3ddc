package tangent.cuda;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import tangent.core.DType;
import tangent.core.Rng;

/**
 * CudaRng draws the CPU Rng's streams: uniform and bernoulli bit-identical, normal within 1e-13
 * (float64; CUDA's log/sqrt/sincospi against Java's) or one float32 rounding step; the counters
 * advance alike (an odd normal count uses one more draw), so a later draw matches too.
 */
@Tag("cuda")
class CudaRngTest extends CudaScopedTest {
    @Test
    void sameStreamsAsTheCpuRng() {
        for (DType dt : DType.values()) {
            Rng cpu = new Rng(1234, 77);
            CudaRng gpu = CudaRng.of(cpu);
            assertArrayEquals(cpu.uniform(dt, -1, 1, 3, 1001).toDoubleArray(), gpu.uniform(dt, -1, 1, 3, 1001).toDoubleArray(), "uniform " + dt);
            assertArrayEquals(cpu.bernoulli(dt, 0.9, 257).toDoubleArray(), gpu.bernoulli(dt, 0.9, 257).toDoubleArray(), "bernoulli " + dt);
            for (int n : new int[] {128 * 784, 129}) {
                double[] a = cpu.normal(dt, n).toDoubleArray(), b = gpu.normal(dt, n).toDoubleArray();
                for (int i = 0; i < n; i++) {
                    double tol = dt == DType.F64 ? 1e-13 : Math.ulp((float) a[i]);
                    assertTrue(Math.abs(a[i] - b[i]) <= tol, "normal " + dt + " n " + n + " at " + i + ": cpu " + a[i] + " gpu " + b[i]);
                }
            }
            assertEquals(cpu.counter(), gpu.counter(), "the counters advance alike");
            assertEquals(cpu.nextDouble(), gpu.toRng().nextDouble(), "toRng continues the stream");
        }
    }
}
