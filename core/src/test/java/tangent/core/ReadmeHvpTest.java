package tangent.core;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * README's Hessian-vector product, run as written: {@link #SNIPPET} must stand verbatim in README.md
 * (so the two never drift), and each of the four products equals the analytic H v of
 * f(x) = sum(tanh(x)^3): H = diag(6 t (1 - t^2)(1 - 2 t^2)), t = tanh x; tolerance 1e-12.
 */
class ReadmeHvpTest {
    static final String SNIPPET = """
            Transforms.Fn f = in -> in[0].tanh().pow(3).sum();
            Tensor x = Tensor.of(new double[] {0.5, -1.0, 2.0}, 3), v = Tensor.of(new double[] {1, 0, -1}, 3);

            // forward-over-reverse: the gradient's tangent along v (one forward, one backward pass)
            Tensor hv1 = Transforms.hvp(f, x, v);
            // reverse-over-reverse: the gradient of <grad f(x), v>, the first backward pass recorded
            Tensor hv2 = Transforms.grad(in -> Transforms.grad(f).apply(in).mul(v).sum()).apply(x);

            // the same with the low-level API: a backward pass inside a dual level ...
            Tensor xl = x.detach().requiresGrad(true), hv3;
            try (ForwardAD.DualLevel level = ForwardAD.enter()) {
                Tensor g = Autograd.grad(f.apply(level.dual(xl, v)), new Tensor[] {xl}, null, false)[0];
                hv3 = level.tangent(g);
            }
            // ... and a backward pass through a recorded one (createGraph = true)
            Tensor g = Autograd.grad(f.apply(xl), new Tensor[] {xl}, null, false, true)[0];
            Tensor hv4 = Autograd.grad(g.mul(v).sum(), new Tensor[] {xl}, null, false)[0];
            """;

    @Test
    void readmeHoldsTheSnippet() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"));
        assertTrue(readme.contains(SNIPPET.stripTrailing()), "README.md must contain ReadmeHvpTest.SNIPPET verbatim");
    }

    @Test
    void snippetComputesHv() {
        Transforms.Fn f = in -> in[0].tanh().pow(3).sum();
        Tensor x = Tensor.of(new double[] {0.5, -1.0, 2.0}, 3), v = Tensor.of(new double[] {1, 0, -1}, 3);

        // forward-over-reverse: the gradient's tangent along v (one forward, one backward pass)
        Tensor hv1 = Transforms.hvp(f, x, v);
        // reverse-over-reverse: the gradient of <grad f(x), v>, the first backward pass recorded
        Tensor hv2 = Transforms.grad(in -> Transforms.grad(f).apply(in).mul(v).sum()).apply(x);

        // the same with the low-level API: a backward pass inside a dual level ...
        Tensor xl = x.detach().requiresGrad(true), hv3;
        try (ForwardAD.DualLevel level = ForwardAD.enter()) {
            Tensor g = Autograd.grad(f.apply(level.dual(xl, v)), new Tensor[] {xl}, null, false)[0];
            hv3 = level.tangent(g);
        }
        // ... and a backward pass through a recorded one (createGraph = true)
        Tensor g = Autograd.grad(f.apply(xl), new Tensor[] {xl}, null, false, true)[0];
        Tensor hv4 = Autograd.grad(g.mul(v).sum(), new Tensor[] {xl}, null, false)[0];

        double[] xs = x.toDoubleArray(), vs = v.toDoubleArray(), want = new double[3];
        for (int i = 0; i < 3; i++) {
            double t = Math.tanh(xs[i]);
            want[i] = 6 * t * (1 - t * t) * (1 - 2 * t * t) * vs[i];
        }
        for (Tensor hv : new Tensor[] {hv1, hv2, hv3, hv4}) assertArrayEquals(want, hv.toDoubleArray(), 1e-12);
    }
}
