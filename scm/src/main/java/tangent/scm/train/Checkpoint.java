package tangent.scm.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import tangent.core.DType;
import tangent.core.GradMode;
import tangent.core.Rng;
import tangent.core.Tensor;
import tangent.nn.Module;
import tangent.nn.TimeConditioned;
import tangent.nn.io.SafeTensors;
import tangent.scm.Samplers;
import tangent.scm.TrigFlow;
import tangent.scm.models.Models;

/**
 * Trainer checkpoints (one safetensors file, written atomically). Tensors: {@code net.*} (the
 * trained network), {@code ema.*} (its EMA, used for sampling), {@code weight.*} (the adaptive
 * weight head), {@code opt.m.<name>}/{@code opt.v.<name>}/{@code opt.steps} (RAdam state, names prefixed net./weight.),
 * {@code train.losses} (float64 loss history). Metadata: model, dataset, method, step,
 * rng_seed/rng_counter, opt_step, and the run's options.
 */
public final class Checkpoint {
    private Checkpoint() {}

    public static final String FILE = "checkpoint.safetensors";

    public static Map<String, SafeTensors.Entry> entries(String prefix, Module m) {
        Map<String, SafeTensors.Entry> out = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : m.namedParameters().entrySet()) out.put(prefix + e.getKey(), entry(e.getValue()));
        return out;
    }

    public static SafeTensors.Entry entry(Tensor t) {
        long[] shape = Arrays.stream(t.shape()).asLongStream().toArray();
        return t.dtype() == DType.F64 ? SafeTensors.Entry.f64(t.toDoubleArray(), shape) : SafeTensors.Entry.f32(t.toFloatArray(), shape);
    }

    /** Copies the tensors named prefix + parameter name into m's parameters (shapes must match). */
    public static void load(SafeTensors.Loaded ck, String prefix, Module m) {
        try (GradMode.Scope ignored = GradMode.noGrad()) {
            for (Map.Entry<String, Tensor> e : m.namedParameters().entrySet()) into(ck.tensor(prefix + e.getKey()), e.getValue(), ck.file() + ": " + prefix + e.getKey());
        }
    }

    public static void into(SafeTensors.Entry src, Tensor dst, String what) {
        int[] shape = Arrays.stream(src.shape()).mapToInt(x -> (int) x).toArray();
        if (!Arrays.equals(shape, dst.shape()))
            throw new IllegalArgumentException(what + " has shape " + Arrays.toString(shape) + " but the network expects "
                    + Arrays.toString(dst.shape()) + " (a checkpoint of another model?)");
        Tensor t = src.dtype() == SafeTensors.DType.F64 ? Tensor.of(src.asDoubles(), shape) : Tensor.of(src.asFloats(), shape);
        dst.copyFrom(t.to(dst.dtype()));
    }

    /** The sampling network (EMA weights) of a checkpoint, with its model name. */
    public record Sampler(String model, Module module, TimeConditioned net, String method) {}

    public static Sampler loadEma(Path file) throws IOException {
        SafeTensors.Loaded ck = SafeTensors.read(file);
        String model = ck.metadata().get("model");
        if (model == null) throw new IOException(file + ": not an scm checkpoint (no 'model' in its metadata)");
        Module m = Models.create(model, DType.F32, 0);
        load(ck, "ema.", m);
        m.train(false);
        return new Sampler(model, m, (TimeConditioned) m, ck.metadata().getOrDefault("method", "sct"));
    }

    /**
     * Draws n samples from a checkpoint's EMA network: sampler 1 or 2 (consistency steps) or, for
     * a teacher checkpoint, the number of DDIM steps of the probability-flow ODE. Images come back
     * as (n, C, H, W) in [-1, 1] (not clamped); 2-D samples as (n, 2) in the toy's data units.
     */
    public static Tensor sample(Path file, int steps, int n, long seed) throws IOException {
        Sampler s = loadEma(file);
        TrigFlow tf = TrigFlow.defaults();
        int[] shape = concat(n, Models.sampleShape(s.model()));
        Rng rng = new Rng(seed);
        Tensor x;
        if (s.method().equals("teacher")) x = Samplers.teacherOde(tf, s.net(), rng, steps, Samplers.OdeSolver.DDIM, DType.F32, shape);
        else if (steps == 1) x = Samplers.oneStep(tf, s.net(), rng, DType.F32, shape);
        else if (steps == 2) x = Samplers.twoStep(tf, s.net(), rng, DType.F32, shape);
        else throw new IllegalArgumentException("a consistency model samples with 1 or 2 steps, not " + steps);
        return Models.isImage(s.model()) ? x : x.div(DataSource.Toy.SCALE);
    }

    static int[] concat(int n, int[] rest) {
        int[] s = new int[rest.length + 1];
        s[0] = n;
        System.arraycopy(rest, 0, s, 1, rest.length);
        return s;
    }

}
