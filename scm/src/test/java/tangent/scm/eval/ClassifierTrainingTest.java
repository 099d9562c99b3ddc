package tangent.scm.eval;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tangent.nn.Classifier;
import tangent.nn.io.SafeTensors;
import tangent.scm.data.FashionMnist;

class ClassifierTrainingTest {
    @TempDir
    Path tmp;

    @Test
    void shortRunOnTinyDatasetSavesLoadableWeights() throws Exception {
        Path data = TinyFashion.write(tmp.resolve("fm"), 200, 100);
        Path out = tmp.resolve("out");
        double acc = ClassifierTraining.train(data, out, 40, 16, 2e-3, 1);
        Path file = out.resolve(ClassifierWeights.FILE_NAME);
        assertTrue(Files.isRegularFile(file));
        SafeTensors.Loaded l = SafeTensors.read(file);
        assertEquals("40", l.metadata().get("steps"));
        assertEquals(10, l.tensors().size());
        Classifier c = ClassifierWeights.load(file);
        double again = ClassifierTraining.accuracy(c, FashionMnist.load(data, FashionMnist.Split.TEST));
        assertEquals(acc, again, 1e-12);
        // the bands are easy: well above chance after 40 steps
        assertTrue(acc > 0.5, "accuracy " + acc);
    }

    @Test
    void augmentationFlipsAndShifts() {
        float[] src = new float[2 * 784];
        for (int i = 0; i < src.length; i++) src[i] = (i % 784) / 784f;
        float[] dst = new float[784];
        ClassifierTraining.copyImage(src, 1, dst, 0, false, 0, 0);
        for (int i = 0; i < 784; i++) assertEquals(src[784 + i], dst[i]);
        ClassifierTraining.copyImage(src, 1, dst, 0, true, 0, 0);
        assertEquals(src[784 + 5 * 28 + 27], dst[5 * 28]);
        ClassifierTraining.copyImage(src, 0, dst, 0, false, 2, -1);
        assertEquals(src[3 * 28 + 4], dst[5 * 28 + 3]); // (r, c) <- (r - 2, c + 1)
        assertEquals(-1f, dst[1 * 28 + 3]); // rows shifted in from above are background
        assertEquals(-1f, dst[10 * 28 + 27]); // column shifted in from the right
    }

    @Test
    void rejectsBadArguments() {
        assertThrows(IllegalArgumentException.class, () -> ClassifierTraining.train(null, tmp, 0, 16, 1e-3, 0));
        assertThrows(IllegalArgumentException.class, () -> ClassifierTraining.train(null, tmp, 10, 16, 0, 0));
    }

    @Test
    void loadRejectsWrongTensors() throws Exception {
        Path f = tmp.resolve("w.safetensors");
        java.util.Map<String, SafeTensors.Entry> m = new java.util.LinkedHashMap<>();
        m.put("conv1.weight", SafeTensors.Entry.f32(new float[9], 1, 1, 3, 3));
        SafeTensors.write(f, m, null);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ClassifierWeights.load(f));
        assertTrue(e.getMessage().contains("conv1.weight") && e.getMessage().contains(f.toString()), e.getMessage());
    }
}
