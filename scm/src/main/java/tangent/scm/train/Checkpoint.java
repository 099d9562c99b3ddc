package tangent.scm.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import tangent.core.DType;
import tangent.core.Rng;
import tangent.core.Tensor;
import tangent.nn.AdaptiveWeight;
import tangent.nn.Module;
import tangent.nn.TimeConditioned;
import tangent.nn.io.SafeTensors;
import tangent.nn.optim.Ema;
import tangent.nn.optim.Optimizer;
import tangent.scm.Samplers;
import tangent.scm.TrigFlow;
import tangent.scm.models.Models;

/**
 * Trainer checkpoints, written and read by the project's checkpoint layer {@link tangent.nn.Checkpoint}
 * (one safetensors file, written atomically; everything validated before anything is loaded). The
 * saved model is a {@link TrainState}: the trained network as {@code net.*} and the adaptive weight
 * head as {@code weight.*}; the RAdam state is {@code opt.m/v/step.<net.|weight.name>}, the EMA of the
 * network (used for sampling and as a teacher) {@code ema.<name>} (network parameter names), the
 * data Rng {@code rng.data} and the loss history {@code extra.losses} (float64). Metadata: nn's
 * ({@code format}, {@code step}, {@code optimizer}, {@code ema}, ...) plus {@code scm.model},
 * {@code scm.dataset}, {@code scm.method} (checked on resume) and the run's options.
 */
public final class Checkpoint {
    private Checkpoint() {}

    public static final String FILE = "checkpoint.safetensors";
    public static final String MODEL = "scm.model", DATASET = "scm.dataset", METHOD = "scm.method";
    /** Metadata of a class-conditional run: its number of classes K (absent: unconditional). */
    public static final String CLASSES = "scm.classes";
    private static final String LOSSES = "losses", DATA_RNG = "data";

    /** What the trainer optimizes: the network ({@code net}) and the adaptive weight head ({@code weight}). */
    public static final class TrainState extends Module {
        public final Module net;
        public final AdaptiveWeight weight;

        public TrainState(Module net, AdaptiveWeight weight) {
            this.net = child("net", net);
            this.weight = child("weight", weight);
        }
    }

    /** Saves a training state; opt may be null (a sampling-only file). meta: the scm.* keys and options. */
    public static void save(Path file, TrainState s, Optimizer opt, Ema ema, long step, Rng data, double[] losses,
                            Map<String, String> meta) throws IOException {
        Map<String, SafeTensors.Entry> extra = new LinkedHashMap<>();
        if (losses != null) extra.put(LOSSES, SafeTensors.Entry.f64(losses, losses.length));
        tangent.nn.Checkpoint.save(file, s, opt, ema, step, data == null ? null : Map.of(DATA_RNG, data), extra, meta);
    }

    /** What a resume restores besides the tensors. */
    public record Resumed(long step, Rng data, double[] losses) {}

    /**
     * Restores s, opt and ema from file, which must carry the metadata values in expect (model,
     * dataset, method). Everything is checked first: on a mismatch it throws
     * {@link tangent.nn.Checkpoint.MismatchException} naming the file and the first problem, and
     * nothing has changed.
     */
    public static Resumed resume(Path file, TrainState s, Optimizer opt, Ema ema, Map<String, String> expect) throws IOException {
        tangent.nn.Checkpoint.Restored r = tangent.nn.Checkpoint.load(SafeTensors.read(file), s, opt, ema, expect,
                Map.of(LOSSES, new tangent.nn.Checkpoint.Spec(SafeTensors.DType.F64, -1)));
        Rng data = r.rngs().get(DATA_RNG);
        if (data == null) throw new tangent.nn.Checkpoint.MismatchException(file, "missing tensor 'rng." + DATA_RNG + "'");
        return new Resumed(r.step(), data, r.extras().get(LOSSES).asDoubles());
    }

    /**
     * Loads the EMA weights of a checkpoint of the given model into net (a teacher, or the start of a
     * distillation); validated first, net unchanged on a mismatch.
     */
    public static void loadEmaInto(Path file, Module net, String model) throws IOException {
        tangent.nn.Checkpoint.loadEmaWeights(SafeTensors.read(file), net, Map.of(MODEL, model));
    }

    /** The sampling network (EMA weights) of a checkpoint, with its model name and number of classes (0: unconditional). */
    public record Sampler(String model, Module module, TimeConditioned net, String method, int classes) {
        public Sampler(String model, Module module, TimeConditioned net, String method) {
            this(model, module, net, method, 0);
        }
    }

    public static Sampler loadEma(Path file) throws IOException {
        SafeTensors.Loaded ck = SafeTensors.read(file);
        Map<String, String> meta = tangent.nn.Checkpoint.checkHeader(ck, null);
        String model = meta.get(MODEL);
        if (model == null) throw new tangent.nn.Checkpoint.MismatchException(file, "not an scm checkpoint (no '" + MODEL + "' in its metadata)");
        if (!Models.NAMES.contains(model))
            throw new tangent.nn.Checkpoint.MismatchException(file, "unknown model '" + model + "'; valid: " + String.join(", ", Models.NAMES));
        int classes;
        try {
            classes = Integer.parseInt(meta.getOrDefault(CLASSES, "0"));
        } catch (NumberFormatException e) {
            throw new tangent.nn.Checkpoint.MismatchException(file, "metadata '" + CLASSES + "' is not a number: " + meta.get(CLASSES));
        }
        Module m = Models.create(model, DType.F32, 0, classes);
        tangent.nn.Checkpoint.loadEmaWeights(ck, m, null);
        m.train(false);
        return new Sampler(model, m, (TimeConditioned) m, meta.getOrDefault(METHOD, "sct"), classes);
    }

    /**
     * Draws n samples from a checkpoint's EMA network: sampler 1 or 2 (consistency steps) or, for
     * a teacher checkpoint, the number of DDIM steps of the probability-flow ODE. Images come back
     * as (n, C, H, W), clamped to [-1, 1] (the data range; as {@code eval --checkpoint} does); 2-D
     * samples as (n, 2) in the toy's data units (not clamped).
     */
    public static Tensor sample(Path file, int steps, int n, long seed) throws IOException {
        return sample(file, steps, n, seed, null, 1.0);
    }

    /**
     * As {@link #sample(Path, int, int, long)} from a class-conditional checkpoint: sample i of class
     * labels[i] (labels null: i mod K, every class alike); a teacher's ODE follows its drift guided at
     * scale {@code guidance} ({@link tangent.scm.Guidance}); a student learnt its guidance in training.
     */
    public static Tensor sample(Path file, int steps, int n, long seed, int[] labels, double guidance) throws IOException {
        Sampler s0 = loadEma(file);
        Sampler s = s0;
        if (s0.classes() > 0) {
            int[] y = labels;
            if (y == null) {
                y = new int[n];
                for (int i = 0; i < n; i++) y[i] = i % s0.classes();
            }
            for (int v : y)
                if (v < 0 || v >= s0.classes())
                    throw new IllegalArgumentException("--class " + v + ": the checkpoint's classes are 0.." + (s0.classes() - 1));
            tangent.nn.ClassConditioned cn = (tangent.nn.ClassConditioned) s0.module();
            TimeConditioned view = s0.method().equals("teacher") ? tangent.scm.Guidance.guided(cn, y, guidance) : cn.withLabels(y);
            s = new Sampler(s0.model(), s0.module(), view, s0.method(), s0.classes());
        } else if (labels != null) {
            throw new IllegalArgumentException("--class: " + file + " is an unconditional model (train with --conditional)");
        }
        TrigFlow tf = TrigFlow.defaults();
        int[] shape = concat(n, Models.sampleShape(s.model()));
        Rng rng = new Rng(seed);
        Tensor x;
        if (s.method().equals("teacher")) x = Samplers.teacherOde(tf, s.net(), rng, steps, Samplers.OdeSolver.DDIM, DType.F32, shape);
        else if (steps == 1) x = Samplers.oneStep(tf, s.net(), rng, DType.F32, shape);
        else if (steps == 2) x = Samplers.twoStep(tf, s.net(), rng, DType.F32, shape);
        else throw new IllegalArgumentException("a consistency model samples with 1 or 2 steps, not " + steps);
        return Models.isImage(s.model()) ? clamp(x) : x.div(DataSource.Toy.SCALE);
    }

    /** Elementwise clamp to [-1, 1] (float32). */
    static Tensor clamp(Tensor x) {
        float[] v = x.toFloatArray();
        for (int i = 0; i < v.length; i++) v[i] = Math.max(-1f, Math.min(1f, v[i]));
        return Tensor.of(v, x.shape());
    }

    static int[] concat(int n, int[] rest) {
        int[] s = new int[rest.length + 1];
        s[0] = n;
        System.arraycopy(rest, 0, s, 1, rest.length);
        return s;
    }
}
