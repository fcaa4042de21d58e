package dev.ember.engine.backend.cuda;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * Deterministic release of device memory, without waiting for the garbage collector: every
 * {@link CudaBuffer} allocated on a thread while a scope is open belongs to the innermost scope,
 * and {@link #close(Collection)} gives back to the caching allocator every one of them except
 * those the caller keeps (which move to the enclosing scope, or to none). A training step opens a
 * scope and keeps the model's parameters, gradients and optimizer state: activations and
 * temporaries go back at once, so the next step reuses the same blocks and memory stays flat.
 * A buffer used after its scope released it fails with an error naming the scope.
 */
public final class CudaMemoryScope {
    private static final ThreadLocal<ArrayDeque<CudaMemoryScope>> OPEN = ThreadLocal.withInitial(ArrayDeque::new);

    private final String name;
    private final List<CudaBuffer> owned = new ArrayList<>();
    private boolean closed;

    private CudaMemoryScope(String name) {
        this.name = name;
    }

    /** Opens a scope on this thread; close it on the same thread, innermost first. */
    public static CudaMemoryScope open(String name) {
        CudaMemoryScope s = new CudaMemoryScope(name);
        OPEN.get().push(s);
        return s;
    }

    /** The innermost open scope of this thread, or null. */
    static CudaMemoryScope current() {
        return OPEN.get().peek();
    }

    /** The scope's name, for error messages. */
    public String name() { return name; }

    /** Buffers this scope would release now. */
    public synchronized int size() { return owned.size(); }

    synchronized void adopt(CudaBuffer buffer) {
        if (closed) throw new IllegalStateException("memory scope '" + name + "' is closed");
        owned.add(buffer);
    }

    /**
     * Releases every buffer of this scope except {@code keep} (which move to the enclosing scope, or
     * become unscoped) and closes the scope. Returns how many buffers were released.
     *
     * @throws IllegalStateException when this is not the thread's innermost open scope
     */
    public int close(Collection<CudaBuffer> keep) {
        ArrayDeque<CudaMemoryScope> stack = OPEN.get();
        if (stack.peek() != this) {
            throw new IllegalStateException("memory scope '" + name + "' is not the innermost open scope of this thread"
                    + (stack.isEmpty() ? "" : " ('" + stack.peek().name + "' is)"));
        }
        stack.pop();
        Set<CudaBuffer> kept = Collections.newSetFromMap(new IdentityHashMap<>());
        kept.addAll(keep);
        CudaMemoryScope outer = stack.peek();
        int released = 0;
        synchronized (this) {
            closed = true;
            for (CudaBuffer b : owned) {
                if (kept.contains(b)) {
                    b.moveTo(outer);
                } else if (b.releaseFrom(this)) {
                    released++;
                }
            }
            owned.clear();
        }
        return released;
    }
}
