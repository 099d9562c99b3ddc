package tangent.scm.cli;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tangent.core.cpu.Parallel;
import tangent.scm.ScmObjective;
import tangent.scm.TrigFlow;
import tangent.scm.eval.ClassifierTraining;
import tangent.scm.metrics.ToyMetrics;
import tangent.scm.train.Trainer;

@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Trains a TrigFlow teacher, sCT or sCD (or the evaluation classifier).",
                "With no flags: the main job (sCT from scratch on the 2-D checkerboard, out runs/default)."})
public final class TrainCommand implements Callable<Integer> {
    // The main job's settings (bin/scm with no arguments), also train's defaults for the 2-D MLP; about a
    // minute on 2 cores (README, "The main job"): batch 256, lr 2e-3 decayed to 0 by a cosine, tangent
    // warmup 1000; the time proposal centred on small t (P_mean -3.0: the sharp edges are made there),
    // the velocity target averaged over 4096 reference points (StableTarget), which keeps the samples
    // from shrinking into the squares' centres, and 2-step sampling through t_mid 0.25.
    static final String DEFAULT_DATASET = "checkerboard";
    static final int DEFAULT_TOY_STEPS = 2000, DEFAULT_TOY_BATCH = 256, DEFAULT_TOY_REFERENCE = 4096;
    static final double DEFAULT_TOY_LR = 2e-3, DEFAULT_TOY_WARMUP = 1000, DEFAULT_TOY_EMA = 0.995, DEFAULT_TOY_P_MEAN = -3.0, DEFAULT_TOY_T_MID = 0.25;
    static final Trainer.LrSchedule DEFAULT_TOY_SCHEDULE = Trainer.LrSchedule.COSINE;

    @Option(names = "--method", defaultValue = "sct", description = "teacher, sct, scd or classifier (default: ${DEFAULT-VALUE}).")
    String method;
    @Option(names = "--model", description = "fmnist-xs, fmnist-s, cifar-m or mlp (default: mlp for 2-D data, fmnist-xs for fmnist).")
    String model;
    @Option(names = "--dataset", defaultValue = DEFAULT_DATASET, description = "fmnist, checkerboard, eight_gaussians or two_moons (default: ${DEFAULT-VALUE}).")
    String dataset;
    @Option(names = "--steps", description = "Training steps (default: 2000).")
    Integer steps;
    @Option(names = "--batch", description = "Batch size (default: 256 for 2-D data, 32 for images).")
    Integer batch;
    @Option(names = "--lr", description = "RAdam learning rate (default: 1e-4 for images as in the spec; 2e-3 for the 2-D MLP).")
    Double lr;
    @Option(names = "--seed", defaultValue = "0", description = "Seed of the initialisation and of the data/noise stream (default: ${DEFAULT-VALUE}).")
    long seed;
    @Option(names = "--device", defaultValue = "cpu", description = "cpu or cuda (default: ${DEFAULT-VALUE}).")
    String device;
    @Option(names = "--out", description = "Output directory (default: runs/<method>-<dataset>).")
    Path out;
    @Option(names = "--resume", description = "Continue from OUT/checkpoint.safetensors if it exists.")
    boolean resume;
    @Option(names = "--force", description = "Start over in an OUT that holds a run: its checkpoint is replaced at the first save.")
    boolean force;
    @Option(names = "--teacher", paramLabel = "CKPT", description = "Teacher checkpoint: the fixed teacher of sCD, and the initialisation of sCT/sCD.")
    Path teacher;
    @Option(names = "--from-scratch", description = "With --teacher: do not initialise the student from it.")
    boolean fromScratch;
    @Option(names = "--data", paramLabel = "DIR", description = "Fashion-MNIST directory (default: /usr/share/datasets/fashion-mnist).")
    Path data;
    @Option(names = "--every", defaultValue = "0", description = "Pictures and checkpoint every N steps (default: 10 times per run).")
    int every;
    @Option(names = "--ema", description = "EMA decay of the sampling weights (default: 0.999; 0.995 for the 2-D MLP).")
    Double emaDecay;
    @Option(names = "--ema-kind", defaultValue = "fixed", description = "fixed (decay --ema) or power (EDM2's power EMA, width --ema-std) (default: ${DEFAULT-VALUE}).")
    String emaKind;
    @Option(names = "--ema-std", defaultValue = "0.05", description = "Relative width of the power EMA, in (0, 0.288) (default: ${DEFAULT-VALUE}, as EDM2).")
    double emaStd;
    @Option(names = "--lr-schedule", description = "constant or cosine (from --lr down to 0 at step --steps; resuming with other --steps follows another curve) (default: cosine for the 2-D MLP, constant for images).")
    String lrSchedule;
    @Option(names = "--conditional", description = "Class-conditional: a label embedding added to the time embedding (the dataset's classes: fmnist 10, checkerboard's squares 8, eight_gaussians' modes 8, two_moons 2).")
    boolean conditional;
    @Option(names = "--label-dropout", defaultValue = "0.1", description = "Teacher, --conditional: probability of training on the null label, for classifier-free guidance (default: ${DEFAULT-VALUE}).")
    double labelDropout;
    @Option(names = "--guidance", defaultValue = "1.0", paramLabel = "W", description = "--conditional: the guidance scale of sCD's teacher (and of a teacher's pictures) (default: ${DEFAULT-VALUE}).")
    double guidance;
    @Option(names = "--warmup", description = "Tangent warmup H: r = min(1, step/H) (default: 10000 as in the spec; 1000 for the 2-D MLP).")
    Double warmup;
    @Option(names = "--reference", paramLabel = "R", description = "2-D teacher and sCT: the velocity target is the posterior mean over R reference data points per step (a stable target field) instead of the one sample; 0: the one sample (default: 4096 for sCT on 2-D data, else 0).")
    Integer reference;
    @Option(names = "--sigma-d", defaultValue = "0.5", description = "sigma_d (default: ${DEFAULT-VALUE}).")
    double sigmaD;
    @Option(names = "--p-mean", description = "P_mean of the time proposal (default: -3.0 for sCT on 2-D data; else -1.0 as in the spec).")
    Double pMean;
    @Option(names = "--t-mid", description = "t_mid of the 2-step sampler, kept in the checkpoint for sample (default: 0.25 for sCT on 2-D data; else 1.1 as in the spec).")
    Double tMid;
    @Option(names = "--p-std", defaultValue = "1.4", description = "P_std of the time proposal (default: ${DEFAULT-VALUE}).")
    double pStd;

    @Option(names = "--threads", paramLabel = "N", description = "Kernel threads; results are the same for any N (default: 1 for the 2-D MLP, whose small ops lose more to the hand-over than they gain; the cores otherwise).")
    Integer threads;

    @Override
    public Integer call() throws Exception {
        Devices.require(device);
        if (method.equals("classifier")) {
            if (lr != null) finite("--lr", lr);
            Path o = out != null ? out : Path.of("runs/classifier");
            double acc = ClassifierTraining.train(data, o, steps != null ? steps : 2000, batch != null ? batch : 128,
                    lr != null ? lr : 1e-3, seed);
            System.out.printf(Locale.ROOT, "test accuracy: %.4f%n", acc);
            return 0;
        }
        finite("--sigma-d", sigmaD);
        if (pMean != null) finite("--p-mean", pMean);
        finite("--p-std", pStd);
        finite("--guidance", guidance);
        if (!(sigmaD > 0)) throw new IllegalArgumentException("--sigma-d must be > 0, got " + sigmaD);
        if (!(pStd >= 0)) throw new IllegalArgumentException("--p-std must be >= 0, got " + pStd);
        boolean toy = !dataset.equals("fmnist");
        Trainer.Config c = new Trainer.Config();
        c.method = ScmObjective.Method.parse(method);
        c.dataset = dataset;
        c.model = model != null ? model : toy ? "mlp" : "fmnist-xs";
        c.steps = steps != null ? steps : toy ? DEFAULT_TOY_STEPS : 2000;
        c.batch = batch != null ? batch : toy ? DEFAULT_TOY_BATCH : 32;
        c.lr = lr != null ? lr : c.model.equals("mlp") ? DEFAULT_TOY_LR : 1e-4;
        c.seed = seed;
        c.out = out != null ? out : Path.of("runs", method + "-" + dataset);
        c.resume = resume;
        c.force = force;
        c.teacher = teacher;
        c.fromScratch = fromScratch;
        c.dataDir = data;
        c.every = every;
        c.emaDecay = emaDecay != null ? emaDecay : c.model.equals("mlp") ? DEFAULT_TOY_EMA : 0.999;
        c.emaKind = switch (emaKind) {
            case "fixed" -> tangent.nn.optim.Ema.Kind.FIXED;
            case "power" -> tangent.nn.optim.Ema.Kind.POWER;
            default -> throw new IllegalArgumentException("--ema-kind: unknown kind '" + emaKind + "' (fixed, power)");
        };
        if (!(emaStd > 0 && emaStd < Math.sqrt(1.0 / 12)))
            throw new IllegalArgumentException("--ema-std must be in (0, 0.288), got " + emaStd);
        c.emaStd = emaStd;
        c.lrSchedule = lrSchedule != null ? Trainer.LrSchedule.parse(lrSchedule) : c.model.equals("mlp") ? DEFAULT_TOY_SCHEDULE : Trainer.LrSchedule.CONSTANT;
        c.classes = conditional ? -1 : 0;
        c.labelDropout = labelDropout;
        c.guidance = guidance;
        boolean toySct = toy && c.method == ScmObjective.Method.SCT;   // the main job's kind of run
        c.reference = reference != null ? reference : toySct && !conditional ? DEFAULT_TOY_REFERENCE : 0;
        c.warmup = warmup != null ? warmup : c.model.equals("mlp") ? DEFAULT_TOY_WARMUP : ScmObjective.WARMUP_H;
        TrigFlow d = TrigFlow.defaults();
        double pm = pMean != null ? pMean : toySct ? DEFAULT_TOY_P_MEAN : TrigFlow.P_MEAN;
        double tm = tMid != null ? tMid : toySct ? DEFAULT_TOY_T_MID : d.tMid, tMax = Math.atan(TrigFlow.SIGMA_MAX / sigmaD);
        finite("--t-mid", tm);
        if (!(tm > 0 && tm < tMax)) throw new IllegalArgumentException("--t-mid must be in (0, t_max = " + tMax + "), got " + tm);
        c.trigFlow = new TrigFlow(sigmaD, pm, pStd, tMax, tm);
        if (threads != null && threads < 1) throw new IllegalArgumentException("--threads must be >= 1, got " + threads);
        c.threads = threads != null ? threads : c.model.equals("mlp") ? 1 : 0;
        return run(c);
    }

    /** NaN and the infinities pass a range check written as a comparison; options are refused here first. */
    static void finite(String option, double v) {
        if (!Double.isFinite(v)) throw new IllegalArgumentException(option + " must be a finite number, got " + v);
    }

    static int run(Trainer.Config c) throws Exception {
        String ema = c.emaKind == tangent.nn.optim.Ema.Kind.POWER ? String.format(Locale.ROOT, "power EMA std %g", c.emaStd)
                : String.format(Locale.ROOT, "EMA %g", c.emaDecay);
        System.out.printf(Locale.ROOT, "train %s: model %s, dataset %s, %d steps, batch %d, lr %g (%s), %s, warmup H %g, %s%n",
                c.method.name().toLowerCase(Locale.ROOT), c.model, c.dataset, c.steps, c.batch, c.lr, c.lrSchedule.name().toLowerCase(Locale.ROOT),
                ema, c.warmup, c.trigFlow);
        if (c.reference > 0) System.out.printf(Locale.ROOT, "velocity target: posterior mean over %d reference points per step (stable target field)%n", c.reference);
        long t0 = System.nanoTime(), cpu0 = cpuNanos();
        int threadsBefore = Parallel.threads();
        if (c.threads > 0) Parallel.setThreads(c.threads);
        Trainer.Result r;
        try {
            r = new Trainer(c, System.out).run();
        } finally {
            Parallel.setThreads(threadsBefore);
        }
        System.out.printf(Locale.ROOT, "done in %.1f s (process CPU time %.1f s); outputs in %s (samples.png, loss.png, checkpoint.safetensors, metrics.json)%n",
                (System.nanoTime() - t0) / 1e9, (cpuNanos() - cpu0) / 1e9, c.out);
        Map<String, Double> m = r.metrics();
        for (Map.Entry<String, Double> e : m.entrySet())
            System.out.printf(Locale.ROOT, "  %-24s %.6g%n", e.getKey(), e.getValue());
        printQuality(m);
        return 0;
    }

    /** CPU time of the whole JVM so far (all threads), or 0 where the JVM does not say. */
    static long cpuNanos() {
        return java.lang.management.ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getProcessCpuTime() : 0;
    }

    /** The 2-D quality lines, for each sampler (2-step, 1-step, or the teacher's ODE): what the picture shows, in numbers. */
    static void printQuality(Map<String, Double> m) {
        java.util.List<String> names = m.containsKey("sw_ode") ? java.util.List.of("ode") : java.util.List.of("2step", "1step");
        if (!m.containsKey("sw_" + names.get(0))) return;
        StringBuilder sb = new StringBuilder();
        if (m.containsKey("support_" + names.get(0))) {
            sb.append("on the checkerboard's squares (data: 100%):");
            for (String k : names) sb.append(String.format(Locale.ROOT, " %s %.1f%%", k, 100 * m.get("support_" + k)));
            sb.append('\n');
        }
        if (m.containsKey("near_mode_" + names.get(0))) {
            sb.append(String.format(Locale.ROOT, "within 3 sigma of a mode (data: %.1f%%):", 100 * ToyMetrics.MODE_SHARE_OF_DATA));
            for (String k : names) sb.append(String.format(Locale.ROOT, " %s %.1f%% (%d of 8 modes)", k, 100 * m.get("near_mode_" + k), m.get("modes_" + k).intValue()));
            sb.append('\n');
        }
        for (String[] d : new String[][] {{"sw", "sliced W1", "%.4f"}, {"mmd", "MMD^2 (h " + ToyMetrics.MMD_BANDWIDTH + ")", "%.5f"}, {"energy", "energy distance", "%.5f"}}) {
            double fl = m.get(d[0] + "_floor_data_vs_data");
            sb.append(d[1]).append(" vs fresh data:");
            for (String k : names)
                sb.append(String.format(Locale.ROOT, " %s " + d[2] + " (%.2fx)", k, m.get(d[0] + "_" + k), m.get(d[0] + "_" + k) / fl));
            sb.append(String.format(Locale.ROOT, "; data-to-data floor " + d[2] + "%n", fl));
        }
        System.out.print(sb);
    }

    /** The main job's run (bin/scm with no arguments), writing to out: sCT from scratch on the checkerboard, seed 0. */
    public static Trainer.Config mainJob(Path out) {
        Trainer.Config c = new Trainer.Config();
        c.method = ScmObjective.Method.SCT;
        c.model = "mlp";
        c.dataset = DEFAULT_DATASET;
        c.steps = DEFAULT_TOY_STEPS;
        c.batch = DEFAULT_TOY_BATCH;
        c.lr = DEFAULT_TOY_LR;
        c.lrSchedule = DEFAULT_TOY_SCHEDULE;
        c.emaDecay = DEFAULT_TOY_EMA;
        c.warmup = DEFAULT_TOY_WARMUP;
        c.reference = DEFAULT_TOY_REFERENCE;
        c.threads = 1;
        TrigFlow d = TrigFlow.defaults();
        c.trigFlow = d.withProposal(DEFAULT_TOY_P_MEAN, TrigFlow.P_STD).withSamplerTimes(d.tMax, DEFAULT_TOY_T_MID);
        c.out = out;
        return c;
    }

    /** bin/scm with no arguments. */
    static int defaultJob() throws Exception {
        Trainer.Config c = mainJob(Path.of("runs/default"));
        c.force = true;   // runs/default is the main job's own directory: each bare bin/scm starts it over
        System.out.println("scm: the main job, sCT from scratch on the 2-D checkerboard with the MLP denoiser (bin/scm --help for more)");
        int rc = run(c);
        System.out.println();
        System.out.println("Pictures: runs/default/samples.png (data | 1-step | 2-step), runs/default/loss.png");
        System.out.println("Fashion-MNIST (needs /usr/share/datasets/fashion-mnist, Debian package dataset-fashion-mnist, or --data DIR):");
        System.out.println("  bin/scm train --method sct --model fmnist-xs --dataset fmnist --steps 2000 --batch 32 --out runs/fm");
        System.out.println("  bin/scm sample --checkpoint runs/fm/checkpoint.safetensors --sampler 2 --out samples.npy");
        return rc;
    }
}
