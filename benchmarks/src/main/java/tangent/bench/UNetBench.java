package tangent.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import tangent.core.DType;
import tangent.core.ForwardAD;
import tangent.core.GradMode;
import tangent.core.Rng;
import tangent.core.Tensor;
import tangent.nn.UNet;
import tangent.nn.UNetConfig;

/**
 * The sCM U-Net on the CPU, float32, batch 32 by default:
 * <ul>
 *   <li>{@code forward}: F(x, t) with recording off (the reference: PyTorch 1.13's CPU build on
 *       the same 2-core machine class, fmnist-xs at batch 32, 224 ms);</li>
 *   <li>{@code dualForward}: the sCM step's pass, F and its JVP along (dx, dt) in one dual level,
 *       recording off.</li>
 * </ul>
 * The whole training step (dual forward taped, backward, RAdam, EMA) is timed by
 * {@code bin/scm bench}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx6g", "--add-modules", "jdk.incubator.vector"})
public class UNetBench {
    @Param({"fmnist-xs"})
    public String model;

    @Param({"32"})
    public int batch;

    UNet net;
    Tensor x, t, dx, dt;

    @Setup
    public void setup() {
        UNetConfig cfg = UNetConfig.named(model);
        net = new UNet(cfg, 0);
        net.train(false);
        Rng rng = new Rng(1);
        x = rng.normal(DType.F32, batch, cfg.channels(), cfg.res(), cfg.res());
        dx = rng.normal(DType.F32, batch, cfg.channels(), cfg.res(), cfg.res());
        t = rng.uniform(DType.F32, 0.1, 1.5, batch);
        dt = rng.uniform(DType.F32, 0.0, 0.5, batch);
    }

    @Benchmark
    public Tensor forward() {
        try (GradMode.Scope ignored = GradMode.noGrad()) {
            return net.forward(x, t);
        }
    }

    @Benchmark
    public Tensor dualForward() {
        try (GradMode.Scope ignored = GradMode.noGrad()) {
            return ForwardAD.jvp(in -> net.forward(in[0], in[1]), new Tensor[] {x, t}, new Tensor[] {dx, dt})[1];
        }
    }
}
