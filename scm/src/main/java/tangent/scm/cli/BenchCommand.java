package tangent.scm.cli;

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
import tangent.scm.ScmObjective;
import tangent.scm.TrigFlow;
import tangent.scm.models.Models;
import tangent.nn.optim.Ema;
import tangent.nn.optim.RAdam;
import tangent.cuda.Cuda;
import tangent.cuda.CudaScope;
import tangent.scm.train.Checkpoint;

@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Times the sCT training step (one dual forward, backward, RAdam + EMA) on random data.",
                "Prints the median of each part over the measured steps; the last line is step_ms: <median>."})
public final class BenchCommand implements Callable<Integer> {
    @Option(names = "--model", defaultValue = "fmnist-xs", description = "fmnist-xs, fmnist-s, cifar-m or mlp (default: ${DEFAULT-VALUE}).")
    String model;
    @Option(names = "--batch", defaultValue = "32", description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batch;
    @Option(names = "--device", defaultValue = "cpu", description = "cpu or cuda (default: ${DEFAULT-VALUE}).")
    String device;
    @Option(names = "--warmup-steps", defaultValue = "3", description = "Untimed steps first (default: ${DEFAULT-VALUE}).")
    int warm;
    @Option(names = "--iters", description = "Timed steps (default: 10 for U-Nets, 50 for mlp).")
    Integer iters;

    @Override
    public Integer call() {
        if (device.equals("cuda")) return callCuda();
        Devices.require(device);
        Models.check(model);
        int n = iters != null ? iters : Models.isImage(model) ? 10 : 50;
        Module net = Models.create(model, DType.F32, 0);
        AdaptiveWeight w = new AdaptiveWeight(DType.F32);
        RAdam opt = RAdam.scmDefault(new Checkpoint.TrainState(net, w).namedParameters()); // net.*, weight.*, as the trainer
        Ema ema = Ema.fixed(net, 0.999);
        ScmObjective obj = new ScmObjective(TrigFlow.defaults(), ScmObjective.Method.SCT, (TimeConditioned) net, w::forward, null);
        Rng rng = new Rng(1);
        int[] shape = new int[Models.sampleShape(model).length + 1];
        shape[0] = batch;
        System.arraycopy(Models.sampleShape(model), 0, shape, 1, shape.length - 1);
        Tensor x0 = rng.uniform(DType.F32, -1, 1, shape);
        System.out.printf(Locale.ROOT, "bench: sCT step, model %s (%d params), batch %d, device %s, %d cores, %d warm-up + %d timed steps%n",
                model, net.parameterCount(), batch, device, Runtime.getRuntime().availableProcessors(), warm, n);
        double[] fwd = new double[n], bwd = new double[n], upd = new double[n], tot = new double[n];
        for (int i = -warm; i < n; i++) {
            long t0 = System.nanoTime();
            Tensor loss = obj.loss(x0, rng, 20000);   // dual forward (taped F + tangent J), g, loss
            double lv = loss.item();
            long t1 = System.nanoTime();
            loss.backward();
            long t2 = System.nanoTime();
            opt.step();
            opt.zeroGrad();
            ema.update(net);
            long t3 = System.nanoTime();
            if (!Double.isFinite(lv)) throw new IllegalStateException("bench: loss became " + lv);
            if (i >= 0) {
                fwd[i] = (t1 - t0) / 1e6;
                bwd[i] = (t2 - t1) / 1e6;
                upd[i] = (t3 - t2) / 1e6;
                tot[i] = (t3 - t0) / 1e6;
            }
        }
        System.out.printf(Locale.ROOT, "dual_forward_ms: %.1f   (one forward carrying tangents: F taped, J untaped; plus g and the loss)%n", median(fwd));
        System.out.printf(Locale.ROOT, "backward_ms:     %.1f%n", median(bwd));
        System.out.printf(Locale.ROOT, "optimizer_ms:    %.1f   (RAdam + EMA)%n", median(upd));
        double[] sorted = tot.clone();
        Arrays.sort(sorted);
        System.out.printf(Locale.ROOT, "step_min_ms: %.1f   step_max_ms: %.1f%n", sorted[0], sorted[sorted.length - 1]);
        System.out.printf(Locale.ROOT, "step_ms: %.1f%n", median(tot));
        return 0;
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
        int n = iters != null ? iters : Models.isImage(model) ? 10 : 50;
        Module net = Models.create(model, DType.F32, 0);
        AdaptiveWeight w = new AdaptiveWeight(DType.F32);
        net.to(dev);
        w.to(dev);
        RAdam opt = RAdam.scmDefault(new Checkpoint.TrainState(net, w).namedParameters()); // net.*, weight.*, as the trainer
        Ema ema = Ema.fixed(net, 0.999);
        TrigFlow tf = TrigFlow.defaults();
        ScmObjective obj = new ScmObjective(tf, ScmObjective.Method.SCT, (TimeConditioned) net, w::forward, null);
        Rng rng = new Rng(1);
        int[] shape = new int[Models.sampleShape(model).length + 1];
        shape[0] = batch;
        System.arraycopy(Models.sampleShape(model), 0, shape, 1, shape.length - 1);
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
