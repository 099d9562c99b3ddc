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
