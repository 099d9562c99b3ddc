package tangent.scm.cli;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tangent.core.DType;
import tangent.core.Rng;
import tangent.core.Tensor;
import tangent.nn.AdaptiveWeight;
import tangent.nn.Module;
import tangent.nn.TimeConditioned;
import tangent.scm.Samplers;
import tangent.scm.ScmObjective;
import tangent.scm.TrigFlow;
import tangent.scm.models.Models;
import tangent.nn.optim.Ema;
import tangent.nn.optim.RAdam;
import tangent.cuda.Cuda;
import tangent.cuda.CudaScope;
import tangent.scm.train.Checkpoint;
import tangent.scm.train.StepCollector;

@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Times the sCT training step (one dual forward, backward, RAdam + EMA) on random data,",
                "or (--mode sample) 1-step sampling. Prints the median of each part over the measured steps;",
                "the last line is step_ms: <median>. --torch also runs the same work in PyTorch",
                "(benchmarks/pytorch/sct_step.py) in this run and prints the ratio."})
public final class BenchCommand implements Callable<Integer> {
    @Option(names = "--mode", defaultValue = "step", description = "step (the sCT training step) or sample (1-step sampling: one forward without grad; images/s) (default: ${DEFAULT-VALUE}).")
    String mode;
    @Option(names = "--model", defaultValue = "fmnist-xs", description = "fmnist-xs, fmnist-s, cifar-m or mlp (default: ${DEFAULT-VALUE}).")
    String model;
    @Option(names = "--batch", defaultValue = "32", description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batch;
    @Option(names = "--device", defaultValue = "cpu", description = "cpu or cuda (default: ${DEFAULT-VALUE}).")
    String device;
    // 5: on 2 cores the JIT is still compiling kernels during steps 4 and 5 (the first timed steps
    // after 3 warm-up steps took 667, 587, 546 ms, the rest 468-508; benchmarks/RESULTS.md);
    // warmUp then goes on until the run is in its steady state
    @Option(names = "--warmup-steps", defaultValue = "5", description = "Untimed steps first, at least (default: ${DEFAULT-VALUE}); more until the JIT is quiet and the heap has been collected once. PyTorch gets as many.")
    int warm;
    @Option(names = "--warmup-max", defaultValue = "60", description = "At most this many untimed steps, however busy the JIT stays (default: ${DEFAULT-VALUE}).")
    int warmMax;
    @Option(names = "--iters", description = "Timed steps (default: 10 for U-Nets, 50 for mlp).")
    Integer iters;
    @Option(names = "--torch", description = "Also time the same work in PyTorch (needs python3 with torch; TANGENT_PYTHON picks the interpreter) and print the ratio.")
    boolean torch;
    @Option(names = "--rounds", defaultValue = "1", description = "With --torch: alternate tangent and PyTorch this many times (default: ${DEFAULT-VALUE}); the ratio is the median over rounds.")
    int rounds;

    @Override
    public Integer call() {
        if (!mode.equals("step") && !mode.equals("sample"))
            throw new IllegalArgumentException("--mode must be step or sample, got '" + mode + "'");
        if (rounds < 1) throw new IllegalArgumentException("--rounds must be >= 1, got " + rounds);
        if (warm < 0) throw new IllegalArgumentException("--warmup-steps must be >= 0, got " + warm);
        if (device.equals("cuda")) {
            if (torch || !mode.equals("step")) throw new IllegalArgumentException("--device cuda: only --mode step, without --torch (run benchmarks/pytorch/sct_step.py on the GPU machine)");
            return callCuda();
        }
        Devices.require(device);
        Models.check(model);
        if (!torch) {
            run();
            return 0;
        }
        if (!Models.isImage(model)) throw new IllegalArgumentException("--torch: the PyTorch reference has the U-Nets only, not --model " + model);
        TorchReference ref = TorchReference.locate();   // a one-line error when python3 or torch is missing
        double[] ours = new double[rounds], theirs = new double[rounds], ratio = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            ours[r] = run();
            theirs[r] = ref.run(mode, model, batch, warmDone, iterations());   // as many warm-up runs as ours had
            ratio[r] = ours[r] / theirs[r];
            System.out.printf(Locale.ROOT, "round %d: tangent %.1f ms, torch %.1f ms, ratio %.2f%n", r + 1, ours[r], theirs[r], ratio[r]);
        }
        System.out.printf(Locale.ROOT, "torch: %s%n", ref.version());
        System.out.printf(Locale.ROOT, "torch_step_ms: %.1f%n", median(theirs));
        System.out.printf(Locale.ROOT, "tangent_step_ms: %.1f%n", median(ours));
        System.out.printf(Locale.ROOT, "ratio: %.2f   (tangent / torch, median of %d round%s; under 1: tangent is faster)%n",
                median(ratio), rounds, rounds == 1 ? "" : "s");
        return 0;
    }

    private int iterations() {
        return iters != null ? iters : Models.isImage(model) ? 10 : 50;
    }

    /** One timed run on the CPU; returns the median time per step (ms). */
    private double run() {
        return mode.equals("sample") ? runSample() : runStep();
    }

    /**
     * 1-step sampling of a freshly initialised network (the weights do not change the work):
     * x = cos(t_max) sigma_d eps - sin(t_max) sigma_d F(eps, t_max), one forward without grad.
     */
    private double runSample() {
        int n = iterations();
        Module net = Models.create(model, DType.F32, 0);
        TrigFlow tf = TrigFlow.defaults();
        Rng rng = new Rng(1);
        int[] shape = batchShape();
        Runnable batchRun = () -> {
            Tensor x = Samplers.oneStep(tf, (TimeConditioned) net, Samplers.noise(rng, DType.F32, shape));
            checkFinite(x.sum().item(), "the samples' sum");
        };
        System.out.printf(Locale.ROOT, "bench: 1-step sampling, model %s (%d params), batch %d, device %s, %d cores, %d+ warm-up + %d timed batches%n",
                model, net.parameterCount(), batch, device, Runtime.getRuntime().availableProcessors(), warm, n);
        warmUp(batchRun);
        double[] tot = new double[n];
        long[] startMs = new long[n];
        for (int i = 0; i < n; i++) {
            Tensor eps = Samplers.noise(rng, DType.F32, shape);
            startMs[i] = uptimeMs();
            long t0 = System.nanoTime();
            Tensor x = Samplers.oneStep(tf, (TimeConditioned) net, eps);
            long t1 = System.nanoTime();
            checkFinite(x.sum().item(), "the samples' sum");
            tot[i] = (t1 - t0) / 1e6;
        }
        double med = median(tot);
        double[] sorted = tot.clone();
        Arrays.sort(sorted);
        System.out.printf(Locale.ROOT, "images_per_s: %.1f%n", batch / (med / 1e3));
        System.out.printf(Locale.ROOT, "step_min_ms: %.1f   step_max_ms: %.1f%n", sorted[0], sorted[sorted.length - 1]);
        if (Boolean.getBoolean("tangent.bench.steps")) // each timed batch (start: JVM uptime)
            for (int i = 0; i < n; i++)
                System.out.printf(Locale.ROOT, "  batch %d at %d ms: %.1f ms%n", i, startMs[i], tot[i]);
        System.out.printf(Locale.ROOT, "step_ms: %.1f%n", med);
        return med;
    }

    /** Untimed runs the last {@link #run} made (at least --warmup-steps); PyTorch gets as many. */
    private int warmDone;

    /**
     * Untimed runs of body until the JVM has reached its steady state: at least --warmup-steps,
     * then on until (a) the young generation has been collected once since the first run (the
     * first pass through eden touches fresh pages, which cost about 2 s per GB on the 2-core VM)
     * and (b) a run went by during which the JIT compiled for under 2 % of the run's time (on 2
     * cores a compiling C2 thread takes one of the kernels' two cores). Stops at --warmup-max.
     */
    private void warmUp(Runnable body) {
        long gc0 = StepCollector.collections();
        int i = 0;
        boolean steady = false;
        while (i < warm || (!steady && i < warmMax)) {
            long c0 = jitMillis(), t0 = System.nanoTime();
            body.run();
            i++;
            double ms = (System.nanoTime() - t0) / 1e6, compiled = c0 < 0 ? 0 : jitMillis() - c0;
            steady = StepCollector.collections() > gc0 && compiled < 0.02 * ms;
            if (Boolean.getBoolean("tangent.bench.steps"))
                System.out.printf(Locale.ROOT, "  warm-up %d: %.1f ms   (jit %.0f ms)%n", i - 1, ms, compiled);
        }
        warmDone = i;
        System.out.printf(Locale.ROOT, "warm_up: %d untimed runs (at least %d; then until the JIT was quiet and the heap collected once, at most %d)%n",
                i, warm, Math.max(warm, warmMax));
    }

    /** Milliseconds the JIT has spent compiling so far, or -1 where this JVM does not time it. */
    private static long jitMillis() {
        var jit = ManagementFactory.getCompilationMXBean();
        return jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() : -1;
    }

    private static long uptimeMs() {
        return ManagementFactory.getRuntimeMXBean().getUptime();
    }

    private static void checkFinite(double v, String what) {
        if (!Double.isFinite(v)) throw new IllegalStateException("bench: " + what + " became " + v);
    }

    private int[] batchShape() {
        int[] sample = Models.sampleShape(model);
        int[] shape = new int[sample.length + 1];
        shape[0] = batch;
        System.arraycopy(sample, 0, shape, 1, sample.length);
        return shape;
    }

    /** One timed run of the sCT step; returns its median (ms). */
    private double runStep() {
        int n = iterations();
        Module net = Models.create(model, DType.F32, 0);
        AdaptiveWeight w = new AdaptiveWeight(DType.F32);
        RAdam opt = RAdam.scmDefault(new Checkpoint.TrainState(net, w).namedParameters()); // net.*, weight.*, as the trainer
        Ema ema = Ema.fixed(net, 0.999);
        ScmObjective obj = new ScmObjective(TrigFlow.defaults(), ScmObjective.Method.SCT, (TimeConditioned) net, w::forward, null);
        Rng rng = new Rng(1);
        int[] shape = batchShape();
        Tensor x0 = rng.uniform(DType.F32, -1, 1, shape);
        StepCollector collector = new StepCollector();
        double[] parts = new double[3];
        Runnable step = () -> {
            long t0 = System.nanoTime();
            Tensor loss = obj.loss(x0, rng, 20000);   // dual forward (taped F + tangent J), g, loss
            double lv = loss.item();
            long t1 = System.nanoTime();
            loss.backward();
            long t2 = System.nanoTime();
            opt.step();
            opt.zeroGrad();
            ema.update(net);
            collector.afterStep();   // a young collection now, not inside the next step (counted in the step)
            long t3 = System.nanoTime();
            checkFinite(lv, "the loss");
            parts[0] = (t1 - t0) / 1e6;
            parts[1] = (t2 - t1) / 1e6;
            parts[2] = (t3 - t2) / 1e6;
        };
        System.out.printf(Locale.ROOT, "bench: sCT step, model %s (%d params), batch %d, device %s, %d cores, %d+ warm-up + %d timed steps%n",
                model, net.parameterCount(), batch, device, Runtime.getRuntime().availableProcessors(), warm, n);
        warmUp(step);
        tangent.core.Profiler.reset();   // -Dtangent.profile=true: the timed steps only
        // Timing starts from a collected heap: the first full collection after the warm-up's
        // in-step young collection (which promoted that step's tape) costs 0.3 s; later ones
        // ~15 ms. Left to the step collector it lands in whichever timed step comes first.
        System.gc();
        double[] fwd = new double[n], bwd = new double[n], upd = new double[n], tot = new double[n];
        long[] startMs = new long[n];
        double[] jitMs = new double[n], gcMs = new double[n];
        for (int i = 0; i < n; i++) {
            startMs[i] = uptimeMs();
            long jit0 = jitMillis(), gc0 = StepCollector.collectionMillis();
            step.run();
            jitMs[i] = jit0 < 0 ? Double.NaN : jitMillis() - jit0;
            gcMs[i] = StepCollector.collectionMillis() - gc0;
            fwd[i] = parts[0];
            bwd[i] = parts[1];
            upd[i] = parts[2];
            tot[i] = parts[0] + parts[1] + parts[2];
        }
        System.out.printf(Locale.ROOT, "dual_forward_ms: %.1f   (one forward carrying tangents: F taped, J untaped; plus g and the loss)%n", median(fwd));
        System.out.printf(Locale.ROOT, "backward_ms:     %.1f%n", median(bwd));
        System.out.printf(Locale.ROOT, "optimizer_ms:    %.1f   (RAdam + EMA, and a collection between steps when the next would not fit: %d of %d steps)%n",
                median(upd), collector.collected(), warmDone + n);
        double[] sorted = tot.clone();
        Arrays.sort(sorted);
        System.out.printf(Locale.ROOT, "step_min_ms: %.1f   step_max_ms: %.1f%n", sorted[0], sorted[sorted.length - 1]);
        // each timed step (start: JVM uptime): forward + backward + update; and what the JVM spent
        // meanwhile: JIT compiling (on the compiler threads) and collecting (the step collector's
        // collection between steps included)
        if (Boolean.getBoolean("tangent.bench.steps"))
            for (int i = 0; i < n; i++)
                System.out.printf(Locale.ROOT, "  step %d at %d ms: %.1f = %.1f + %.1f + %.1f ms   (jit %.0f ms, gc %.0f ms)%n",
                        i, startMs[i], tot[i], fwd[i], bwd[i], upd[i], jitMs[i], gcMs[i]);
        System.out.printf(Locale.ROOT, "step_ms: %.1f%n", median(tot));
        return median(tot);
    }

    /**
     * The same step on the GPU: the model, the adaptive weight head, the data, the optimizer
     * moments and the EMA live on CUDA (moved once, owned outside the per-step scopes); each step
     * runs in a CudaScope so its temporaries (activations, tangents, gradients) go back to the
     * pool. t and z are drawn on the CPU from the same Rng as the CPU bench and uploaded.
     * Cuda.synchronize() before each timestamp.
     */
    private Integer callCuda() {
        Models.check(model);
        tangent.core.Device dev = tangent.core.Device.CUDA;
        try {
            Cuda.init(); // the backend and the optimizers' fused kernels
        } catch (IllegalStateException | LinkageError e) {
            String why = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
            throw new UnsupportedOperationException("--device cuda: no CUDA backend usable on this machine (" + why + "); use --device cpu", e);
        }
        int n = iterations();
        Module net = Models.create(model, DType.F32, 0);
        AdaptiveWeight w = new AdaptiveWeight(DType.F32);
        net.to(dev);
        w.to(dev);
        RAdam opt = RAdam.scmDefault(new Checkpoint.TrainState(net, w).namedParameters()); // net.*, weight.*, as the trainer
        Ema ema = Ema.fixed(net, 0.999);
        TrigFlow tf = TrigFlow.defaults();
        ScmObjective obj = new ScmObjective(tf, ScmObjective.Method.SCT, (TimeConditioned) net, w::forward, null);
        Rng rng = new Rng(1);
        int[] shape = batchShape();
        Tensor x0 = Cuda.to(rng.uniform(DType.F32, -1, 1, shape), dev);
        System.out.printf(Locale.ROOT, "bench: sCT step, model %s (%d params), batch %d, device cuda (%s, cc %s), %d warm-up + %d timed steps%n",
                model, net.parameterCount(), batch, Cuda.deviceName(), Cuda.computeCapability(), warm, n);
        double[] fwd = new double[n], bwd = new double[n], upd = new double[n], tot = new double[n];
        double lastLoss = Double.NaN;
        for (int i = -warm; i < n; i++) {
            try (CudaScope scope = CudaScope.open()) {
                Cuda.synchronize();
                long t0 = System.nanoTime();
                Tensor t = Cuda.to(tf.sampleTimes(rng, batch, DType.F32), dev);
                Tensor z = Cuda.to(rng.normal(DType.F32, shape).mul(tf.sigmaD), dev);
                Tensor loss = obj.loss(x0, z, t, 20000);   // dual forward (taped F + tangent J), g, loss
                double lv = loss.item();                    // synchronises
                long t1 = System.nanoTime();
                loss.backward();
                Cuda.synchronize();
                long t2 = System.nanoTime();
                opt.step();
                opt.zeroGrad();
                ema.update(net);
                Cuda.synchronize();
                long t3 = System.nanoTime();
                if (!Double.isFinite(lv)) throw new IllegalStateException("bench: loss became " + lv);
                lastLoss = lv;
                if (i >= 0) {
                    fwd[i] = (t1 - t0) / 1e6;
                    bwd[i] = (t2 - t1) / 1e6;
                    upd[i] = (t3 - t2) / 1e6;
                    tot[i] = (t3 - t0) / 1e6;
                }
            }
        }
        double[] mn = tot.clone();
        Arrays.sort(mn);
        System.out.printf(Locale.ROOT, "loss_last: %.6f   pool: %s%n", lastLoss, poolInfo());
        System.out.printf(Locale.ROOT, "dual_forward_ms: %.2f   (one forward carrying tangents: F taped, J untaped; plus g and the loss; incl. uploading t, z)%n", median(fwd));
        System.out.printf(Locale.ROOT, "backward_ms:     %.2f%n", median(bwd));
        System.out.printf(Locale.ROOT, "optimizer_ms:    %.2f   (RAdam + EMA, fused CUDA kernels)%n", median(upd));
        System.out.printf(Locale.ROOT, "step_min_ms: %.2f   step_max_ms: %.2f%n", mn[0], mn[mn.length - 1]);
        System.out.printf(Locale.ROOT, "step_ms: %.2f%n", median(tot));
        return 0;
    }

    private static String poolInfo() {
        return tangent.cuda.CudaPool.stats();
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        int m = s.length / 2;
        return s.length % 2 == 1 ? s[m] : (s[m - 1] + s[m]) / 2;
    }
}
