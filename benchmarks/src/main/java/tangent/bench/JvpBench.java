package tangent.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import tangent.core.DType;
import tangent.core.F;
import tangent.core.ForwardAD;
import tangent.core.Rng;
import tangent.core.Tensor;

/**
 * The CPU JVP ({@link ForwardAD#jvp}: primal and tangent together, recording off since no input
 * requires grad) of the three hot spots of the sCM U-Net step, float32:
 * <ul>
 *   <li>conv2d: x (32, 64, 28, 28), w (64, 64, 3, 3), stride 1, pad 1, both x and w carry
 *       tangents (primal + 2 convolutions for the tangent: 3 x 925 MFLOP per call);</li>
 *   <li>group_norm: x (32, 64, 28, 28), 16 groups, affine gamma/beta (the group_norm primitive with its fused CPU kernels);</li>
 *   <li>pixel_norm: v (32, 256), over the feature axis.</li>
 * </ul>
 * Scores are milliseconds per call; each result's tangent is returned so nothing is dead code.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx6g", "--add-modules", "jdk.incubator.vector"})
public class JvpBench {
    Tensor x, dx, w, dw, gamma, beta, dgamma, dbeta, v, dv;

    @Setup
    public void setup() {
        Rng rng = new Rng(1);
        x = rng.normal(DType.F32, 32, 64, 28, 28);
        dx = rng.normal(DType.F32, 32, 64, 28, 28);
        w = rng.normal(DType.F32, 64, 64, 3, 3).mul(1.0 / 24);
        dw = rng.normal(DType.F32, 64, 64, 3, 3).mul(1.0 / 24);
        gamma = rng.normal(DType.F32, 64);
        beta = rng.normal(DType.F32, 64);
        dgamma = rng.normal(DType.F32, 64);
        dbeta = rng.normal(DType.F32, 64);
        v = rng.normal(DType.F32, 32, 256);
        dv = rng.normal(DType.F32, 32, 256);
    }

    @Benchmark
    public Tensor conv2dJvp() {
        return ForwardAD.jvp(in -> F.conv2d(in[0], in[1], null, 1, 1), new Tensor[] {x, w}, new Tensor[] {dx, dw})[1];
    }

    @Benchmark
    public Tensor groupNormJvp() {
        return ForwardAD.jvp(in -> F.groupNorm(in[0], 16, in[1], in[2], 1e-5), new Tensor[] {x, gamma, beta},
                new Tensor[] {dx, dgamma, dbeta})[1];
    }

    @Benchmark
    public Tensor pixelNormJvp() {
        return ForwardAD.jvp(in -> F.pixelNorm(in[0], 1, 1e-8), new Tensor[] {v}, new Tensor[] {dv})[1];
    }
}
