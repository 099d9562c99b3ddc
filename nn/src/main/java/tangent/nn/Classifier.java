package tangent.nn;

import tangent.core.DType;
import tangent.core.F;
import tangent.core.Rng;
import tangent.core.Tensor;

/**
 * A small CNN for 28x28 grayscale images (Fashion-MNIST), used as the feature extractor of the
 * Frechet distance:
 *
 * <pre>
 *   x (B,1,28,28) -> conv1 3x3  1->32 pad 1          -> relu  (B,32,28,28)
 *                 -> conv2 3x3 32->64 stride 2 pad 1 -> relu  (B,64,14,14)
 *                 -> conv3 3x3 64->64 stride 2 pad 1 -> relu  (B,64,7,7)
 *                 -> flatten (B,3136) -> fc1 3136->128 -> relu = features (B,128)
 *                 -> fc2 128->10 = logits (B,10)
 * </pre>
 *
 * Strided convolutions stand in for pooling. About 458k parameters, named PyTorch style
 * ({@code conv1.weight}, ..., {@code fc2.bias}). Initialisation is PyTorch's default for Conv2d and
 * Linear: weight and bias uniform in +-1/sqrt(fan_in), drawn from the given seeded {@link Rng}.
 */
public final class Classifier extends Module {
    /** Number of classes. */
    public static final int CLASSES = 10;
    /** Width of the penultimate ("features") layer. */
    public static final int FEATURES = 128;
    /** Image side. */
    public static final int SIDE = 28;

    /** A conv2d layer: weight (O, C, k, k), bias (O). */
    public static final class Conv extends Module {
        final int stride, pad;

        Conv(int in, int out, int k, int stride, int pad, Rng rng, DType dt) {
            double bound = 1.0 / Math.sqrt(in * k * k);
            param("weight", rng.uniform(dt, -bound, bound, out, in, k, k));
            param("bias", rng.uniform(dt, -bound, bound, out));
            this.stride = stride;
            this.pad = pad;
        }

        public Tensor forward(Tensor x) {
            return F.conv2d(x, parameter("weight"), parameter("bias"), stride, pad);
        }
    }

    /** A linear layer: weight (out, in), bias (out). */
    public static final class Linear extends Module {

        Linear(int in, int out, Rng rng, DType dt) {
            double bound = 1.0 / Math.sqrt(in);
            param("weight", rng.uniform(dt, -bound, bound, out, in));
            param("bias", rng.uniform(dt, -bound, bound, out));
        }

        public Tensor forward(Tensor x) {
            return F.linear(x, parameter("weight"), parameter("bias"));
        }
    }

    private final Conv conv1, conv2, conv3;
    private final Linear fc1, fc2;

    /** float32 classifier initialised from {@code new Rng(seed)}. */
    public Classifier(long seed) {
        this(new Rng(seed), DType.F32);
    }

    public Classifier(Rng rng, DType dtype) {
        conv1 = child("conv1", new Conv(1, 32, 3, 1, 1, rng, dtype));
        conv2 = child("conv2", new Conv(32, 64, 3, 2, 1, rng, dtype));
        conv3 = child("conv3", new Conv(64, 64, 3, 2, 1, rng, dtype));
        fc1 = child("fc1", new Linear(64 * 7 * 7, FEATURES, rng, dtype));
        fc2 = child("fc2", new Linear(FEATURES, CLASSES, rng, dtype));
    }

    private static Tensor checkInput(Tensor x) {
        int[] s = x.shape();
        if (s.length != 4 || s[1] != 1 || s[2] != SIDE || s[3] != SIDE)
            throw new IllegalArgumentException("Classifier: expects images (B, 1, 28, 28), got " + tangent.core.Shape.str(s));
        return x;
    }

    /** Penultimate-layer activations (after ReLU): (B, 1, 28, 28) -> (B, 128). */
    public Tensor features(Tensor x) {
        checkInput(x);
        Tensor h = conv1.forward(x).relu();
        h = conv2.forward(h).relu();
        h = conv3.forward(h).relu();
        h = h.reshape(x.size(0), 64 * 7 * 7);
        return fc1.forward(h).relu();
    }

    /** Class logits: (B, 1, 28, 28) -> (B, 10). */
    public Tensor logits(Tensor x) {
        return fc2.forward(features(x));
    }

    /** Logits computed from already extracted features: (B, 128) -> (B, 10). */
    public Tensor logitsFromFeatures(Tensor features) {
        return fc2.forward(features);
    }
}
