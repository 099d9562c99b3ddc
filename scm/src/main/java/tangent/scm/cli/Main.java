package tangent.scm.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code bin/scm}: with no arguments runs the main job (sCT from scratch on a 2-D toy, about a
 * minute on 2 cores, pictures in runs/default); otherwise one of the subcommands.
 */
@Command(name = "scm", mixinStandardHelpOptions = true, version = "tangent-scm 0.1.0",
        description = {"Continuous-time consistency models (sCT/sCD on TrigFlow) on the JVM.",
                "With no arguments: the main job, sCT from scratch on the 2-D checkerboard (about a minute on 2 cores)."},
        subcommands = {TrainCommand.class, SampleCommand.class, EvalCommand.class, InfoCommand.class,
                GradcheckCommand.class, BenchCommand.class, GraphCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Callable<Integer> {
    @Override
    public Integer call() throws Exception {
        return TrainCommand.defaultJob();
    }

    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            cmd.getErr().println("scm " + cmd.getCommandName() + ": " + Errors.message(ex));
            cmd.getErr().flush();
            return 1;
        });
        return cl;
    }

    public static void main(String[] args) {
        int rc;
        try {
            rc = commandLine().execute(args);
        } catch (OutOfMemoryError e) {   // an Error: picocli's handler sees only exceptions
            System.err.println("scm: " + Errors.message(e));
            rc = 1;
        }
        System.exit(rc);
    }
}
