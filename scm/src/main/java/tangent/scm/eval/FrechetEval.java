package tangent.scm.eval;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import tangent.core.GradMode;
import tangent.core.Tensor;
import tangent.nn.Classifier;
import tangent.scm.data.FashionMnist;
import tangent.scm.metrics.FrechetDistance;
import tangent.scm.metrics.FrechetDistance.Gaussian;

/**
 * Frechet distance (FD) of images in the feature space of the committed Fashion-MNIST
 * {@link Classifier} (its 128-d penultimate layer): Gaussian fits of the features of the given
 * images and of the 10,000 test images, then {@link FrechetDistance#distance(Gaussian, Gaussian)}.
 *
 * <p>Images are {@code N x 1 x 28 x 28} (or {@code N x 28 x 28}) floats in [-1, 1], row-major,
 * the scaling of {@link FashionMnist} ({@code v / 127.5 - 1}). The test-set statistics and the floor
 * (FD of the first 10,000 training images vs the test set) are computed once per dataset
 * directory and process and kept in memory.
 */
public final class FrechetEval {
    /** Batch size of feature extraction. */
    public static final int BATCH = 500;
    /** Number of training images used for the floor. */
    public static final int FLOOR_N = 10_000;

    private static final Map<String, Gaussian> TEST_STATS = new ConcurrentHashMap<>();
    private static final Map<String, Floor> FLOORS = new ConcurrentHashMap<>();
    private static volatile Classifier committed;

    private final Classifier model;
    private final Path dataDir;
    private Gaussian testStats;
    private Floor floor;

    /**
     * The floor.
     *
     * @param fd FD of real training images vs the test set
     * @param n number of training images used (10,000, or fewer when the training set is smaller)
     */
    public record Floor(double fd, int n) {}

    /** Uses the given classifier; dataDir null means the default Fashion-MNIST location. */
    public FrechetEval(Classifier model, Path dataDir) {
        this.model = model;
        this.dataDir = dataDir;
        model.train(false);
    }

    /** Uses the committed classifier (classpath resource, loaded once per process). */
    public static FrechetEval committed(Path dataDir) throws IOException {
        return new FrechetEval(committedClassifier(), dataDir);
    }

    /** The committed classifier, loaded once per process from {@link ClassifierWeights#RESOURCE}. */
    public static Classifier committedClassifier() throws IOException {
        Classifier c = committed;
        if (c == null) {
            synchronized (FrechetEval.class) {
                if (committed == null) committed = ClassifierWeights.loadResource();
                c = committed;
            }
        }
        return c;
    }

    public Classifier classifier() {
        return model;
    }

    /** Features {@code n x 128} (row-major) of {@code n} images of 784 floats each, in batches. */
    public float[] features(float[] images, int n) {
        int px = FashionMnist.PIXELS, d = Classifier.FEATURES;
        if (n < 0 || (long) n * px > images.length)
            throw new IllegalArgumentException("features: " + n + " images need " + (long) n * px + " floats, got "
                    + images.length);
        float[] out = new float[n * d];
        try (var g = GradMode.noGrad()) {
            for (int s = 0; s < n; s += BATCH) {
                int m = Math.min(BATCH, n - s);
                float[] x = new float[m * px];
                System.arraycopy(images, s * px, x, 0, x.length);
                float[] f = model.features(Tensor.of(x, m, 1, FashionMnist.SIDE, FashionMnist.SIDE)).toFloatArray();
                System.arraycopy(f, 0, out, s * d, f.length);
            }
        }
        return out;
    }

    /** Features of a tensor of images (B, 1, 28, 28) or (B, 28, 28), any float dtype. */
    public float[] features(Tensor images) {
        int[] s = images.shape();
        boolean ok = (s.length == 4 && s[1] == 1 && s[2] == 28 && s[3] == 28) || (s.length == 3 && s[1] == 28 && s[2] == 28);
        if (!ok)
            throw new IllegalArgumentException("FD: images must be (N, 1, 28, 28) or (N, 28, 28), got "
                    + tangent.core.Shape.str(s));
        return features(images.detach().toFloatArray(), s[0]);
    }

    /** Gaussian fit of the features of {@code n} images (n >= 2). */
    public Gaussian fit(float[] images, int n) {
        if (n < 2) throw new IllegalArgumentException("FD: need at least 2 images, got " + n);
        return FrechetDistance.fit(features(images, n), n, Classifier.FEATURES);
    }

    /** Gaussian fit of the 10,000 test images' features (cached per dataset directory). */
    public Gaussian testStatistics() throws IOException {
        if (testStats != null) return testStats;
        String key = key();
        Gaussian g = model == committed ? TEST_STATS.get(key) : null;
        if (g == null) {
            FashionMnist.Dataset test = FashionMnist.load(dataDir, FashionMnist.Split.TEST);
            g = fit(test.images(), test.n());
            if (model == committed) TEST_STATS.put(key, g);
        }
        return testStats = g;
    }

    /** FD between the given images and the test set. */
    public double fd(float[] images, int n) throws IOException {
        return FrechetDistance.distance(fit(images, n), testStatistics());
    }

    /** FD between images (B, 1, 28, 28) or (B, 28, 28) in [-1, 1] and the test set. */
    public double fd(Tensor images) throws IOException {
        float[] f = features(images);
        return FrechetDistance.distance(FrechetDistance.fit(f, images.size(0), Classifier.FEATURES), testStatistics());
    }

    /** The floor: FD of the first 10,000 real training images vs the test set (cached). */
    public double floor() throws IOException {
        return floorWithCount().fd();
    }

    /** The floor with the number of training images it used (cached). */
    public Floor floorWithCount() throws IOException {
        if (floor != null) return floor;
        String key = key();
        Floor v = model == committed ? FLOORS.get(key) : null;
        if (v == null) {
            FashionMnist.Dataset train = FashionMnist.load(dataDir, FashionMnist.Split.TRAIN, FLOOR_N);
            v = new Floor(fd(train.images(), train.n()), train.n());
            if (model == committed) FLOORS.put(key, v);
        }
        return floor = v;
    }

    /**
     * Per-class FD: the given images against the test images of class {@code cls} (1,000 in
     * Fashion-MNIST), and its floor: the first {@code FLOOR_N} training images' members of that class
     * against the same. For samples of a class-conditional model drawn with {@code sample --class}.
     */
    public double[] fdOfClass(float[] images, int n, int cls) throws IOException {
        if (cls < 0 || cls > 9) throw new IllegalArgumentException("--class must be in 0..9 (Fashion-MNIST), got " + cls);
        Gaussian test = fit(ofClass(FashionMnist.load(dataDir, FashionMnist.Split.TEST), cls));
        FashionMnist.Dataset train = FashionMnist.load(dataDir, FashionMnist.Split.TRAIN, FLOOR_N);
        Gaussian trainFit = fit(ofClass(train, cls));
        return new double[] {FrechetDistance.distance(fit(images, n), test), FrechetDistance.distance(trainFit, test)};
    }

    private Gaussian fit(FashionMnist.Dataset d) {
        return fit(d.images(), d.n());
    }

    /** The images of one class, as a dataset. */
    static FashionMnist.Dataset ofClass(FashionMnist.Dataset d, int cls) {
        int px = FashionMnist.PIXELS, k = 0;
        for (int i = 0; i < d.n(); i++) if (d.labels()[i] == cls) k++;
        float[] img = new float[k * px];
        int[] lab = new int[k];
        for (int i = 0, j = 0; i < d.n(); i++)
            if (d.labels()[i] == cls) {
                System.arraycopy(d.images(), i * px, img, j * px, px);
                lab[j++] = cls;
            }
        return new FashionMnist.Dataset(img, lab, k);
    }

    private String key() throws IOException {
        return FashionMnist.resolveDir(dataDir).toAbsolutePath().normalize().toString();
    }
}
