package tangent.nn;

import static org.junit.jupiter.api.Assertions.*;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tangent.core.DType;
import tangent.core.Device;
import tangent.core.Rng;
import tangent.core.Tensor;
import tangent.nn.layers.PositionalEmbedding;
import tangent.nn.optim.Ema;
import tangent.nn.optim.Optimizer;
import tangent.nn.optim.RAdam;

/**
 * Module.to moves every parameter and buffer (checked on a stand-in second device that only
 * stores tensors: no GPU here), leaves no tensor of the old device in the module tree, and layers
 * compute with the module's current tensors; optimizer moments and EMA shadows follow their
 * parameters, and a round trip changes no bit of training.
 */
class ModuleToTest {
    @BeforeAll
    static void device() {
        HostBackedDevice.install();
    }

    /**
     * Every Tensor held in a field of a module of the tree (what a layer could read without the
     * module); fails on a module with tensors held in a field but not registered as a child.
     */
    static Map<String, Tensor> tensorFields(Module root) throws IllegalAccessException {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Module> e : root.namedModules().entrySet())
            for (Class<?> c = e.getValue().getClass(); c != Module.class && c != Object.class; c = c.getSuperclass())
                for (Field f : c.getDeclaredFields()) {
                    if (Modifier.isStatic(f.getModifiers())) continue;
                    f.setAccessible(true);
                    Object v = f.get(e.getValue());
                    if (v instanceof Tensor t) out.put(e.getKey() + "#" + f.getName(), t);
                    if (v instanceof Module m && !root.namedModules().containsValue(m)
                            && !(m.namedParameters().isEmpty() && m.namedBuffers().isEmpty()))
                        fail("module " + e.getKey() + " holds an unregistered module with tensors in field " + f.getName()
                                + ": Module.to cannot reach it");
                }
        return out;
    }

    @Test
    void movesEveryParameterAndBufferAndLeavesNothingBehind() throws Exception {
        MlpDenoiser net = new MlpDenoiser(2, 16, 2, DType.F32, 3);
        Map<String, Tensor> before = net.namedParameters(), buffersBefore = net.namedBuffers();
        assertTrue(buffersBefore.keySet().stream().anyMatch(k -> k.endsWith("freqs_f32")), "the embedding registers its frequencies");
        assertSame(net, net.to(Device.CUDA));
        Map<String, Tensor> after = net.namedParameters(), buffersAfter = net.namedBuffers();
        assertEquals(before.keySet(), after.keySet());
        assertEquals(buffersBefore.keySet(), buffersAfter.keySet());
        for (String k : before.keySet()) {
            Tensor p = after.get(k);
            assertEquals(Device.CUDA, p.device(), k);
            assertTrue(p.requiresGrad(), k + " is a parameter");
            assertArrayEquals(before.get(k).toFloatArray(), p.toFloatArray(), k);
        }
        for (String k : buffersBefore.keySet()) {
            assertEquals(Device.CUDA, buffersAfter.get(k).device(), k);
            assertFalse(buffersAfter.get(k).requiresGrad(), k + " is a buffer");
            assertArrayEquals(buffersBefore.get(k).toDoubleArray(), buffersAfter.get(k).toDoubleArray(), k);
        }
        Map<String, Tensor> stale = tensorFields(net);
        stale.values().removeIf(t -> t.device() == Device.CUDA);
        assertTrue(stale.isEmpty(), "tensor fields still on the CPU after the move: " + stale.keySet());
    }

    @Test
    void layersComputeWithTheModulesCurrentTensors() {
        MlpDenoiser net = new MlpDenoiser(2, 16, 2, DType.F32, 5);
        Rng rng = new Rng(2);
        Tensor x = rng.normal(DType.F32, 4, 2), t = rng.uniform(DType.F32, 0.1, 1.5, 4);
        float[] y0 = net.forward(x, t).toFloatArray();
        net.to(Device.CUDA).to(Device.CPU);
        assertArrayEquals(y0, net.forward(x, t).toFloatArray(), "a round trip keeps every bit");
        // change one weight through the module's map: the layer must see it
        Tensor w = net.namedParameters().get("fc_out.weight");
        w.copyFrom(w.mul(2.0).detach());
        assertNotEquals(y0[0], net.forward(x, t).toFloatArray()[0]);
        assertSame(w, net.fcOut.weight());
    }

    @Test
    void positionalEmbeddingReadsItsBuffers() {
        PositionalEmbedding pe = new PositionalEmbedding(8);
        Tensor t = Tensor.of(new double[] {0.5, 2.0}, 2);
        double[] y = pe.forward(t).toDoubleArray();
        assertEquals(Math.cos(0.5), y[0], 1e-15);
        assertEquals(Math.sin(2.0 * Math.pow(1e-4, 0.25)), y[8 + 5], 1e-15);
        pe.to(Device.CUDA);
        for (Tensor b : pe.namedBuffers().values()) assertEquals(Device.CUDA, b.device());
    }

    /** Three RAdam steps and EMA updates on a model; in between, optionally a round trip of model, optimizer and EMA. */
    static Map<String, float[]> train(boolean roundTrip) {
        MlpDenoiser net = new MlpDenoiser(2, 16, 2, DType.F32, 9);
        Optimizer opt = RAdam.scmDefault(net.namedParameters());
        Ema ema = Ema.fixed(net, 0.9);
        Rng rng = new Rng(4);
        for (int step = 0; step < 3; step++) {
            if (roundTrip && step == 1) {
                net.to(Device.CUDA);
                opt.rebind(net.namedParameters());
                for (Optimizer.State s : opt.state().values()) assertEquals(Device.CUDA, s.m.device(), "moments follow");
                ema.swap(net);
                ema.swap(net); // twice: the training weights again; the shadows followed lazily
                for (Tensor s : ema.shadow().values()) assertEquals(Device.CUDA, s.device(), "shadows follow");
                net.to(Device.CPU);
                opt.rebind(net.namedParameters());
                ema.swap(net);
                ema.swap(net); // restores the training weights
            }
            Tensor x = rng.normal(DType.F32, 4, 2), t = rng.uniform(DType.F32, 0.1, 1.5, 4);
            net.zeroGrad();
            net.forward(x, t).square().sum().backward();
            opt.step();
            ema.update(net);
        }
        Map<String, float[]> out = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : net.namedParameters().entrySet()) out.put(e.getKey(), e.getValue().toFloatArray());
        for (Map.Entry<String, Optimizer.State> e : opt.state().entrySet()) out.put("m:" + e.getKey(), e.getValue().m.toFloatArray());
        for (Map.Entry<String, Tensor> e : ema.shadow().entrySet()) out.put("ema:" + e.getKey(), e.getValue().toFloatArray());
        return out;
    }

    @Test
    void optimizerStateAndEmaFollowTheParametersBitForBit() {
        Map<String, float[]> stay = train(false), moved = train(true);
        assertEquals(stay.keySet(), moved.keySet());
        for (String k : stay.keySet()) assertArrayEquals(stay.get(k), moved.get(k), k);
    }

    @Test
    void rebindRefusesAMismatchedParameter() {
        MlpDenoiser net = new MlpDenoiser(2, 16, 2, DType.F32, 9);
        Optimizer opt = RAdam.scmDefault(net.namedParameters());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> opt.rebind(Map.of("fc_out.bias", Tensor.zeros(DType.F32, 3).requiresGrad(true))));
        assertTrue(e.getMessage().contains("fc_out.bias"), e.getMessage());
    }
}
