package tangent.scm.train;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tangent.core.DType;
import tangent.core.Rng;
import tangent.core.Tensor;
import tangent.nn.AdaptiveWeight;
import tangent.nn.MlpDenoiser;
import tangent.nn.Module;
import tangent.nn.optim.Ema;
import tangent.nn.optim.Optimizer;
import tangent.nn.optim.RAdam;
import tangent.scm.ScmObjective;
import tangent.scm.models.Models;

/**
 * --resume and --teacher with a checkpoint of another model: a clear error naming the file and the
 * first problem, and nothing loaded (the checks run before any tensor is copied).
 */
class TrainerCheckpointMismatchTest {
    @TempDir Path dir;

    static PrintStream sink() {
        return new PrintStream(new ByteArrayOutputStream());
    }

    /** A checkpoint of net (EMA = its weights) with the given scm metadata, as the trainer writes it. */
    static Path write(Path file, Module net, String model, String method) throws IOException {
        java.nio.file.Files.createDirectories(file.getParent());
        Checkpoint.TrainState s = new Checkpoint.TrainState(net, new AdaptiveWeight(DType.F32));
        RAdam opt = new RAdam(s.namedParameters(), 1e-3, 0.9, 0.99, 1e-8, 0, false);
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(Checkpoint.MODEL, model);
        meta.put(Checkpoint.DATASET, "eight_gaussians");
        meta.put(Checkpoint.METHOD, method);
        Checkpoint.save(file, s, opt, Ema.fixed(net, 0.999), 3, new Rng(1), new double[] {1, 2, 3}, meta);
        return file;
    }

    /** The mlp's layer names with other widths: what a checkpoint of another architecture looks like. */
    static Module narrowMlp() {
        return new MlpDenoiser(2, 64, 3, DType.F32, 5);
    }

    static Trainer.Config cfg(Path out) {
        Trainer.Config c = TrainerResumeTest.cfg(out, 4);
        c.resume = true;
        return c;
    }

    @Test
    void resumeFromAnotherModelNamesTheFileAndTheProblem() throws IOException {
        Path other = dir.resolve("other");
        Path f = write(other.resolve(Checkpoint.FILE), Models.create("fmnist-xs", DType.F32, 1), "fmnist-xs", "sct");
        IOException e = assertThrows(IOException.class, () -> new Trainer(cfg(other), sink()));
        assertTrue(e.getMessage().startsWith("--resume: checkpoint " + f + ": metadata 'scm.model' is 'fmnist-xs' in the file but 'mlp' here"),
                e.getMessage());

        Path narrow = dir.resolve("narrow");
        f = write(narrow.resolve(Checkpoint.FILE), narrowMlp(), "mlp", "sct");
        e = assertThrows(IOException.class, () -> new Trainer(cfg(narrow), sink()));
        assertTrue(e.getMessage().contains("checkpoint " + f + ": tensor 'net.") && e.getMessage().contains("has shape [64"), e.getMessage());

        Path teacher = dir.resolve("teacher");
        f = write(teacher.resolve(Checkpoint.FILE), Models.create("mlp", DType.F32, 1), "mlp", "teacher");
        e = assertThrows(IOException.class, () -> new Trainer(cfg(teacher), sink()));
        assertTrue(e.getMessage().contains(f + ": metadata 'scm.method' is 'teacher' in the file but 'sct' here"), e.getMessage());
    }

    static List<float[]> everything(Checkpoint.TrainState s, Optimizer opt, Ema ema) {
        List<float[]> out = new ArrayList<>();
        for (Tensor p : s.parameters()) out.add(p.toFloatArray());
        for (Tensor p : ema.shadow().values()) out.add(p.toFloatArray());
        for (Optimizer.State st : opt.state().values()) {
            out.add(st.m.toFloatArray());
            out.add(st.v.toFloatArray());
            out.add(new float[] {st.step});
        }
        out.add(new float[] {ema.updates()});
        return out;
    }

    @Test
    void aMismatchedResumeLeavesEverythingUnchanged() throws IOException {
        Path f = write(dir.resolve("narrow.safetensors"), narrowMlp(), "mlp", "sct");
        Module net = Models.create("mlp", DType.F32, 7);
        Checkpoint.TrainState s = new Checkpoint.TrainState(net, new AdaptiveWeight(DType.F32));
        RAdam opt = new RAdam(s.namedParameters(), 1e-3, 0.9, 0.99, 1e-8, 0, false);
        Ema ema = Ema.fixed(net, 0.999);
        // some state, so "unchanged" is not "all zeros"
        s.parameters().get(0).sum().backward();
        opt.step();
        ema.update(net);
        List<float[]> before = everything(s, opt, ema);
        Map<String, String> expect = Map.of(Checkpoint.MODEL, "mlp", Checkpoint.METHOD, "sct");
        IOException e = assertThrows(IOException.class, () -> Checkpoint.resume(f, s, opt, ema, expect));
        assertTrue(e.getMessage().startsWith("checkpoint " + f + ": tensor 'net."), e.getMessage());
        List<float[]> after = everything(s, opt, ema);
        for (int i = 0; i < before.size(); i++) assertArrayEquals(before.get(i), after.get(i), "item " + i);

        // and the matching file resumes: step, Rng, losses come back
        Path g = write(dir.resolve("good.safetensors"), Models.create("mlp", DType.F32, 8), "mlp", "sct");
        Checkpoint.Resumed r = Checkpoint.resume(g, s, opt, ema, expect);
        assertEquals(3, r.step());
        assertArrayEquals(new double[] {1, 2, 3}, r.losses());
        assertEquals(1, r.data().seed());
    }

    @Test
    void teacherOfAnotherModelIsRejectedAndNothingLoaded() throws IOException {
        Path fx = write(dir.resolve("fx.safetensors"), Models.create("fmnist-xs", DType.F32, 1), "fmnist-xs", "teacher");
        Path narrow = write(dir.resolve("narrow.safetensors"), narrowMlp(), "mlp", "teacher");
        for (ScmObjective.Method m : new ScmObjective.Method[] {ScmObjective.Method.SCD, ScmObjective.Method.SCT}) {
            Trainer.Config c = TrainerResumeTest.cfg(dir.resolve("run-" + m), 2);
            c.method = m;
            c.teacher = fx;
            IOException e = assertThrows(IOException.class, () -> new Trainer(c, sink()));
            assertTrue(e.getMessage().startsWith("--teacher: checkpoint " + fx + ": metadata 'scm.model' is 'fmnist-xs' in the file but 'mlp' here"),
                    e.getMessage());
            c.teacher = narrow;
            e = assertThrows(IOException.class, () -> new Trainer(c, sink()));
            assertTrue(e.getMessage().startsWith("--teacher: checkpoint " + narrow + ": tensor 'ema."), e.getMessage());
        }
        Module net = Models.create("mlp", DType.F32, 7);
        List<float[]> before = new ArrayList<>();
        for (Tensor p : net.parameters()) before.add(p.toFloatArray());
        assertThrows(IOException.class, () -> Checkpoint.loadTeacherInto(narrow, net, "mlp", 0.5));
        for (int i = 0; i < before.size(); i++) assertArrayEquals(before.get(i), net.parameters().get(i).toFloatArray(), "param " + i);
    }
}
