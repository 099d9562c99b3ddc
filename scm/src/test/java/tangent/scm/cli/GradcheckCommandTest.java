package tangent.scm.cli;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

/** bin/scm gradcheck: the header, --op filtering, --verbose values, and a clear error for an unknown op. */
class GradcheckCommandTest {
    @Test
    void oneOpWithValues() {
        MainCliTest.Run r = MainCliTest.run("gradcheck", "--op", "tanh", "--verbose");
        assertEquals(0, r.rc(), r.err());
        String[] lines = r.out().strip().split("\n");
        assertTrue(lines[0].startsWith("#"), r.out());
        assertTrue(r.out().contains("jvp(vjp)") && r.out().contains("vjp(jvp)"), r.out());
        assertTrue(r.out().contains("engine") && r.out().contains(" fd "), r.out());
        assertTrue(lines[lines.length - 1].matches("[1-9]\\d* passed, 0 failed"), lines[lines.length - 1]);
        for (String l : lines)
            if (l.contains("PASS") || l.contains("FAIL")) assertTrue(l.startsWith("tanh") || l.contains("tanh"), l);
    }

    @Test
    void unknownOpIsOneLine() {
        MainCliTest.Run r = MainCliTest.run("gradcheck", "--op", "convolution");
        assertEquals(2, r.rc());
        assertTrue(r.err().contains("--op: no gradcheck case for op 'convolution'"), r.err());
        assertFalse(r.err().contains("Exception"), r.err());
    }
}
