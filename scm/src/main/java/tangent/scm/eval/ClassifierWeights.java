package tangent.scm.eval;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import tangent.core.Tensor;
import tangent.nn.Classifier;
import tangent.nn.io.SafeTensors;

/** Saving and loading {@link Classifier} weights as safetensors (names from namedParameters()). */
public final class ClassifierWeights {
    private ClassifierWeights() {}

    /** Classpath location of the committed Fashion-MNIST classifier. */
    public static final String RESOURCE = "/tangent/scm/eval/fmnist-classifier.safetensors";
    /** File name used by {@link ClassifierTraining} in its output directory. */
    public static final String FILE_NAME = "fmnist-classifier.safetensors";

    public static void save(Classifier model, Path file, Map<String, String> metadata) throws IOException {
        Map<String, SafeTensors.Entry> out = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : model.namedParameters().entrySet()) {
            int[] s = e.getValue().shape();
            long[] ls = new long[s.length];
            for (int i = 0; i < s.length; i++) ls[i] = s[i];
            out.put(e.getKey(), SafeTensors.Entry.f32(e.getValue().toFloatArray(), ls));
        }
        SafeTensors.write(file, out, metadata);
    }

    /** Loads weights from a safetensors file into a fresh classifier. */
    public static Classifier load(Path file) throws IOException {
        return fill(SafeTensors.read(file));
    }

    /** Loads the committed classifier from the classpath ({@value #RESOURCE}). */
    public static Classifier loadResource() throws IOException {
        try (InputStream in = ClassifierWeights.class.getResourceAsStream(RESOURCE)) {
            if (in == null)
                throw new IOException("classifier weights " + RESOURCE + " are not on the classpath (train them with"
                        + " `bin/scm train --method classifier` and copy them to scm/src/main/resources" + RESOURCE + ")");
            Path tmp = Files.createTempFile("fmnist-classifier", ".safetensors");
            try {
                Files.write(tmp, in.readAllBytes());
                return load(tmp);
            } finally {
                Files.deleteIfExists(tmp);
            }
        }
    }

    /** Copies every parameter from a loaded file, checking names and shapes. */
    static Classifier fill(SafeTensors.Loaded loaded) {
        Classifier model = new Classifier(0);
        Map<String, Tensor> params = model.namedParameters();
        for (String name : loaded.tensors().keySet())
            if (!params.containsKey(name))
                throw new IllegalArgumentException("classifier weights " + loaded.file() + ": unexpected tensor '" + name
                        + "' (expected " + String.join(", ", params.keySet()) + ")");
        for (Map.Entry<String, Tensor> e : params.entrySet()) {
            SafeTensors.Entry t = loaded.tensor(e.getKey());
            int[] s = e.getValue().shape();
            long[] want = new long[s.length];
            for (int i = 0; i < s.length; i++) want[i] = s[i];
            if (!Arrays.equals(want, t.shape()))
                throw new IllegalArgumentException("classifier weights " + loaded.file() + ": tensor '" + e.getKey()
                        + "' has shape " + Arrays.toString(t.shape()) + ", expected " + Arrays.toString(want));
            e.getValue().copyFrom(Tensor.of(t.asFloats(), s));
        }
        model.train(false);
        return model;
    }
}
