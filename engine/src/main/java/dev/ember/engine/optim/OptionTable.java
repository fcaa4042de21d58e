package dev.ember.engine.optim;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/** The options one optimizer takes, in PyTorch's order: what {@code optimizer.defaults} is built from. */
public final class OptionTable {
    private final List<Option<?>> options;
    private final Consumer<Map<String, Object>> together;

    private OptionTable(List<Option<?>> options, Consumer<Map<String, Object>> together) {
        this.options = options;
        this.together = together;
    }

    public static OptionTable of(Option<?>... options) { return new OptionTable(List.of(options), o -> {}); }

    /** This table with a check of several options together (such as SGD's Nesterov rule), run after each option's own. */
    public OptionTable checkTogether(Consumer<Map<String, Object>> check) { return new OptionTable(options, together.andThen(check)); }

    /** The defaults overridden by {@code set}, each value checked; an option the table lacks is refused. */
    Map<String, Object> resolve(Map<String, Object> set) {
        Map<String, Object> out = new LinkedHashMap<>();
        List<String> names = new ArrayList<>();
        for (Option<?> o : options) {
            names.add(o.name());
            out.put(o.name(), o.defaultValue());
        }
        set.forEach((k, v) -> {
            if (!out.containsKey(k)) throw new IllegalArgumentException("unknown option '" + k + "'; known options are " + names);
            out.put(k, v);
        });
        for (Option<?> o : options) o.validate(out.get(o.name()));
        together.accept(out);
        return out;
    }

    /** For {@link #checkTogether}: throws {@code message} unless {@code ok}. */
    public static void require(boolean ok, String message) {
        if (!ok) throw new IllegalArgumentException(message);
    }
}
