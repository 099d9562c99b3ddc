package tangent.nn;

import java.util.Arrays;
import java.util.Map;
import tangent.core.DType;
import tangent.core.ForwardAD;
import tangent.core.Rng;
import tangent.core.Tensor;

/**
 * Child-JVM probe for {@link ThreadCountTest}: one sCT-like step of the fmnist-xs U-Net in float32
 * at batch 3 (a dual forward carrying a tangent, then the backward pass of a loss on the primal
 * and the tangent) and prints one hash of every bit of the output, its tangent and every
 * parameter's gradient.
 */
public final class ThreadCountProbe {
    private ThreadCountProbe() {}

    public static void main(String[] args) {
        System.out.println("hash=" + Integer.toHexString(hash()));
    }

    static int hash() {
        UNet net = new UNet(UNetConfig.named("fmnist-xs"), DType.F32, 0);
        Rng rng = new Rng(3);
        Tensor x = rng.normal(DType.F32, 3, 1, 28, 28), dx = rng.normal(DType.F32, 3, 1, 28, 28);
        Tensor t = rng.uniform(DType.F32, 0.1, 1.5, 3), dt = rng.uniform(DType.F32, -1, 1, 3);
        Tensor y, dy;
        try (ForwardAD.DualLevel level = ForwardAD.enter()) {
            Tensor out = net.forward(level.dual(x, dx), level.dual(t, dt));
            y = level.primal(out);
            dy = level.tangent(out).detach();
        }
        y.mul(dy).sum().add(y.square().mean()).backward();
        int h = Arrays.hashCode(y.toFloatArray()) * 31 + Arrays.hashCode(dy.toFloatArray());
        for (Map.Entry<String, Tensor> e : net.namedParameters().entrySet())
            h = h * 31 + Arrays.hashCode(e.getValue().grad().toFloatArray());
        return h;
    }
}
