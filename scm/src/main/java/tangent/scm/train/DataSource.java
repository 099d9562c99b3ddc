package tangent.scm.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import tangent.core.DType;
import tangent.core.Rng;
import tangent.core.Tensor;
import tangent.scm.data.FashionMnist;
import tangent.scm.data.Toy2d;

/** Training batches, drawn from the trainer's seeded Rng so that --resume continues exactly. */
public interface DataSource {
    List<String> NAMES = List.of("fmnist", "checkerboard", "eight_gaussians", "two_moons");

    /** A batch (B, sampleShape...) in the model's space. */
    Tensor batch(int b, Rng rng, DType dtype);

    /** A batch with each sample's class (0..classes()-1): the same draws from rng as {@link #batch}. */
    Labeled labeledBatch(int b, Rng rng, DType dtype);

    /** The number of classes a class-conditional model of this data learns. */
    int classes();

    /** A batch and its labels (B,). */
    record Labeled(Tensor x, int[] labels) {}

    int[] sampleShape();

    boolean isImage();

    String name();

    static DataSource open(String name, Path dataDir) throws IOException {
        if (name.equals("fmnist")) return new Images(FashionMnist.load(dataDir, FashionMnist.Split.TRAIN));
        if (Toy2d.NAMES.contains(name)) return new Toy(name);
        throw new IllegalArgumentException("unknown dataset '" + name + "'; valid: " + String.join(", ", NAMES));
    }

    /**
     * A 2-D toy. Toy2d's samplers have unit std per axis; the model sees them scaled by
     * {@link #SCALE} = sigma_d = 0.5 (so the data std matches TrigFlow's sigma_d, as for images in
     * [-1, 1]), and samples are mapped back by {@link #toData} for plots and metrics.
     */
    final class Toy implements DataSource {
        public static final double SCALE = 0.5;
        private final String name;

        public Toy(String name) {
            this.name = name;
        }

        @Override
        public Tensor batch(int b, Rng rng, DType dtype) {
            return labeledBatch(b, rng, dtype).x();
        }

        @Override
        public Labeled labeledBatch(int b, Rng rng, DType dtype) {
            Toy2d.Labeled d = Toy2d.sampleLabeled(name, b, rng.split().seed());
            double[] p = d.points();
            for (int i = 0; i < p.length; i++) p[i] *= SCALE;
            return new Labeled(Tensor.of(p, b, 2).to(dtype), d.labels());
        }

        @Override
        public int classes() {
            return Toy2d.classes(name);
        }

        /** Data-space points (unit std), interleaved x, y. */
        public double[] fresh(int n, long seed) {
            return Toy2d.sample(name, n, seed);
        }

        /** Model-space samples (B, 2) back to data space, interleaved. */
        public static double[] toData(Tensor samples) {
            double[] v = samples.toDoubleArray();
            for (int i = 0; i < v.length; i++) v[i] /= SCALE;
            return v;
        }

        @Override
        public int[] sampleShape() {
            return new int[] {2};
        }

        @Override
        public boolean isImage() {
            return false;
        }

        @Override
        public String name() {
            return name;
        }
    }

    /** Fashion-MNIST training images in [-1, 1], (B, 1, 28, 28), uniform with replacement. */
    final class Images implements DataSource {
        private final FashionMnist.Dataset data;

        public Images(FashionMnist.Dataset data) {
            this.data = data;
        }

        @Override
        public Tensor batch(int b, Rng rng, DType dtype) {
            return labeledBatch(b, rng, dtype).x();
        }

        @Override
        public Labeled labeledBatch(int b, Rng rng, DType dtype) {
            int px = FashionMnist.PIXELS;
            float[] out = new float[b * px];
            int[] labels = new int[b];
            double[] u = rng.uniformArray(b, 0, data.n());
            for (int i = 0; i < b; i++) {
                System.arraycopy(data.images(), (int) u[i] * px, out, i * px, px);
                labels[i] = data.labels()[(int) u[i]];
            }
            return new Labeled(Tensor.of(out, b, 1, FashionMnist.SIDE, FashionMnist.SIDE).to(dtype), labels);
        }

        @Override
        public int classes() {
            return 10;
        }

        @Override
        public int[] sampleShape() {
            return new int[] {1, FashionMnist.SIDE, FashionMnist.SIDE};
        }

        @Override
        public boolean isImage() {
            return true;
        }

        @Override
        public String name() {
            return "fmnist";
        }
    }
}
