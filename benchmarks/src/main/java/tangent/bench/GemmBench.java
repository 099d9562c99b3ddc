package tangent.bench;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import tangent.core.cpu.Gemm;

/**
 * float32 GEMM C = A * B (row-major, no transposes), n x n x n. GFLOP/s = 2 n^3 / (score in ms * 1e6).
 * For n = 1024: GFLOP/s = 2147.48 / ms.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
// --add-modules: float32 kernels use the Vector API when present (Gemm.f32Kernels() says which ran)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g", "--add-modules", "jdk.incubator.vector"})
public class GemmBench {
    @Param({"1024"})
    public int n;

    float[] a, b, c;

    @Setup
    public void setup() {
        System.out.println("float32 kernels: " + tangent.core.cpu.Gemm.f32Kernels());
        Random r = new Random(1);
        a = new float[n * n];
        b = new float[n * n];
        c = new float[n * n];
        for (int i = 0; i < a.length; i++) {
            a[i] = r.nextFloat() - 0.5f;
            b[i] = r.nextFloat() - 0.5f;
        }
    }

    @Benchmark
    public float[] sgemm() {
        Gemm.sgemm(1, false, false, n, n, n, a, 0, 0, n, b, 0, 0, n, c, 0, 0, n, false);
        return c;
    }
}
