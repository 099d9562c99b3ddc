package tangent.cuda;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import tangent.core.Tensor;

/**
 * Closes, at once, every CUDA storage allocated inside it on this thread, except those kept:
 * <pre>{@code
 * try (CudaScope scope = CudaScope.open()) {
 *     Tensor loss = step(batch);          // every temporary of the step joins the scope
 *     scope.keep(newParams);              // survives the scope (moves to the enclosing one, if any)
 * }                                       // the rest goes back to the pool
 * }</pre>
 * Scopes nest per thread; a kept storage moves to the enclosing scope, or is owned by the caller
 * when there is none. Closing a scope other than the innermost one throws.
 */
public final class CudaScope implements AutoCloseable {
    private static final ThreadLocal<List<CudaScope>> STACK = ThreadLocal.withInitial(ArrayList::new);

    private final Set<CudaStorage> owned = Collections.newSetFromMap(new IdentityHashMap<>());
    private final Thread thread = Thread.currentThread();
    private boolean closed;

    private CudaScope() {}

    public static CudaScope open() {
        CudaScope s = new CudaScope();
        STACK.get().add(s);
        return s;
    }

    /** The innermost open scope of this thread, or null. */
    static CudaScope current() {
        List<CudaScope> st = STACK.get();
        return st.isEmpty() ? null : st.get(st.size() - 1);
    }

    static void adopt(CudaStorage s) {
        CudaScope c = current();
        if (c != null) c.add(s);
    }

    private void add(CudaStorage s) {
        owned.add(s);
        s.scope = this;
    }

    void forget(CudaStorage s) {
        owned.remove(s);
        if (s.scope == this) s.scope = null;
    }

    /** Keeps each tensor's storage (and its tangents' are the caller's business) past this scope. */
    public Tensor keep(Tensor t) {
        if (t.storage() instanceof CudaStorage) keepStorage((CudaStorage) t.storage());
        return t;
    }

    public void keep(Tensor... ts) {
        for (Tensor t : ts) keep(t);
    }

    private void keepStorage(CudaStorage s) {
        if (closed) throw new IllegalStateException("keep: the scope is closed");
        if (!owned.remove(s)) return;
        s.scope = null;
        List<CudaScope> st = STACK.get();
        int i = st.indexOf(this);
        if (i > 0) st.get(i - 1).add(s);
    }

    /** Storages this scope will close. */
    public int size() {
        return owned.size();
    }

    @Override
    public void close() {
        if (closed) return;
        if (Thread.currentThread() != thread) throw new IllegalStateException("a CudaScope must be closed on the thread that opened it");
        List<CudaScope> st = STACK.get();
        if (st.isEmpty() || st.get(st.size() - 1) != this)
            throw new IllegalStateException("CudaScopes must be closed in the reverse order of opening");
        st.remove(st.size() - 1);
        closed = true;
        for (CudaStorage s : new ArrayList<>(owned)) {
            s.scope = null;
            s.close();
        }
        owned.clear();
    }
}
