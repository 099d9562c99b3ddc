package tangent.scm.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import tangent.nn.CheckpointIO;
import tangent.scm.train.Memory;

/**
 * The one place that turns what a command throws into the one line the user reads: what is wrong,
 * with which file, and what to do. JDK file-system exceptions (whose message is often just a path)
 * get their reason spelled out; text from files is printed with control characters escaped.
 */
final class Errors {
    private Errors() {}

    /** The message for t, without the "scm CMD: " prefix, on one line. */
    static String message(Throwable t) {
        if (t instanceof UncheckedIOException u && u.getCause() != null) t = u.getCause();
        String m;
        if (t instanceof FileSystemException f) m = fileSystem(f);
        else if (t instanceof OutOfMemoryError)
            m = "out of memory (this JVM may use " + Memory.human(Runtime.getRuntime().maxMemory()) + ", java -Xmx): use a smaller"
                    + " --batch or -n, or give the JVM more memory";
        else if (t instanceof IOException && t.getMessage() != null && t.getMessage().startsWith("No space left"))
            m = "no space left on the device: " + t.getMessage() + "; free some space or write elsewhere (--out)";
        else if (t.getMessage() == null || t.getMessage().isBlank())
            m = "internal error " + t.getClass().getName() + " (please report it with the command line)";
        else if (t instanceof IllegalArgumentException || t instanceof IOException || t instanceof IllegalStateException
                || t instanceof UnsupportedOperationException || t instanceof RuntimeException && t.getClass().getName().startsWith("tangent."))
            m = t.getMessage();
        else m = "internal error " + t.getClass().getSimpleName() + ": " + t.getMessage() + " (please report it with the command line)";
        return CheckpointIO.printable(m.strip()).replace("\\u000a", " ");
    }

    private static String fileSystem(FileSystemException f) {
        String file = f.getFile() + (f.getOtherFile() != null ? " -> " + f.getOtherFile() : "");
        String why;
        if (f instanceof NoSuchFileException) why = "no such file or directory";
        else if (f instanceof AccessDeniedException) why = "permission denied";
        else if (f instanceof FileAlreadyExistsException) why = "already exists (and is not what was expected there)";
        else if (f instanceof NotDirectoryException) why = "not a directory";
        else if (f instanceof DirectoryNotEmptyException) why = "directory not empty";
        else why = f.getReason() != null ? f.getReason() : f.getClass().getSimpleName();
        String what = f instanceof NoSuchFileException ? "check the path" : "check the path and its permissions, or use another";
        return file + ": " + why + "; " + what;
    }
}
