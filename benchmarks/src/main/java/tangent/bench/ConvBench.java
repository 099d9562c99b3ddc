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
import tangent.core.cpu.Conv2dKernels;

/**
 * float32 3x3 stride-1 pad-1 convolution, C -> C channels, batch B, H x H images ("B x C x H").
 * Work per call (all three kernels) = 2 B C^2 H^2 9 FLOP: "32x64x28" and "32x128x14" (the issue's
 * shapes) are 1849.7 MFLOP, so GFLOP/s = 1849.7 / (score in ms). "32x32x28", "32x64x14" and
 * "32x64x7" are the 3x3 convolutions fmnist-xs runs most (7, 7 and 11 per forward at batch 32):
 * 462.4, 462.4 and 115.6 MFLOP. benchmarks/pytorch/kernels.py times the same shapes in PyTorch.
 *
 * <p>SampleTime: every call is timed, and JMH prints the mean and the percentiles; kernels.py
 * prints the same two statistics (the median call, p0.50, and the mean), so the comparison is like
 * with like.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
// --add-modules: float32 kernels use the Vector API when present (Gemm.f32Kernels() says which ran).
// The throughput collector, as bin/scm runs: under G1 (whose humongous regions hold these MB-sized
// arrays) the same calls' medians were 7-13 % slower (2026-12-03, benchmarks/RESULTS.md).
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g", "-XX:+UseParallelGC", "--add-modules", "jdk.incubator.vector"})
public class ConvBench {
    @Param({"32x64x28", "32x128x14", "32x32x28", "32x64x14", "32x64x7"})
    public String shape;

    int B, C, H;
    float[] x, w, y, gy, gx, gw;

    @Setup
    public void setup() {
        System.out.println("float32 kernels: " + tangent.core.cpu.Gemm.f32Kernels());
        String[] p = shape.split("x");
        B = Integer.parseInt(p[0]);
        C = Integer.parseInt(p[1]);
        H = Integer.parseInt(p[2]);
        Random r = new Random(1);
        x = rand(r, B * C * H * H);
        w = rand(r, C * C * 9);
        gy = rand(r, B * C * H * H);
        y = new float[B * C * H * H];
        gx = new float[x.length];
        gw = new float[w.length];
    }

    static float[] rand(Random r, int n) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) f[i] = r.nextFloat() - 0.5f;
        return f;
    }

    @Benchmark
    public float[] forward() {
        Conv2dKernels.forward(x, w, y, B, C, H, H, C, 3, 3, 1, 1);
        return y;
    }

    @Benchmark
    public float[] backwardInput() {
        Conv2dKernels.backwardInput(gy, w, gx, B, C, H, H, C, 3, 3, 1, 1);
        return gx;
    }

    @Benchmark
    public float[] backwardWeight() {
        Conv2dKernels.backwardWeight(x, gy, gw, B, C, H, H, C, 3, 3, 1, 1);
        return gw;
    }
}
