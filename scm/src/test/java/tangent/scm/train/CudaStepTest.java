package tangent.scm.train;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import tangent.core.DType;
import tangent.core.Device;
import tangent.core.Rng;
import tangent.core.Tensor;
import tangent.cuda.Cuda;
import tangent.cuda.CudaPool;
import tangent.cuda.CudaScope;
import tangent.nn.AdaptiveWeight;
import tangent.nn.MlpDenoiser;
import tangent.nn.Module;
import tangent.nn.TimeConditioned;
import tangent.nn.UNet;
import tangent.nn.UNetConfig;
import tangent.nn.optim.Adam;
import tangent.nn.optim.ClipGrad;
import tangent.nn.optim.Ema;
import tangent.nn.optim.Optimizer;
import tangent.nn.optim.RAdam;
import tangent.scm.ScmObjective;
import tangent.scm.TrigFlow;

/**
 * The sCT step on CUDA against the CPU, float32 (GPU machine only: tag cuda). Tolerances: the loss
 * within 2e-4 relative; each parameter's gradient within 2e-3 relative L2 error (different
 * summation orders in GEMM, convolution and reductions; the loss is a difference of nearby terms);
 * optimizer and EMA updates within 1e-6 relative to the parameter scale (same double arithmetic,
 * float32 storage; FMA contraction may move the last bit).
 */
@Tag("cuda")
class CudaStepTest {
    static final UNetConfig TINY = new UNetConfig(2, 8, 8, new int[] {1, 2, 2}, 1, 0.0);

    @BeforeAll
    static void init() {
        Cuda.init();
    }

    interface Net {
        Module make();
    }

    static double relL2(double[] a, double[] b) {
        double d = 0, n = 0;
        for (int i = 0; i < a.length; i++) {
            d += (a[i] - b[i]) * (a[i] - b[i]);
            n += b[i] * b[i];
        }
        return Math.sqrt(d) / Math.max(Math.sqrt(n), 1e-6); // absolute floor for (near-)zero gradients
    }

    /** Loss and gradients of one sCT step (fixed x0, z, t) on both devices. */
    static void compareStep(Net make, int[] shape, long step) {
        Rng rng = new Rng(3);
        Tensor x0 = rng.uniform(DType.F32, -1, 1, shape);
        TrigFlow tf = TrigFlow.defaults();
        Tensor t = tf.sampleTimes(rng, shape[0], DType.F32);
        Tensor z = rng.normal(DType.F32, shape).mul(tf.sigmaD);

        Module cpuNet = make.make();
        AdaptiveWeight cpuW = new AdaptiveWeight(DType.F32);
        cpuW.fc.weight().copyFrom(rng.normal(DType.F32, 1, AdaptiveWeight.DIM).mul(0.1)); // a non-trivial weight head
        Module gpuNet = make.make();
        AdaptiveWeight gpuW = new AdaptiveWeight(DType.F32);
        gpuW.fc.weight().copyFrom(cpuW.fc.weight());
        gpuNet.to(Device.CUDA);
        gpuW.to(Device.CUDA);

        Tensor lc = new ScmObjective(tf, ScmObjective.Method.SCT, (TimeConditioned) cpuNet, cpuW::forward, null).loss(x0, z, t, step);
        lc.backward();
        double lossCpu = lc.item();
        try (CudaScope scope = CudaScope.open()) {
            Tensor lg = new ScmObjective(tf, ScmObjective.Method.SCT, (TimeConditioned) gpuNet, gpuW::forward, null)
                    .loss(Cuda.to(x0, Device.CUDA), Cuda.to(z, Device.CUDA), Cuda.to(t, Device.CUDA), step);
            assertEquals(Device.CUDA, lg.device());
            lg.backward();
            double lossGpu = lg.item();
            assertEquals(lossCpu, lossGpu, 2e-4 * Math.max(1, Math.abs(lossCpu)), "loss cpu " + lossCpu + " cuda " + lossGpu);
            List<String> bad = new ArrayList<>();
            double worst = 0;
            Map<String, Tensor> pc = new LinkedHashMap<>(), pg = new LinkedHashMap<>();
            cpuNet.namedParameters().forEach((k, v) -> pc.put("net." + k, v));
            cpuW.namedParameters().forEach((k, v) -> pc.put("w." + k, v));
            gpuNet.namedParameters().forEach((k, v) -> pg.put("net." + k, v));
            gpuW.namedParameters().forEach((k, v) -> pg.put("w." + k, v));
            for (String k : pc.keySet()) {
                Tensor gc = pc.get(k).grad(), gg = pg.get(k).grad();
                assertNotNull(gc, k);
                assertNotNull(gg, k);
                assertEquals(Device.CUDA, gg.device(), k);
                double e = relL2(gg.toDoubleArray(), gc.toDoubleArray());
                worst = Math.max(worst, e);
                if (!(e <= 2e-3)) bad.add(k + " rel err " + e);
            }
            System.out.printf("CudaStepTest: loss cpu %.7f cuda %.7f; worst gradient rel L2 error %.2e over %d tensors%n", lossCpu, lossGpu,
                    worst, pc.size());
            assertTrue(bad.isEmpty(), "gradients differ: " + bad);
        }
    }

    @Test
    void sctStepMatchesCpuTinyUNet() {
        compareStep(() -> new UNet(TINY, DType.F32, 5), new int[] {4, 2, 8, 8}, 20000);
        compareStep(() -> new UNet(TINY, DType.F32, 5), new int[] {4, 2, 8, 8}, 500); // tangent warm-up r < 1
    }

    @Test
    void sctStepMatchesCpuMlp() {
        compareStep(() -> new MlpDenoiser(2, 128, 3, DType.F32, 0), new int[] {64, 2}, 20000);
    }

    interface MakeOpt {
        Optimizer make(Map<String, Tensor> p);
    }

    static void compareOptimizer(MakeOpt make, boolean tensorOps) {
        Rng rng = new Rng(11);
        Tensor a = rng.normal(DType.F32, 37, 19), b = rng.normal(DType.F32, 1000);
        Map<String, Tensor> pc = new LinkedHashMap<>(), pg = new LinkedHashMap<>();
        pc.put("a", a.detach().add(0).requiresGrad(true));
        pc.put("b", b.detach().add(0).requiresGrad(true));
        pg.put("a", Cuda.to(a, Device.CUDA).requiresGrad(true));
        pg.put("b", Cuda.to(b, Device.CUDA).requiresGrad(true));
        Optimizer oc = make.make(pc), og = make.make(pg);
        Optimizer.forceTensorOps = tensorOps;
        try {
            for (int s = 1; s <= 12; s++) {
                try (CudaScope scope = CudaScope.open()) {
                    for (String k : pc.keySet()) {
                        Tensor g = rng.normal(DType.F32, pc.get(k).shape()).mul(0.1 * s);
                        pc.get(k).setGrad(g);
                        pg.get(k).setGrad(Cuda.to(g, Device.CUDA));
                    }
                    oc.step();
                    og.step();
                    oc.zeroGrad();
                    og.zeroGrad();
                }
                for (String k : pc.keySet()) {
                    assertEquals(Device.CUDA, og.state().get(k).m.device());
                    assertArrayEquals(pc.get(k).toFloatArray(), pg.get(k).toFloatArray(), tensorOps ? 2e-5f : 1e-6f,
                            oc.kind() + " " + k + " after step " + s + (tensorOps ? " (tensor ops)" : " (fused)"));
                    assertArrayEquals(oc.state().get(k).v.toFloatArray(), og.state().get(k).v.toFloatArray(), tensorOps ? 1e-5f : 1e-6f);
                }
            }
        } finally {
            Optimizer.forceTensorOps = false;
        }
    }

    @Test
    void optimizerUpdatesOnCudaMatchCpu() {
        for (boolean ops : new boolean[] {false, true}) {
            compareOptimizer(p -> RAdam.scmDefault(p), ops);
            compareOptimizer(p -> new RAdam(p, 1e-2, 0.9, 0.99, 1e-8, 0.01, true), ops);
            compareOptimizer(p -> new Adam(p, 1e-3, 0.9, 0.999, 1e-8, 0.01, false), ops);
            compareOptimizer(p -> Adam.adamW(p, 1e-3, 0.9, 0.999, 1e-8, 0.01), ops);
        }
    }

    @Test
    void emaAndClipOnCudaMatchCpu() {
        for (boolean ops : new boolean[] {false, true}) {
            MlpDenoiser c = new MlpDenoiser(2, 64, 2, DType.F32, 1), g = new MlpDenoiser(2, 64, 2, DType.F32, 1);
            g.to(Device.CUDA);
            Ema ec = Ema.power(c, 6.94), eg = Ema.power(g, 6.94);
            Ema.forceTensorOps = ops;
            Rng rng = new Rng(2);
            try {
                for (int s = 0; s < 5; s++) {
                    for (Map.Entry<String, Tensor> e : c.namedParameters().entrySet()) {
                        Tensor nv = rng.normal(DType.F32, e.getValue().shape());
                        e.getValue().copyFrom(nv);
                        g.namedParameters().get(e.getKey()).copyFrom(Cuda.to(nv, Device.CUDA));
                    }
                    ec.update(c);
                    eg.update(g);
                }
            } finally {
                Ema.forceTensorOps = false;
            }
            for (String k : ec.shadow().keySet()) {
                assertEquals(Device.CUDA, eg.shadow().get(k).device());
                assertArrayEquals(ec.shadow().get(k).toFloatArray(), eg.shadow().get(k).toFloatArray(), 1e-6f, "ema " + k);
            }
            eg.swap(g);
            eg.swap(g);
        }
        // clipping
        Rng rng = new Rng(4);
        List<Tensor> pc = new ArrayList<>(), pg = new ArrayList<>();
        try (CudaScope scope = CudaScope.open()) {
            for (int i = 0; i < 3; i++) {
                Tensor p = rng.normal(DType.F32, 50 + i).requiresGrad(true);
                Tensor q = Cuda.to(p, Device.CUDA).requiresGrad(true);
                Tensor gr = rng.normal(DType.F32, 50 + i);
                p.setGrad(gr);
                q.setGrad(Cuda.to(gr, Device.CUDA));
                pc.add(p);
                pg.add(q);
            }
            double nc = ClipGrad.clipGradNorm(pc, 1.0), ng = ClipGrad.clipGradNorm(pg, 1.0);
            assertEquals(nc, ng, 1e-5 * nc);
            for (int i = 0; i < 3; i++) assertArrayEquals(pc.get(i).grad().toFloatArray(), pg.get(i).grad().toFloatArray(), 1e-6f);
        }
    }

    /** Several bench-style steps in scopes: nothing kept is closed, and live device memory stops growing. */
    @Test
    void stepsInScopesKeepStateAndDoNotLeak() {
        Module net = new UNet(TINY, DType.F32, 1);
        AdaptiveWeight w = new AdaptiveWeight(DType.F32);
        Module cnet = new UNet(TINY, DType.F32, 1);
        AdaptiveWeight cw = new AdaptiveWeight(DType.F32);
        net.to(Device.CUDA);
        w.to(Device.CUDA);
        Map<String, Tensor> params = new LinkedHashMap<>(), cparams = new LinkedHashMap<>();
        net.namedParameters().forEach((k, v) -> params.put("net." + k, v));
        w.namedParameters().forEach((k, v) -> params.put("weight." + k, v));
        cnet.namedParameters().forEach((k, v) -> cparams.put("net." + k, v));
        cw.namedParameters().forEach((k, v) -> cparams.put("weight." + k, v));
        RAdam opt = RAdam.scmDefault(params), copt = RAdam.scmDefault(cparams);
        Ema ema = Ema.fixed(net, 0.99), cema = Ema.fixed(cnet, 0.99);
        TrigFlow tf = TrigFlow.defaults();
        ScmObjective obj = new ScmObjective(tf, ScmObjective.Method.SCT, (TimeConditioned) net, w::forward, null);
        ScmObjective cobj = new ScmObjective(tf, ScmObjective.Method.SCT, (TimeConditioned) cnet, cw::forward, null);
        Rng rng = new Rng(9);
        int[] shape = {4, 2, 8, 8};
        Tensor x0c = rng.uniform(DType.F32, -1, 1, shape);
        Tensor x0 = Cuda.to(x0c, Device.CUDA);
        long live2 = -1;
        for (int s = 0; s < 5; s++) {
            Tensor t = tf.sampleTimes(rng, 4, DType.F32), z = rng.normal(DType.F32, shape).mul(tf.sigmaD);
            double lg, lc;
            try (CudaScope scope = CudaScope.open()) {
                Tensor loss = obj.loss(x0, Cuda.to(z, Device.CUDA), Cuda.to(t, Device.CUDA), 20000);
                lg = loss.item();
                loss.backward();
                opt.step();
                opt.zeroGrad();
                ema.update(net);
            }
            Tensor closs = cobj.loss(x0c, z, t, 20000);
            lc = closs.item();
            closs.backward();
            copt.step();
            copt.zeroGrad();
            cema.update(cnet);
            assertEquals(lc, lg, 1e-3 * Math.max(1, Math.abs(lc)), "loss at step " + s);
            Cuda.synchronize();
            if (s == 2) live2 = CudaPool.liveBlocks();
            if (s == 4) assertEquals(live2, CudaPool.liveBlocks(), "live device blocks grew between steps 2 and 4: " + CudaPool.stats());
        }
        for (Map.Entry<String, Tensor> e : cparams.entrySet()) {
            double err = relL2(params.get(e.getKey()).toDoubleArray(), e.getValue().toDoubleArray());
            assertTrue(err < 1e-4, e.getKey() + " after 5 steps: rel err " + err);
        }
    }
}
