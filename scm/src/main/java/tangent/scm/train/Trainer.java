package tangent.scm.train;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import tangent.core.DType;
import tangent.core.Rng;
import tangent.core.Tensor;
import tangent.nn.AdaptiveWeight;
import tangent.nn.Module;
import tangent.nn.TimeConditioned;
import tangent.nn.io.AtomicFiles;
import tangent.nn.optim.Ema;
import tangent.nn.optim.RAdam;
import tangent.scm.Sampler;
import tangent.scm.Samplers;
import tangent.scm.ScmObjective;
import tangent.scm.TrigFlow;
import tangent.scm.data.FashionMnist;
import tangent.scm.io.Plots;
import tangent.scm.io.Png;
import tangent.scm.metrics.SlicedWasserstein;
import tangent.scm.metrics.ToyMetrics;
import tangent.scm.models.Models;
import tangent.scm.ui.Progress;

/**
 * The training loop: RAdam on F_theta and the adaptive weight head, an EMA of F_theta for
 * sampling, and every {@code every} steps pictures (image grid or 2-D scatter panels, loss plot)
 * and an atomic checkpoint in the out directory; {@code metrics.json} at the end.
 */
public final class Trainer implements AutoCloseable {
    /** Options of one run (the command line fills them). */
    public static final class Config {
        public ScmObjective.Method method = ScmObjective.Method.SCT;
        public String model = "mlp";
        public String dataset = "checkerboard";
        public int steps = 1000;
        public int batch = 256;
        /** Kernel threads for this run ({@link tangent.core.cpu.Parallel#setThreads}); 0 keeps the current count. */
        public int threads = 0;
        public double lr = 1e-4;
        public long seed = 0;
        public Path out = Path.of("runs/default");
        public boolean resume;
        public boolean force;            // replace the run already in out (its checkpoint is overwritten at the first save)
        public Path teacher;
        public boolean fromScratch;
        public Path dataDir;
        public int every = 0; // 0: about 10 times per run
        public double emaDecay = 0.999;
        /** FIXED: beta = emaDecay every update; POWER: EDM2's power EMA of relative width {@link #emaStd}. */
        public Ema.Kind emaKind = Ema.Kind.FIXED;
        public double emaStd = 0.05;
        /** Learning-rate schedule over the run: constant, or cosine from lr down to {@link #lrFloor} lr at the last step. */
        public LrSchedule lrSchedule = LrSchedule.CONSTANT;
        public double lrFloor = 0.0;
        public double warmup = ScmObjective.WARMUP_H;
        public TrigFlow trigFlow = TrigFlow.defaults();
        /** Class-conditional: the data's number of classes (e.g. 8 for eight_gaussians; -1: the dataset's); 0: unconditional. */
        public int classes = 0;
        /** Teacher: probability of dropping a label to the null label (classifier-free guidance). */
        public double labelDropout = 0.1;
        /** sCD: guidance scale w of the teacher the student learns; pictures and ODE samples of a teacher use it too. */
        public double guidance = 1.0;
        /** Teacher and sCT on 2-D data: references per step for the velocity target ({@link tangent.scm.StableTarget}); 0: the one-sample target. */
        public int reference = 0;
        public int samplePoints = 2000; // 2-D: points per scatter panel / metrics
        public int odeSteps = 16;       // teacher pictures: DDIM steps
        public boolean quiet;
    }

    /** How the learning rate moves over a run (a function of the step alone, so --resume continues it). */
    public enum LrSchedule {
        CONSTANT, COSINE;

        public static LrSchedule parse(String s) {
            for (LrSchedule k : values()) if (k.name().equalsIgnoreCase(s)) return k;
            throw new IllegalArgumentException("--lr-schedule: unknown schedule '" + s + "' (constant, cosine)");
        }

        /** lr at step (0-based) of steps: constant lr, or lr (f + (1 - f) (1 + cos(pi step / steps)) / 2). */
        public double lr(double lr, double floor, long step, long steps) {
            if (this == CONSTANT) return lr;
            double c = 0.5 * (1 + Math.cos(Math.PI * Math.min(1.0, (double) step / steps)));
            return lr * (floor + (1 - floor) * c);
        }
    }

    /** Thrown when the loss or the parameters stop being finite; the last good checkpoint is left in place. */
    public static final class DivergedException extends RuntimeException {
        public final long step;

        DivergedException(String msg, long step) {
            super(msg);
            this.step = step;
        }
    }

    /** What a run leaves: final loss and metrics. */
    public record Result(long steps, double lastLoss, Map<String, Double> metrics) {}

    private final Config c;
    private final PrintStream log;
    private final DataSource data;
    private final Module net, emaNet;
    private final AdaptiveWeight weight;
    private final Module teacherNet;
    private final RAdam opt;
    private final Ema ema;
    private final ScmObjective objective;
    private final Checkpoint.TrainState state;
    private Rng rng;
    private long step;
    private final List<Double> losses = new ArrayList<>();
    private final Path ckptFile;
    private RunLock lock;

    public Trainer(Config c, PrintStream log) throws IOException {
        this.c = c;
        this.log = log;
        validate(c);
        long sampleElems = 1;
        for (int d : Models.sampleShape(c.model)) sampleElems *= d;
        Memory.requireArray("--batch " + c.batch, sampleElems * c.batch, "use a smaller --batch");
        Memory.require("--batch " + c.batch, trainingBytes(c), "use a smaller --batch");
        data = DataSource.open(c.dataset, c.dataDir);
        if (c.classes < 0) c.classes = data.classes();
        if (c.classes != 0 && c.classes != data.classes())
            throw new IllegalArgumentException("--classes: dataset '" + c.dataset + "' has " + data.classes() + " classes, not " + c.classes);
        net = Models.create(c.model, DType.F32, c.seed, c.classes);
        emaNet = Models.create(c.model, DType.F32, c.seed, c.classes);
        emaNet.train(false);
        weight = new AdaptiveWeight(DType.F32);
        ckptFile = c.out.resolve(Checkpoint.FILE);
        if (!(c.labelDropout >= 0 && c.labelDropout <= 1))
            throw new IllegalArgumentException("--label-dropout must be in [0, 1], got " + c.labelDropout);

        if (c.method == ScmObjective.Method.SCD && c.teacher == null)
            throw new IllegalArgumentException("--method scd needs --teacher CKPT (a checkpoint of a --method teacher run)");
        if (c.teacher != null) {
            try {
                if (c.method == ScmObjective.Method.SCD) {
                    teacherNet = Models.create(c.model, DType.F32, c.seed, c.classes);
                    Checkpoint.loadTeacherInto(c.teacher, teacherNet, c.model, c.trigFlow.sigmaD);
                    teacherNet.train(false);
                } else {
                    teacherNet = null;
                }
                // start from the teacher's (EMA) weights
                if (!c.fromScratch) Checkpoint.loadTeacherInto(c.teacher, net, c.model, c.trigFlow.sigmaD);
            } catch (tangent.nn.CheckpointIO.MismatchException e) {
                throw new IOException("--teacher: " + e.getMessage(), e);
            }
        } else {
            teacherNet = null;
        }
        state = new Checkpoint.TrainState(net, weight);   // parameters net.*, then weight.*
        opt = new RAdam(state.namedParameters(), c.lr, 0.9, 0.99, 1e-8, 0, false);   // the spec's RAdam (nn.optim)
        ema = c.emaKind == Ema.Kind.POWER ? Ema.powerFromStd(net, c.emaStd) : Ema.fixed(net, c.emaDecay);
        ema.copyTo(emaNet);
        objective = new ScmObjective(c.trigFlow, c.method, (TimeConditioned) net, weight::forward, (TimeConditioned) teacherNet)
                .warmupSteps(c.warmup).labelDropout(c.labelDropout).guidance(c.guidance);
        rng = new Rng(c.seed * 0x9E3779B97F4A7C15L + 12345, 0);
        try {
            Files.createDirectories(c.out);
        } catch (java.nio.file.FileSystemException e) {
            String why = e.getReason() != null ? e.getReason()
                    : e instanceof java.nio.file.FileAlreadyExistsException ? e.getFile() + " exists and is not a directory"
                    : e instanceof java.nio.file.AccessDeniedException ? "permission denied on " + e.getFile()
                    : e instanceof java.nio.file.NoSuchFileException ? "the file system does not allow it there"
                    : e.getClass().getSimpleName() + " on " + e.getFile();
            throw new IOException("--out " + c.out + ": cannot create the directory (" + why + "); give a directory you can write to", e);
        }
        lock = RunLock.acquire(c.out);
        try {
            int stale = AtomicFiles.deleteTemps(c.out);   // safe under the lock: nobody else writes here
            if (stale > 0) log.println("removed " + stale + " temporary file(s) in " + c.out + " left by an interrupted write");
            if (c.resume) {
                if (Files.exists(ckptFile)) restore();
                else log.println("--resume: no checkpoint at " + ckptFile + ", starting from step 0");
            } else if (Files.exists(ckptFile) && !c.force) {
                throw new IllegalArgumentException("--out " + c.out + " already holds a run (" + ckptFile.getFileName()
                        + "); continue it with --resume, or start over with --force (its checkpoint is then replaced)");
            }
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Checks the options before anything is read or created; messages name the option. */
    static void validate(Config c) {
        Models.check(c.model);
        if (c.steps < 1) throw new IllegalArgumentException("--steps must be >= 1, got " + c.steps);
        if (c.batch < 1) throw new IllegalArgumentException("--batch must be >= 1, got " + c.batch);
        if (c.every < 0) throw new IllegalArgumentException("--every must be >= 0 (0: about 10 times per run), got " + c.every);
        if (!(c.lr > 0 && c.lr < Double.POSITIVE_INFINITY)) throw new IllegalArgumentException("--lr must be a number > 0, got " + c.lr);
        if (!(c.emaDecay >= 0 && c.emaDecay < 1)) throw new IllegalArgumentException("--ema must be in [0, 1), got " + c.emaDecay);
        if (!(c.warmup >= 0 && c.warmup < Double.POSITIVE_INFINITY))
            throw new IllegalArgumentException("--warmup must be a number >= 0, got " + c.warmup);
        if (c.resume && c.force) throw new IllegalArgumentException("--resume and --force contradict each other: give one");
        if (!DataSource.NAMES.contains(c.dataset))
            throw new IllegalArgumentException("unknown dataset '" + c.dataset + "'; valid: " + String.join(", ", DataSource.NAMES));
        boolean toy = !c.dataset.equals("fmnist");
        if (toy != c.model.equals("mlp"))
            throw new IllegalArgumentException(toy
                    ? "dataset '" + c.dataset + "' is 2-D: use --model mlp"
                    : "dataset 'fmnist' is 1x28x28 images: use --model fmnist-xs or fmnist-s (not " + c.model + ")");
        if (c.reference < 0) throw new IllegalArgumentException("--reference must be >= 0, got " + c.reference);
        if (!toy && c.reference > 0)
            throw new IllegalArgumentException("--reference is for the 2-D toys (the weights of image references degenerate to the one sample): drop it for fmnist");
        if (c.reference > 0 && c.method == ScmObjective.Method.SCD)
            throw new IllegalArgumentException("--reference is for --method teacher or sct (sCD takes its teacher's velocity): give --reference 0");
        if (c.reference > 0 && c.classes != 0)
            throw new IllegalArgumentException("--reference does not take labels into account: give --reference 0 with --conditional");
        if (!toy && !java.util.Arrays.equals(Models.sampleShape(c.model), new int[] {1, FashionMnist.SIDE, FashionMnist.SIDE}))
            throw new IllegalArgumentException("--model " + c.model + " makes " + java.util.Arrays.toString(Models.sampleShape(c.model))
                    + " images but dataset 'fmnist' is 1x28x28: use --model fmnist-xs or fmnist-s");
        if (Files.exists(c.out) && !Files.isDirectory(c.out))
            throw new IllegalArgumentException("--out " + c.out + " exists and is not a directory: give a directory for the run's outputs");
    }

    /**
     * A lower bound on the memory of one training step: the batch, its noise, x_t, its tangent and
     * the network output with its tangent and cotangents (at least 16 tensors of the batch's size,
     * float32), plus for a U-Net the first level's activations: per residual block two of base
     * channels at full resolution, each with its tangent (counted a quarter, well below the real
     * footprint, so the refusal only catches sizes that cannot fit).
     */
    static long trainingBytes(Config c) {
        long elems = 1;
        for (int d : Models.sampleShape(c.model)) elems *= d;
        long perSample = 16 * elems * 4;
        if (Models.isImage(c.model)) {
            tangent.nn.UNetConfig u = Models.config(c.model);
            perSample += (long) u.blocks() * 2 * 2 * u.ch() * u.res() * u.res();   // 4-byte floats counted as 1 byte
        } else {
            perSample += 2L * 3 * 128 * 4;
        }
        return perSample * c.batch;
    }

    /** Releases the run's lock on out (also done when {@link #run} returns or throws). */
    @Override
    public void close() {
        if (lock != null) lock.close();
        lock = null;
    }

    public long step() {
        return step;
    }

    public Module network() {
        return net;
    }

    public Module emaNetwork() {
        return emaNet;
    }

    /** Trains until step == steps, then writes metrics.json; releases the lock on out when done. */
    public Result run() throws IOException {
        try {
            return train();
        } finally {
            close();
        }
    }

    private Result train() throws IOException {
        int every = c.every > 0 ? c.every : Math.max(1, c.steps / 10);
        double last = Double.NaN;
        if (step >= c.steps) log.println("already at step " + step + " of " + c.steps + "; nothing to train");
        StepCollector collector = new StepCollector();
        try (Progress progress = c.quiet ? null : new Progress(c.method.name().toLowerCase(Locale.ROOT), c.steps, Math.max(1, c.steps / 20))) {
            while (step < c.steps) {
                Tensor loss;   // warmup r = min(1, step / H), step counted from 0
                if (c.classes > 0) {
                    DataSource.Labeled b = data.labeledBatch(c.batch, rng, DType.F32);
                    loss = objective.loss(b.x(), b.labels(), rng, step);
                } else {
                    Tensor x0 = data.batch(c.batch, rng, DType.F32);
                    loss = objective.loss(x0, c.reference > 0 ? data.batch(c.reference, rng, DType.F32) : null, rng, step);
                }
                double v = loss.item();
                if (!Double.isFinite(v)) throw diverged("the loss is " + v + " at step " + (step + 1), step + 1);
                loss.backward();
                opt.lr = c.lrSchedule.lr(c.lr, c.lrFloor, step, c.steps);
                opt.step();
                opt.zeroGrad();
                ema.update(net);
                collector.afterStep();
                step++;
                losses.add(v);
                last = v;
                if (progress != null) progress.update(step, v);
                if (step % every == 0 || step == c.steps) {
                    requireGoodWeights();
                    ema.copyTo(emaNet);
                    writePictures();
                    saveCheckpoint();
                }
            }
        }
        ema.copyTo(emaNet);
        Map<String, Double> metrics = finalMetrics(last);
        writeMetrics(metrics);
        return new Result(step, last, metrics);
    }

    /**
     * Before anything is saved, the weights must be good: every parameter and EMA weight finite,
     * and the loss they give finite on a probe batch (drawn from a copy of the data Rng, so the
     * training stream is unchanged). A huge learning rate can leave finite but absurd weights
     * (1e38) whose loss only the next step finds non-finite; then the last good checkpoint stays.
     */
    private void requireGoodWeights() {
        List<Tensor> all = new ArrayList<>(state.parameters());
        all.addAll(ema.shadow().values());
        for (Tensor p : all) {
            float[] v = p.toFloatArray();
            for (float x : v)
                if (!Float.isFinite(x)) throw diverged("the parameters hold " + x + " after step " + step, step);
        }
        Rng probe = new Rng(rng.seed(), rng.counter());
        net.train(false);   // no dropout: the probe draws nothing from the network's own Rng
        double v;
        try {
            v = objective.loss(data.batch(c.batch, probe, DType.F32), probe, step).item();
        } finally {
            net.train(true);
        }
        if (!Double.isFinite(v)) throw diverged("the loss at the weights of step " + step + " is " + v, step);
    }

    private DivergedException diverged(String what, long atStep) {
        return new DivergedException(String.format(Locale.ROOT, "training stopped: %s; the last good checkpoint (%s) was left in place",
                what, Files.exists(ckptFile) ? ckptFile : "none written yet"), atStep);
    }

    // ---- pictures, metrics -----------------------------------------------------------------

    private TimeConditioned emaF() {
        return (TimeConditioned) emaNet;
    }

    private boolean teacherMode() {
        return c.method == ScmObjective.Method.TEACHER;
    }

    /** Labels 0, 1, ..., K-1, 0, 1, ... for n samples of a class-conditional model (every class alike), else null. */
    private int[] sampleLabels(int n) {
        if (c.classes == 0) return null;
        int[] y = new int[n];
        for (int i = 0; i < n; i++) y[i] = i % c.classes;
        return y;
    }

    /** The EMA network as the samplers see it: with the labels of {@link #sampleLabels}, a teacher guided at {@link Config#guidance}. */
    private TimeConditioned samplingNet(int n) {
        if (c.classes == 0) return emaF();
        tangent.nn.ClassConditioned cn = (tangent.nn.ClassConditioned) emaNet;
        return teacherMode() ? tangent.scm.Guidance.guided(cn, sampleLabels(n), c.guidance) : cn.withLabels(sampleLabels(n));
    }

    /** 2-D samples in data units, from the EMA network: {1-step, 2-step} or {ODE} for a teacher. */
    private List<double[]> toySamples(int n, long seed) {
        TrigFlow tf = c.trigFlow;
        TimeConditioned f = samplingNet(n);
        List<double[]> out = new ArrayList<>();
        for (Sampler s : teacherMode() ? List.of(Sampler.ode(c.odeSteps, Samplers.OdeSolver.HEUN))
                : List.of(Sampler.consistency(1), Sampler.consistency(2)))
            out.add(DataSource.Toy.toData(s.draw(tf, f, new Rng(seed), DType.F32, n, 2)));
        return out;
    }

    public void writePictures() throws IOException {
        double[] xs = new double[losses.size()], ys = new double[losses.size()];
        for (int i = 0; i < xs.length; i++) {
            xs[i] = i + 1;
            ys[i] = losses.get(i);
        }
        Plots.lossPlot(c.out.resolve("loss.png"), c.method.name().toLowerCase(Locale.ROOT) + " loss, " + c.model + " on " + c.dataset, xs, ys);
        if (data instanceof DataSource.Toy toy) {
            List<String> titles = new ArrayList<>(List.of("data"));
            List<double[]> pts = new ArrayList<>(List.of(toy.fresh(c.samplePoints, 777)));
            List<double[]> s = toySamples(c.samplePoints, 4242);
            if (teacherMode()) titles.add("ode " + c.odeSteps + " heun" + quality(s.get(0)));
            else titles.addAll(List.of("1-step" + quality(s.get(0)), "2-step" + quality(s.get(1))));
            pts.addAll(s);
            Plots.scatterPanels(c.out.resolve("samples.png"), c.method.name().toLowerCase(Locale.ROOT) + " step " + step, titles, pts, 3.0, 300);
        } else {
            int n = 16, cols = 8;
            int[] shape = Checkpoint.concat(n, data.sampleShape());
            int h = shape[2], w = shape[3];
            float[] grid;
            if (teacherMode()) {
                grid = Sampler.ode(c.odeSteps, Samplers.OdeSolver.DDIM).draw(c.trigFlow, samplingNet(2 * n), new Rng(4242), DType.F32,
                        Checkpoint.concat(2 * n, data.sampleShape())).toFloatArray();
            } else {
                float[] a = Sampler.consistency(1).draw(c.trigFlow, samplingNet(n), new Rng(4242), DType.F32, shape).toFloatArray();
                float[] b = Sampler.consistency(2).draw(c.trigFlow, samplingNet(n), new Rng(4242), DType.F32, shape).toFloatArray();
                grid = new float[a.length + b.length];
                System.arraycopy(a, 0, grid, 0, a.length);         // rows 1-2: 1-step
                System.arraycopy(b, 0, grid, a.length, b.length);  // rows 3-4: 2-step (same first noise)
            }
            Png.write(c.out.resolve("samples.png"), Png.imageGrid(grid, 2 * n, h, w, cols, 1, 128, 3));
        }
    }

    /** What a person checks in a panel, for its title: ", 97.1% on squares" or ", 98.0% near a mode". */
    private String quality(double[] pts) {
        return switch (c.dataset) {
            case "checkerboard" -> String.format(Locale.ROOT, ", %.1f%% on squares", 100 * ToyMetrics.checkerboardSupport(pts));
            case "eight_gaussians" -> String.format(Locale.ROOT, ", %.1f%% near a mode", 100 * ToyMetrics.nearModeShare(pts));
            default -> "";
        };
    }

    private Map<String, Double> finalMetrics(double lastLoss) {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("steps", (double) step);
        m.put("final_loss", lastLoss);
        if (losses.size() >= 10) {
            double s = 0;
            int k = Math.max(1, losses.size() / 10);
            for (int i = losses.size() - k; i < losses.size(); i++) s += losses.get(i);
            m.put("mean_loss_last_10pct", s / k);
        }
        if (data instanceof DataSource.Toy toy) {
            int n = Math.max(2000, c.samplePoints);
            double[] fresh = toy.fresh(n, 1_000_003), fresh2 = toy.fresh(n, 1_000_004);
            List<double[]> s = toySamples(n, 99);
            m.put("sw_floor_data_vs_data", SlicedWasserstein.floor(fresh, fresh2, 256, 5));
            List<String> names = teacherMode() ? List.of("_ode") : List.of("_1step", "_2step");
            for (int i = 0; i < names.size(); i++)
                m.put("sw" + names.get(i), SlicedWasserstein.distance(s.get(i), fresh, 256, 5));
            m.putAll(ToyMetrics.floors(fresh, fresh2));
            for (int i = 0; i < names.size(); i++) m.putAll(ToyMetrics.of(c.dataset, s.get(i), fresh, names.get(i)));
            if (c.classes > 0)
                for (int i = 0; i < names.size(); i++) m.put("class_match" + names.get(i), ToyMetrics.classMatch(c.dataset, s.get(i), sampleLabels(n)));
        }
        return m;
    }

    private void writeMetrics(Map<String, Double> m) throws IOException {
        StringBuilder sb = new StringBuilder("{\n");
        sb.append(String.format(Locale.ROOT, "  \"method\": \"%s\",\n  \"model\": \"%s\",\n  \"dataset\": \"%s\",\n",
                c.method.name().toLowerCase(Locale.ROOT), c.model, c.dataset));
        int i = 0;
        for (Map.Entry<String, Double> e : m.entrySet()) {
            double v = e.getValue();
            String num = Double.isFinite(v) ? (v == Math.rint(v) && Math.abs(v) < 1e15 ? String.valueOf((long) v) : String.format(Locale.ROOT, "%.6g", v)) : "null";
            sb.append("  \"").append(e.getKey()).append("\": ").append(num).append(++i < m.size() ? ",\n" : "\n");
        }
        sb.append("}\n");
        AtomicFiles.writeString(c.out.resolve("metrics.json"), sb.toString());
    }

    // ---- checkpoints ---------------------------------------------------------------------------

    public void saveCheckpoint() throws IOException {
        ema.copyTo(emaNet);
        double[] l = new double[losses.size()];
        for (int i = 0; i < l.length; i++) l[i] = losses.get(i);
        Map<String, String> meta = new LinkedHashMap<>(expectedMetadata());
        meta.put("scm.batch", Integer.toString(c.batch));
        meta.put("scm.lr", Double.toString(c.lr));
        meta.put("scm.seed", Long.toString(c.seed));
        if (c.emaKind == Ema.Kind.POWER) meta.put("scm.ema_std", Double.toString(c.emaStd));
        else meta.put("scm.ema_decay", Double.toString(c.emaDecay));
        meta.put("scm.warmup", Double.toString(c.warmup));
        meta.put("scm.trigflow", c.trigFlow.toString());
        meta.put(Checkpoint.SIGMA_D, Double.toString(c.trigFlow.sigmaD));   // read back as a number by sampling and eval
        meta.put(Checkpoint.T_MID, Double.toString(c.trigFlow.tMid));       // read back by sampling
        meta.put("scm.p_mean", Double.toString(c.trigFlow.pMean));
        meta.put("scm.p_std", Double.toString(c.trigFlow.pStd));
        if (c.reference > 0) meta.put("scm.reference", Integer.toString(c.reference));
        if (c.classes > 0 && c.method != ScmObjective.Method.TEACHER) meta.put("scm.guidance", Double.toString(c.guidance));
        Checkpoint.save(ckptFile, state, opt, ema, step, rng, l, meta);
    }

    /** What a checkpoint must say to be resumed by this run. */
    private Map<String, String> expectedMetadata() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(Checkpoint.MODEL, c.model);
        m.put(Checkpoint.DATASET, c.dataset);
        m.put(Checkpoint.METHOD, c.method.name().toLowerCase(Locale.ROOT));
        if (c.classes > 0) m.put(Checkpoint.CLASSES, Integer.toString(c.classes));
        return m;
    }

    private void restore() throws IOException {
        Checkpoint.Resumed r;
        try {
            r = Checkpoint.resume(ckptFile, state, opt, ema, expectedMetadata());
        } catch (tangent.nn.CheckpointIO.MismatchException e) {
            throw new IOException("--resume: " + e.getMessage(), e);
        }
        ema.copyTo(emaNet);
        step = r.step();
        rng = r.data();
        losses.clear();
        for (double v : r.losses()) losses.add(v);
        log.println("resumed from " + ckptFile + " at step " + step);
    }
}
