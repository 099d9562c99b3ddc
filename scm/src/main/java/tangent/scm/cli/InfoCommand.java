package tangent.scm.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tangent.core.DType;
import tangent.nn.Module;
import tangent.nn.Summary;
import tangent.scm.models.Models;

@Command(name = "info", mixinStandardHelpOptions = true, description = "Prints a model's layers and its parameter count (last line: params: N).")
public final class InfoCommand implements Callable<Integer> {
    @Option(names = "--model", defaultValue = "fmnist-xs", description = "fmnist-xs, fmnist-s, cifar-m or mlp (default: ${DEFAULT-VALUE}).")
    String model;

    @Override
    public Integer call() {
        Models.check(model);
        Module m = Models.create(model, DType.F32, 0);
        System.out.println("model " + model + (Models.isImage(model) ? " " + Models.config(model) : " (2-D MLP denoiser)"));
        for (String line : Summary.of(m).split("\n"))
            if (!line.startsWith("params:")) System.out.println(line);
        System.out.println("params: " + m.parameterCount());
        return 0;
    }
}
