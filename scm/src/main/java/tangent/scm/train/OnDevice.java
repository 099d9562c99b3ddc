package tangent.scm.train;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tangent.core.DType;
import tangent.core.Device;
import tangent.core.Tensor;
import tangent.cuda.Cuda;
import tangent.cuda.CudaOptim;
import tangent.nn.Module;
import tangent.nn.layers.PositionalEmbedding;
import tangent.nn.optim.DeviceKernels;
import tangent.nn.optim.Optimizer;

/**
 * Puts a model built on the CPU onto another device (CUDA) for the sCT step.
 *
 * <p>{@link Module} keeps its parameters in a private map and the layers keep them in final
 * fields, with no setter (nn/Module.java), so {@link #moveTo} swaps them by reflection: every
 * registered parameter is replaced, in the module's map and in every field that referenced it, by
 * a copy on the device marked requiresGrad; every other tensor field (constants such as the
 * positional embedding's frequencies) by a plain copy. The CPU tensors are no longer referenced
 * by the model afterwards. (A reflection-free form needs nn: a {@code Module.replaceParameter}
 * and layers that read their weights through it, or construction on a device.)
 *
 * <p>Device tensors made here are owned by the caller (never inside a CudaScope): call it before
 * the training loop opens its per-step scopes.
 */
public final class OnDevice {
    private OnDevice() {}

    /** Parses --device: cpu or cuda. */
    public static Device parse(String device) {
        return switch (device) {
            case "cpu" -> Device.CPU;
            case "cuda" -> Device.CUDA;
            default -> throw new IllegalArgumentException("--device must be cpu or cuda, got '" + device + "'");
        };
    }

    /** Initialises the device's backend (CUDA: driver, kernels) and the optimizers' fused kernels for it. */
    public static void init(Device device) {
        if (device == Device.CPU) return;
        Cuda.init();
        DeviceKernels.register(Device.CUDA, CUDA_KERNELS);
    }

    /** The fused CUDA optimizer kernels (tangent.cuda.CudaOptim) behind nn.optim's hook. */
    static final DeviceKernels CUDA_KERNELS = new DeviceKernels() {
        @Override
        public boolean adam(Tensor p, Tensor g, Tensor m, Tensor v, Optimizer.Coefs c) {
            if (p.dtype() != DType.F32 && p.dtype() != DType.F64) return false;
            int mode = switch (c.mode()) {
                case ADAM -> CudaOptim.ADAM;
                case RADAM_RECT -> CudaOptim.RADAM_RECT;
                case RADAM_PLAIN -> CudaOptim.RADAM_PLAIN;
            };
            CudaOptim.adam(p, g, m, v, mode, c.decay(), c.l2(), c.b1(), c.b2(), c.a(), c.c(), c.eps(), c.bc1(), c.r());
            return true;
        }

        @Override
        public boolean ema(Tensor shadow, Tensor p, double beta) {
            if (!p.isCompact() || p.offset() != 0 || p.storage().length() != p.numel() || p.dtype() != shadow.dtype()) return false;
            CudaOptim.ema(shadow, p, beta);
            return true;
        }
    };

    /** A detached copy of x on the device (x itself, detached, if already there). */
    public static Tensor to(Tensor x, Device device) {
        if (x.device() == device) return x.detach();
        if (device == Device.CUDA || x.device() == Device.CUDA) return Cuda.to(x.detach(), device);
        throw new IllegalArgumentException("no route from " + x.device() + " to " + device);
    }

    /** Moves every parameter and tensor constant of the module tree to the device, in place. Returns the count of tensors moved. */
    public static int moveTo(Module root, Device device) {
        if (device != Device.CPU) init(device);
        // the positional embeddings cache their frequency vectors lazily: make both now, so they move too
        List<Module> modules = reachableModules(root);
        for (Module m : modules)
            if (m instanceof PositionalEmbedding pe) {
                pe.forward(Tensor.zeros(DType.F32, 1));
                pe.forward(Tensor.zeros(DType.F64, 1));
            }
        Map<Tensor, Tensor> moved = new IdentityHashMap<>();
        try {
            Field paramsField = Module.class.getDeclaredField("params");
            paramsField.setAccessible(true);
            for (Module m : modules) {
                @SuppressWarnings("unchecked")
                Map<String, Tensor> params = (Map<String, Tensor>) paramsField.get(m);
                for (Map.Entry<String, Tensor> e : params.entrySet()) {
                    Tensor old = e.getValue();
                    Tensor nu = moved.computeIfAbsent(old, o -> to(o, device).requiresGrad(true));
                    e.setValue(nu);
                }
            }
            for (Module m : modules)
                for (Class<?> c = m.getClass(); c != null && c != Module.class && c != Object.class; c = c.getSuperclass())
                    for (Field f : c.getDeclaredFields()) {
                        if (Modifier.isStatic(f.getModifiers()) || f.getType() != Tensor.class) continue;
                        f.setAccessible(true);
                        Tensor old = (Tensor) f.get(m);
                        if (old == null || old.device() == device) continue;
                        f.set(m, moved.computeIfAbsent(old, o -> to(o, device)));
                    }
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("cannot move the model to " + device + ": " + e, e);
        }
        for (Map.Entry<String, Tensor> e : root.namedParameters().entrySet())
            if (e.getValue().device() != device || !e.getValue().requiresGrad())
                throw new IllegalStateException("moveTo: parameter " + e.getKey() + " is on " + e.getValue().device() + " after the move");
        return moved.size();
    }

    /** The module, its registered children and any module held in a field (e.g. AdaptiveWeight.pos), each once. */
    static List<Module> reachableModules(Module root) {
        Set<Module> seen = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        List<Module> out = new ArrayList<>();
        List<Module> todo = new ArrayList<>(List.of(root));
        while (!todo.isEmpty()) {
            Module m = todo.remove(todo.size() - 1);
            if (!seen.add(m)) continue;
            out.add(m);
            todo.addAll(m.children().values());
            for (Class<?> c = m.getClass(); c != null && c != Module.class && c != Object.class; c = c.getSuperclass())
                for (Field f : c.getDeclaredFields()) {
                    if (Modifier.isStatic(f.getModifiers())) continue;
                    Object v;
                    try {
                        f.setAccessible(true);
                        v = f.get(m);
                    } catch (ReflectiveOperationException | RuntimeException e) {
                        continue;
                    }
                    if (v instanceof Module mm) todo.add(mm);
                    else if (v instanceof Collection<?> col) {
                        for (Object o : col) if (o instanceof Module mm) todo.add(mm);
                    } else if (v instanceof Object[] arr) {
                        for (Object o : arr) if (o instanceof Module mm) todo.add(mm);
                    }
                }
        }
        return out;
    }
}
