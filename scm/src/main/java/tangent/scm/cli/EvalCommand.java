package tangent.scm.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code scm eval}: Frechet distance of samples in classifier feature space (placeholder). */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Frechet distance (FD) of samples to the Fashion-MNIST test set in classifier feature space.")
public final class EvalCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        throw new UnsupportedOperationException("scm eval: not implemented yet");
    }
}
