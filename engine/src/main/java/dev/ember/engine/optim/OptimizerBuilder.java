package dev.ember.engine.optim;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * The shared part of the optimizers' builders: the parameter groups and the options set so far, checked against
 * the optimizer's {@link OptionTable} when it is built. Options left unset keep PyTorch's defaults. The setters
 * several optimizers share come from {@link CommonOptions}, so each builder declares only its own.
 */
public abstract class OptimizerBuilder<B extends OptimizerBuilder<B, O>, O extends Optimizer> implements CommonOptions.Sets<B> {
    private final List<ParamGroup> groups;
    private final Map<String, Object> options = new LinkedHashMap<>();
    private final BiFunction<List<ParamGroup>, Map<String, Object>, O> make;

    protected OptimizerBuilder(List<ParamGroup> groups, BiFunction<List<ParamGroup>, Map<String, Object>, O> make) {
        this.groups = groups;
        this.make = make;
    }

    /** Sets an option by PyTorch's name; {@link #build()} checks it. */
    @SuppressWarnings("unchecked")
    @Override public final B option(String name, Object value) {
        options.put(name, value);
        return (B) this;
    }

    public B lr(double lr) { return option("lr", lr); }

    /** Builds the optimizer; throws PyTorch's message for an invalid or unknown option. */
    public final O build() { return make.apply(groups, options); }
}
