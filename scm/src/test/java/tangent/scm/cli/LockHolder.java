package tangent.scm.cli;

import java.nio.file.Path;
import tangent.scm.train.RunLock;

/** Child-JVM helper of ReliabilityCliTest: holds the run lock of args[0], says "locked", then sleeps until killed. */
public final class LockHolder {
    public static void main(String[] args) throws Exception {
        try (RunLock l = RunLock.acquire(Path.of(args[0]))) {
            System.out.println("locked");
            System.out.flush();
            Thread.sleep(120_000);
        }
    }
}
