package tangent.scm.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tangent.core.DType;
import tangent.core.ForwardAD;
import tangent.core.GradMode;
import tangent.core.Graphviz;
import tangent.core.Rng;
import tangent.core.Tensor;
import tangent.nn.AdaptiveWeight;
import tangent.nn.MlpDenoiser;
import tangent.nn.Module;
import tangent.nn.layers.Linear;
import tangent.nn.layers.ResBlock;
import tangent.scm.ScmObjective;
import tangent.scm.TrigFlow;

/**
 * {@code bin/scm graph}: builds a small example computation, writes its tape as Graphviz DOT
 * ({@link Graphviz}) and, when Graphviz's {@code dot} is on the PATH, renders it to SVG or PNG
 * beside the .dot file. Parameters are named by their module paths.
 */
@Command(name = "graph", mixinStandardHelpOptions = true,
        description = {"Draws the tape of a small example as Graphviz DOT (and SVG/PNG when Graphviz's `dot` is installed).",
                "mlp: loss of a 2-layer tanh MLP; resblock: one U-Net residual block; sct-step: the sCT step's one dual pass"
                        + " (taped primal, untaped tangent) and its loss."})
public final class GraphCommand implements Callable<Integer> {
    static final String[] WHAT = {"mlp", "resblock", "sct-step"};

    @Option(names = "--what", defaultValue = "mlp", description = "mlp, resblock or sct-step (default: ${DEFAULT-VALUE}).")
    String what;

    @Option(names = "--out", defaultValue = "graph.dot", description = "The .dot file to write (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--format", defaultValue = "svg", description = "svg, png or dot (dot: no picture) (default: ${DEFAULT-VALUE}).")
    String format;

    @Override
    public Integer call() throws IOException, InterruptedException {
        if (!java.util.Arrays.asList(WHAT).contains(what))
            throw new IllegalArgumentException("unknown --what '" + what + "' (valid: mlp, resblock, sct-step)");
        if (!format.equals("svg") && !format.equals("png") && !format.equals("dot"))
            throw new IllegalArgumentException("unknown --format '" + format + "' (valid: svg, png, dot)");
        String file = out.getFileName() == null ? "" : out.getFileName().toString();
        if (!file.endsWith(".dot") || file.length() == 4)
            throw new IllegalArgumentException("--out must name a .dot file, got '" + out + "'");
        if (Files.isDirectory(out)) throw new IllegalArgumentException("--out " + out + " is a folder; name a .dot file");

        Graphviz g = example(what);
        g.write(out);
        System.out.println("wrote " + out);
        if (format.equals("dot")) return 0;
        Path image = out.resolveSibling(file.substring(0, file.length() - 4) + "." + format);
        render(out, image, format);
        return 0;
    }

    /** The tape of the named example, its parameters and dual tensors named. */
    static Graphviz example(String what) {
        Rng rng = new Rng(0);
        switch (what) {
            case "mlp": {
                Linear fc0 = new Linear(2, 8, DType.F32, rng), fc1 = new Linear(8, 1, DType.F32, rng);
                Tensor x = rng.normal(DType.F32, 4, 2), target = rng.normal(DType.F32, 4, 1);
                Tensor loss = fc1.forward(fc0.forward(x).tanh()).sub(target).square().mean();
                Graphviz g = Graphviz.of(loss).name("loss", loss).name("x", x).name("target", target);
                nameParameters(g, "fc0.", fc0);
                return nameParameters(g, "fc1.", fc1);
            }
            case "resblock": {
                ResBlock rb = new ResBlock(4, 8, 8, false, 0.0, DType.F32, rng, new Rng(1));
                Tensor x = rng.normal(DType.F32, 1, 4, 8, 8), e = rng.normal(DType.F32, 1, 8);
                Tensor y = rb.forward(x, e);
                Graphviz g = Graphviz.of(y).name("y", y).name("x", x).name("emb", e);
                return nameParameters(g, "", rb);
            }
            default:
                return sctStep(rng);
        }
    }

    /**
     * The sCT step of {@link ScmObjective} on a tiny 2-D denoiser, written out so that its dual
     * tensors can be named: one dual pass gives the taped primal F and the untaped tangent J;
     * the target g is a constant; the loss is taped through F and w(t) only.
     */
    private static Graphviz sctStep(Rng rng) {
        MlpDenoiser net = new MlpDenoiser(2, 8, 1, DType.F32, 0);
        AdaptiveWeight weight = new AdaptiveWeight(DType.F32);
        TrigFlow tf = TrigFlow.defaults();
        int b = 4;
        Tensor x0 = rng.normal(DType.F32, b, 2), z = rng.normal(DType.F32, b, 2).mul(tf.sigmaD);
        Tensor t = rng.uniform(DType.F32, 0.1, 1.5, b);
        Tensor xt, v, cs;
        try (GradMode.Scope ignored = GradMode.noGrad()) {
            xt = TrigFlow.interpolate(x0, z, t);
            v = TrigFlow.velocity(x0, z, t);
            cs = t.cos().mul(t.sin());
        }
        Graphviz g;
        try (ForwardAD.DualLevel level = ForwardAD.enter()) {
            Tensor xin, dx;
            try (GradMode.Scope ignored = GradMode.noGrad()) {
                xin = xt.div(tf.sigmaD);
                dx = TrigFlow.perSample(cs, 2).mul(v).div(tf.sigmaD);
            }
            Tensor xDual = level.dual(xin, dx), tDual = level.dual(t, cs);
            Tensor y = net.forward(xDual, tDual);
            Tensor jac = level.tangent(y).detach(), f = level.primal(y), fm = f.detach();
            Tensor target;
            try (GradMode.Scope ignored = GradMode.noGrad()) {
                target = ScmObjective.normalizePerSample(ScmObjective.tangentTarget(fm, jac, v, xt, t, 1.0, tf.sigmaD),
                        ScmObjective.NORM_C);
            }
            Tensor loss = ScmObjective.consistencyLoss(f, fm, target, weight.forward(t));
            g = Graphviz.of(loss).name("loss", loss).name("F(x_t/sigma_d, t)", y).name("x_t/sigma_d", xDual).name("t", tDual)
                    .name("Fm (stop-gradient)", fm).name("g (target)", target);
        }
        nameParameters(g, "net.", net);
        return nameParameters(g, "weight.", weight);
    }

    private static Graphviz nameParameters(Graphviz g, String prefix, Module m) {
        for (Map.Entry<String, Tensor> p : m.namedParameters().entrySet()) g.name(prefix + p.getKey(), p.getValue());
        return g;
    }

    /** Runs {@code dot -T<format>}; false (with a note) when Graphviz is not installed. */
    static boolean render(Path dot, Path image, String format) throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder("dot", "-T" + format, dot.toString(), "-o", image.toString()).redirectErrorStream(true).start();
        } catch (IOException e) {
            System.out.println("Graphviz's `dot` is not on the PATH (Debian: apt-get install graphviz); wrote only the .dot file");
            return false;
        }
        String msg = new String(p.getInputStream().readAllBytes()).strip();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("dot -T" + format + " " + dot + " did not finish in 120 s");
        }
        if (p.exitValue() != 0)
            throw new IOException("dot -T" + format + " " + dot + " failed (exit " + p.exitValue() + "): " + msg.lines().findFirst().orElse(""));
        System.out.println("wrote " + image);
        return true;
    }
}
