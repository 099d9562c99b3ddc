package example;

import tangent.core.*;
import tangent.nn.layers.*;
import tangent.nn.optim.Sgd;

/** README.md's "Use it as a library" example; run.sh checks that the two stay identical. */
public final class LibraryExample {
    public static void main(String[] args) {
        // README example begin
        // A JVP: f(x) = x sin(x) and its derivative along dx = 1, f'(x) = sin(x) + x cos(x)
        Tensor x = Tensor.arange(DType.F64, 0, 1, 0.25);
        ForwardAD.Jvp out = ForwardAD.jvp(v -> v.mul(v.sin()), x, x.onesLike());
        System.out.println("f(x)   = " + out.primal());
        System.out.println("f'(x)  = " + out.tangent());

        // A gradient: d/dw sum((x w)^2) = 2 x^2 w
        Tensor w = Tensor.of(new double[] {0.5, -1, 2, 4}, 4).requiresGrad(true);
        x.mul(w).square().sum().backward();
        System.out.println("grad w = " + w.grad());

        // A small MLP fitted to y = x^2 with SGD and momentum
        Rng rng = new Rng(0);
        Sequential mlp = new Sequential(new Linear(1, 16, DType.F32, rng), new Tanh(), new Linear(16, 1, DType.F32, rng));
        Sgd opt = new Sgd(mlp.namedParameters(), 0.05, 0.9, 0, false);
        Tensor xs = Tensor.arange(DType.F32, -1, 1, 0.125).reshape(16, 1), ys = xs.square();
        for (int step = 0; step <= 200; step++) {
            opt.zeroGrad();
            Tensor loss = F.mseLoss(mlp.forward(xs), ys);
            loss.backward();
            opt.step();
            if (step % 50 == 0) System.out.printf("step %d  loss %.5f%n", step, loss.item());
        }
        // README example end
    }
}
