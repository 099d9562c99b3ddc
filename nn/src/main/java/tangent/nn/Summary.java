package tangent.nn;

import java.util.Arrays;
import java.util.Map;
import tangent.core.Tensor;

/** A plain-text table of a module's parameter-owning submodules. */
public final class Summary {
    private Summary() {}

    /** One row per submodule that owns parameters: name, type, parameter shapes, count; then the total. */
    public static String of(Module root) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("%-28s %-16s %-34s %10s%n", "module", "type", "parameters", "count"));
        for (Map.Entry<String, Module> e : root.namedModules().entrySet()) {
            Map<String, Tensor> own = e.getValue().directParameters();
            if (own.isEmpty()) continue;
            StringBuilder shapes = new StringBuilder();
            long n = 0;
            for (Map.Entry<String, Tensor> p : own.entrySet()) {
                if (shapes.length() > 0) shapes.append(' ');
                shapes.append(p.getKey()).append(Arrays.toString(p.getValue().shape()).replace(" ", ""));
                n += p.getValue().numel();
            }
            sb.append(String.format("%-28s %-16s %-34s %,10d%n", e.getKey(), e.getValue().getClass().getSimpleName(), shapes, n));
        }
        sb.append(String.format("params: %,d%n", root.parameterCount()));
        return sb.toString();
    }
}
