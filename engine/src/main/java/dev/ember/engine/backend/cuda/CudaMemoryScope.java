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
 * {@link CudaBuffer} allocated on a thread while a scope is open belongs to the innermost scope.
 * {@link #collect} gives back to the caching allocator every buffer of the scope that is not among
 * the live ones the caller names (a mark-and-sweep whose roots the caller knows: a training loop names
 * the model's parameters, gradients and buffers and the optimizer's state), and keeps the rest in the
 * scope. Collecting after every step returns activations, temporaries and last step's gradients at
 * once, so the next step reuses the same blocks and memory stays flat. {@link #close} hands what the
 * scope still owns to the enclosing scope (or to none). A buffer used after its release fails with
 * an error naming the scope.
 */
public final class CudaMemoryScope implements AutoCloseable {
    private static final ThreadLocal<ArrayDeque<CudaMemoryScope>> OPEN = ThreadLocal.withInitial(ArrayDeque::new);

    private final String name;
    private List<CudaBuffer> owned = new ArrayList<>();
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

    /** Buffers the scope owns now. */
    public synchronized int size() { return owned.size(); }

    synchronized void adopt(CudaBuffer buffer) {
        if (closed) throw new IllegalStateException("memory scope '" + name + "' is closed");
        owned.add(buffer);
    }

    /** Releases every buffer of this scope not in {@code live}; the live ones stay. Returns how many were released. */
    public synchronized int collect(Collection<CudaBuffer> live) {
        Set<CudaBuffer> keep = Collections.newSetFromMap(new IdentityHashMap<>());
        keep.addAll(live);
        List<CudaBuffer> survivors = new ArrayList<>();
        int released = 0;
        for (CudaBuffer b : owned) {
            if (keep.contains(b)) survivors.add(b);
            else if (b.releaseFrom(this)) released++;
        }
        owned = survivors;
        return released;
    }

    /**
     * Collects against {@code live}, closes the scope and moves the survivors to the enclosing scope
     * (or leaves them unscoped). Returns how many buffers were released.
     *
     * @throws IllegalStateException when this is not the thread's innermost open scope
     */
    public int close(Collection<CudaBuffer> live) {
        int released = collect(live);
        close();
        return released;
    }

    /**
     * Closes the scope, handing every buffer it still owns to the enclosing scope (or leaving them unscoped):
     * what the last {@link #collect} kept survives the scope.
     *
     * @throws IllegalStateException when this is not the thread's innermost open scope
     */
    @Override
    public void close() {
        ArrayDeque<CudaMemoryScope> stack = OPEN.get();
        if (stack.peek() != this) {
            throw new IllegalStateException("memory scope '" + name + "' is not the innermost open scope of this thread"
                    + (stack.isEmpty() ? "" : " ('" + stack.peek().name + "' is)"));
        }
        stack.pop();
        CudaMemoryScope outer = stack.peek();
        synchronized (this) {
            if (closed) return;
            closed = true;
            for (CudaBuffer b : owned) b.moveTo(outer);
            owned = List.of();
        }
    }
}
