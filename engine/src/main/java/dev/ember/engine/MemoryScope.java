package dev.ember.engine;

import dev.ember.engine.backend.Buffer;
import dev.ember.engine.backend.cuda.CudaBuffer;
import dev.ember.engine.backend.cuda.CudaMemoryScope;

import java.util.ArrayList;
import java.util.List;

/**
 * Releases device memory at points the program chooses rather than when the garbage collector runs. Device
 * tensors created while a scope is open belong to it; {@link #collect} gives back every one of them that is not
 * reachable from the live objects named (tensors, or {@link Roots} such as a module, whose parameters, gradients
 * and buffers count, or an optimizer, whose state counts). A training loop collects after each step:
 * <pre>{@code
 * try (MemoryScope scope = MemoryScope.open("fit")) {
 *     for (Tensor[] batch : loader) {
 *         ...forward, backward, optimizer.step()...
 *         double loss = l.item();
 *         scope.collect(model, optimizer);   // activations and last step's gradients go back now
 *     }
 * }
 * }</pre>
 * Closing hands what is still owned to the enclosing scope. Cpu tensors are the garbage collector's as always;
 * on the cpu a scope does nothing. A tensor used after its memory was collected fails naming the scope.
 */
public final class MemoryScope implements AutoCloseable {
    /** Something whose tensors stay alive across a {@link #collect}: a module, an optimizer. */
    public interface Roots {
        /** Every tensor this object keeps (gradients included). */
        Iterable<Tensor> tensors();
    }

    private final CudaMemoryScope scope;

    private MemoryScope(CudaMemoryScope scope) {
        this.scope = scope;
    }

    /** Opens a scope on this thread (close it on the same thread, innermost first). */
    public static MemoryScope open(String name) {
        return new MemoryScope(CudaMemoryScope.open(name));
    }

    /**
     * Gives back this scope's device memory that none of {@code live} reaches. Each argument is a {@link Tensor}
     * (its storage and gradient count), a {@link Roots}, or an {@link Iterable} of those. Returns how many buffers
     * went back.
     */
    public int collect(Object... live) {
        if (scope.size() == 0) return 0;  // nothing on a device (every cpu step): no roots to walk
        List<CudaBuffer> keep = new ArrayList<>();
        for (Object o : live) mark(o, keep);
        return scope.collect(keep);
    }

    private static void mark(Object o, List<CudaBuffer> keep) {
        if (o == null) return;
        if (o instanceof Tensor t) {
            Buffer b = t.storage().buffer();
            if (b instanceof CudaBuffer c) keep.add(c);
            if (t.grad() != null) mark(t.grad(), keep);
        } else if (o instanceof Roots r) {
            for (Tensor t : r.tensors()) mark(t, keep);
        } else if (o instanceof Iterable<?> it) {
            for (Object x : it) mark(x, keep);
        } else {
            throw new IllegalArgumentException("MemoryScope.collect takes tensors, Roots (modules, optimizers) or iterables of them, not "
                    + o.getClass().getName());
        }
    }

    /** Hands what the scope still owns to the enclosing scope. */
    @Override
    public void close() { scope.close(); }
}
