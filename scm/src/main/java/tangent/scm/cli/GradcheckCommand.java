package tangent.scm.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import tangent.core.check.Gradcheck;

@Command(name = "gradcheck", mixinStandardHelpOptions = true,
        description = "Checks every op's JVP and VJP rules against central finite differences in float64; exits 1 on any failure.")
public final class GradcheckCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        int failures = Gradcheck.runAll(System.out);
        return failures > 0 ? 1 : 0;
    }
}
