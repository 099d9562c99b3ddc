package tangent.core.check;

import java.util.LinkedHashMap;
import java.util.Map;

/** Runs every gradcheck case once per test JVM and shares the reports between test classes. */
final class Reports {
    private Reports() {}

    private static Map<String, Gradcheck.Report> cache;

    static synchronized Map<String, Gradcheck.Report> all() {
        if (cache == null) {
            Map<String, Gradcheck.Report> m = new LinkedHashMap<>();
            for (OpCases.Case c : OpCases.all()) m.put(c.name(), Gradcheck.check(c));
            cache = m;
        }
        return cache;
    }

    static Gradcheck.Report of(OpCases.Case c) {
        return all().get(c.name());
    }
}
