package dev.ember.engine.optim;

import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * One named option with PyTorch's name and default: an entry of an optimizer's {@code param_groups} (with the
 * check a value must pass and PyTorch's message; a step reads it typed with {@link #of(ParamGroup)}), or an
 * optional argument of a layer's constructor, which the layer's short constructors and the model spec's
 * {@code LayerRegistry} both take their default from.
 */
public final class Option<T> {
    private final String name;
    private final T defaultValue;
    private final Function<Object, T> read;
    private final Predicate<T> valid;
    private final Function<T, String> problem;

    private Option(String name, T defaultValue, Function<Object, T> read, Predicate<T> valid, Function<T, String> problem) {
        this.name = name;
        this.defaultValue = defaultValue;
        this.read = read;
        this.valid = valid;
        this.problem = problem;
    }

    /** A number; group options may hold any Number (a user's {@code set("momentum", 0)}), read as a double. */
    public static Option<Double> real(String name, double defaultValue) {
        return new Option<>(name, defaultValue, v -> ((Number) v).doubleValue(), v -> true, null);
    }

    public static Option<Integer> integer(String name, int defaultValue) {
        return new Option<>(name, defaultValue, v -> ((Number) v).intValue(), v -> true, null);
    }

    /** A boolean that is off unless set. */
    public static Option<Boolean> flag(String name) { return bool(name, false); }

    public static Option<Boolean> bool(String name, boolean defaultValue) { return new Option<>(name, defaultValue, v -> (Boolean) v, v -> true, null); }

    /** An integer whose default is Python's None (null), such as Embedding's {@code padding_idx}. */
    public static Option<Integer> integerOrNone(String name) {
        return new Option<>(name, null, v -> v == null ? null : ((Number) v).intValue(), v -> true, null);
    }

    /** A number whose default is Python's None (null), such as Embedding's {@code max_norm}. */
    public static Option<Double> realOrNone(String name) {
        return new Option<>(name, null, v -> v == null ? null : ((Number) v).doubleValue(), v -> true, null);
    }

    /** Two numbers such as {@code betas}, kept as a double[2]. */
    public static Option<double[]> pair(String name, double first, double second) {
        return new Option<>(name, new double[]{first, second}, v -> (double[]) v, v -> true, null);
    }

    /** A string that may be null, such as LBFGS's {@code line_search_fn}. */
    public static Option<String> text(String name, String defaultValue) {
        return new Option<>(name, defaultValue, v -> (String) v, v -> true, null);
    }

    /** PyTorch's {@code maximize}: every optimizer but LBFGS has it, off by default. */
    public static final Option<Boolean> MAXIMIZE = flag("maximize");

    /** {@code lr}, at least 0. */
    public static Option<Double> lr(double defaultValue) {
        return real("lr", defaultValue).check(v -> v >= 0, v -> "Invalid learning rate: " + v);
    }

    /** A number that must be at least 0; PyTorch's message names it as {@code what}: "Invalid epsilon value: -1.0". */
    public static Option<Double> nonNegative(String name, String what, double defaultValue) {
        return real(name, defaultValue).check(v -> v >= 0, v -> "Invalid " + what + " value: " + v);
    }

    public static Option<Double> weightDecay(double defaultValue) { return nonNegative("weight_decay", "weight_decay", defaultValue); }

    public static Option<Double> eps(double defaultValue) { return nonNegative("eps", "epsilon", defaultValue); }

    /** PyTorch's checks on the Adam family's betas. */
    public static Option<double[]> betas(double beta1, double beta2) {
        return pair("betas", beta1, beta2)
                .check(b -> b[0] >= 0 && b[0] < 1, b -> "Invalid beta parameter at index 0: " + b[0])
                .check(b -> b[1] >= 0 && b[1] < 1, b -> "Invalid beta parameter at index 1: " + b[1]);
    }

    /** This option with one more check, made after the ones it has. */
    public Option<T> check(Predicate<T> ok, Function<T, String> message) {
        Predicate<T> before = valid;
        Function<T, String> earlier = problem;
        return new Option<>(name, defaultValue, read, before.and(ok),
                v -> !before.test(v) ? earlier.apply(v) : message.apply(v));
    }

    public String name() { return name; }

    /** The default (a pair as a fresh array, so no caller can change it). */
    @SuppressWarnings("unchecked")
    public T defaultValue() { return defaultValue instanceof double[] d ? (T) d.clone() : defaultValue; }

    /** This option's value in {@code group}. */
    public T of(ParamGroup group) {
        if (!group.has(name)) throw new IllegalArgumentException("parameter group has no option '" + name + "' (it has " + group.options().keySet() + ")");
        return in(group.options());
    }

    /** This option's value in a map of options by name. */
    public T in(Map<String, Object> options) { return read.apply(options.get(name)); }

    /** Throws PyTorch's message when {@code value} fails the check. */
    void validate(Object value) {
        T v = read.apply(value);
        if (v != null && !valid.test(v)) throw new IllegalArgumentException(problem.apply(v));
    }
}
