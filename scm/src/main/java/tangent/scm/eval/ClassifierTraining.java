package tangent.scm.eval;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import tangent.core.F;
import tangent.core.GradMode;
import tangent.core.Rng;
import tangent.core.Tensor;
import tangent.nn.Classifier;
import tangent.scm.data.FashionMnist;

/**
 * Trains the Fashion-MNIST feature {@link Classifier} with this engine: float32, Adam with a short
 * linear warm-up then cosine decay of the learning rate, shuffled epochs, random horizontal flips and
 * random translations of up to {@value #MAX_SHIFT} pixels.
 */
public final class ClassifierTraining {
    private ClassifierTraining() {}

    /**
     * Trains the CNN, saves its weights to {@code outDir/fmnist-classifier.safetensors}, prints
     * progress and test accuracy.
     *
     * @param dataDir Fashion-MNIST directory, or null for the default location
     * @return accuracy on the 10,000 test images, in [0, 1]
     */
    public static double train(Path dataDir, Path outDir, int steps, int batch, double lr, long seed) {
        if (steps < 1 || batch < 1 || !(lr > 0))
            throw new IllegalArgumentException("classifier training: steps (" + steps + ") and batch (" + batch
                    + ") must be >= 1 and lr (" + lr + ") > 0");
        try {
            FashionMnist.Dataset train = FashionMnist.load(dataDir, FashionMnist.Split.TRAIN);
            FashionMnist.Dataset test = FashionMnist.load(dataDir, FashionMnist.Split.TEST);
            Files.createDirectories(outDir);
            Path file = outDir.resolve(ClassifierWeights.FILE_NAME);
            Rng rng = new Rng(seed);
            Classifier model = new Classifier(rng.split(), tangent.core.DType.F32);
            Rng data = rng.split();
            System.out.printf(Locale.ROOT, "classifier: %d parameters, %d steps at batch %d, lr %g, seed %d%n",
                    model.parameterCount(), steps, batch, lr, seed);
            ClassifierAdam opt = new ClassifierAdam(model.parameters());
            int n = train.n();
            int[] perm = permutation(n, data);
            int at = 0, warmup = Math.min(200, steps / 10);
            float[] xb = new float[batch * FashionMnist.PIXELS];
            int[] yb = new int[batch];
            double lossSum = 0;
            int correct = 0, seen = 0;
            long t0 = System.nanoTime();
            for (int step = 1; step <= steps; step++) {
                double[] flips = data.uniformArray(batch, 0, 1);
                double[] shifts = data.uniformArray(2 * batch, 0, 2 * MAX_SHIFT + 1);
                for (int b = 0; b < batch; b++) {
                    if (at == n) {
                        perm = permutation(n, data);
                        at = 0;
                    }
                    int i = perm[at++];
                    copyImage(train.images(), i, xb, b, flips[b] < 0.5, (int) shifts[2 * b] - MAX_SHIFT,
                            (int) shifts[2 * b + 1] - MAX_SHIFT);
                    yb[b] = train.labels()[i];
                }
                double rate = step <= warmup ? lr * step / warmup
                        : lr * 0.5 * (1 + Math.cos(Math.PI * (step - warmup) / Math.max(1, steps - warmup)));
                model.zeroGrad();
                Tensor logits = model.logits(Tensor.of(xb, batch, 1, 28, 28));
                Tensor loss = F.crossEntropy(logits, yb);
                loss.backward();
                try (var g = GradMode.noGrad()) {
                    opt.step(rate);
                }
                lossSum += loss.item();
                correct += countCorrect(logits.detach().toFloatArray(), yb, 0, batch);
                seen += batch;
                if (step % 100 == 0 || step == steps) {
                    double sec = (System.nanoTime() - t0) / 1e9;
                    System.out.printf(Locale.ROOT, "step %5d/%d  loss %.4f  train acc %.4f  lr %.2e  %.0fs%n", step, steps,
                            lossSum / (seen / batch), (double) correct / seen, rate, sec);
                    lossSum = 0;
                    correct = 0;
                    seen = 0;
                }
            }
            double acc = accuracy(model, test);
            System.out.printf(Locale.ROOT, "test accuracy: %.4f (%d images)%n", acc, test.n());
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("model", "tangent.nn.Classifier");
            meta.put("dataset", "fashion-mnist, images in [-1,1] (v/127.5-1)");
            meta.put("steps", Integer.toString(steps));
            meta.put("batch", Integer.toString(batch));
            meta.put("lr", Double.toString(lr));
            meta.put("seed", Long.toString(seed));
            meta.put("test_accuracy", String.format(Locale.ROOT, "%.4f", acc));
            model.train(false);
            ClassifierWeights.save(model, file, meta);
            System.out.println("saved " + file);
            return acc;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Standalone entry point (the usual one is {@code bin/scm train --method classifier}):
     * {@code OUT_DIR [STEPS [BATCH [LR [SEED [DATA_DIR]]]]]}, defaults 3000 128 1e-3 0 and the default
     * dataset location.
     */
    public static void main(String[] args) {
        if (args.length < 1) {
            System.err.println("usage: ClassifierTraining OUT_DIR [STEPS [BATCH [LR [SEED [DATA_DIR]]]]]");
            System.exit(2);
        }
        Path out = Path.of(args[0]);
        int steps = args.length > 1 ? Integer.parseInt(args[1]) : 3000;
        int batch = args.length > 2 ? Integer.parseInt(args[2]) : 128;
        double lr = args.length > 3 ? Double.parseDouble(args[3]) : 1e-3;
        long seed = args.length > 4 ? Long.parseLong(args[4]) : 0;
        Path data = args.length > 5 ? Path.of(args[5]) : null;
        train(data, out, steps, batch, lr, seed);
    }

    /** Fraction of the dataset the model labels correctly (batches of 500, no tape). */
    public static double accuracy(Classifier model, FashionMnist.Dataset ds) {
        int correct = 0, bs = 500;
        try (var g = GradMode.noGrad()) {
            for (int s = 0; s < ds.n(); s += bs) {
                int m = Math.min(bs, ds.n() - s);
                float[] x = new float[m * FashionMnist.PIXELS];
                System.arraycopy(ds.images(), s * FashionMnist.PIXELS, x, 0, x.length);
                float[] lg = model.logits(Tensor.of(x, m, 1, 28, 28)).toFloatArray();
                correct += countCorrect(lg, ds.labels(), s, m);
            }
        }
        return (double) correct / ds.n();
    }

    private static int countCorrect(float[] logits, int[] labels, int from, int m) {
        int k = Classifier.CLASSES, c = 0;
        for (int i = 0; i < m; i++) {
            int best = 0;
            for (int j = 1; j < k; j++) if (logits[i * k + j] > logits[i * k + best]) best = j;
            if (best == labels[from + i]) c++;
        }
        return c;
    }

    /** Largest random translation (pixels, each axis) of training images; the border fills with -1 (black). */
    static final int MAX_SHIFT = 2;

    /** Copies image i into slot b, mirrored left-right if flip, translated by (dy, dx). */
    static void copyImage(float[] src, int i, float[] dst, int b, boolean flip, int dy, int dx) {
        int s = FashionMnist.SIDE, so = i * FashionMnist.PIXELS, d = b * FashionMnist.PIXELS;
        for (int r = 0; r < s; r++)
            for (int c = 0; c < s; c++) {
                int sr = r - dy, sc = c - dx;
                if (flip) sc = s - 1 - sc;
                dst[d + r * s + c] = sr < 0 || sr >= s || sc < 0 || sc >= s ? -1f : src[so + sr * s + sc];
            }
    }

    private static int[] permutation(int n, Rng rng) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        double[] u = rng.uniformArray(n, 0, 1);
        for (int i = n - 1; i > 0; i--) {
            int j = (int) (u[i] * (i + 1));
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}
