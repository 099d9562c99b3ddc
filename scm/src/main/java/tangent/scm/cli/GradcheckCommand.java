package tangent.scm.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import tangent.core.check.Gradcheck;

@Command(name = "gradcheck", mixinStandardHelpOptions = true,
        description = {"Checks every op's JVP and VJP rules, and the JVP of each VJP rule and the VJP of each JVP rule,",
                "against central finite differences in float64; a header says what each column measures.",
                "The last line is 'N passed, M failed'; exits 1 on any failure."})
public final class GradcheckCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--op", paramLabel = "NAME", description = "Only the cases of this op (e.g. conv2d, group_norm, silu, softmax).")
    String op;

    @Option(names = "--verbose", description = "Print the engine's values beside the finite differences (first entries).")
    boolean verbose;

    @Override
    public Integer call() {
        try {
            return Gradcheck.runAll(System.out, op, verbose) > 0 ? 1 : 0;
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--op: " + e.getMessage());
        }
    }
}
