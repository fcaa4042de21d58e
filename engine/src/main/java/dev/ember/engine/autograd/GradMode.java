package dev.ember.engine.autograd;

/**
 * Whether ops record the graph, per thread (like torch.no_grad / torch.enable_grad).
 * Use as a scope: {@code try (var g = GradMode.noGrad()) { ... }}.
 */
public final class GradMode {
    private static final ThreadLocal<boolean[]> ENABLED = ThreadLocal.withInitial(() -> new boolean[]{true});

    private GradMode() {}

    public static boolean isEnabled() { return ENABLED.get()[0]; }

    /** A scope in which no graph is recorded; closing it restores the previous mode. */
    public static Scope noGrad() { return set(false); }

    /** A scope in which the graph is recorded even inside a no-grad scope. */
    public static Scope enableGrad() { return set(true); }

    public static Scope set(boolean enabled) {
        boolean[] flag = ENABLED.get();
        boolean previous = flag[0];
        flag[0] = enabled;
        return () -> flag[0] = previous;
    }

    /** A grad-mode scope; closing it cannot fail. */
    public interface Scope extends AutoCloseable {
        @Override void close();
    }
}
