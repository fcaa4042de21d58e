package dev.ember.engine;

/**
 * A per-thread override of some default, in force for the length of a try-with-resources scope and
 * nestable: how one Spark task gets its own generator or thread count while others run beside it.
 */
public final class ThreadOverride<T> {
    private final ThreadLocal<T> value = new ThreadLocal<>();

    /** The calling thread's override, or null when none is in force. */
    public T get() { return value.get(); }

    /** Overrides for the calling thread until the returned scope closes, which restores the previous override. */
    public Scope set(T override) {
        T previous = value.get();
        value.set(override);
        return () -> {
            if (previous == null) value.remove();
            else value.set(previous);
        };
    }

    /** Ends an override. */
    public interface Scope extends AutoCloseable {
        @Override void close();
    }
}
