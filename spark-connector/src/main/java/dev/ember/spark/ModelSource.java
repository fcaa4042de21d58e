package dev.ember.spark;

import dev.ember.engine.Generator;
import dev.ember.engine.nn.spec.ModelSpec;
import dev.ember.engine.nn.Module;
import java.io.Serializable;

/** Where a stage's module comes from: a JSON model spec or a {@link ModuleFactory} class. Sent to executors. */
final class ModelSource implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The spec as JSON, or null when a factory is used. */
    final String specJson;
    /** The factory's class name, or null when a spec is used. */
    final String factoryClass;

    private ModelSource(String specJson, String factoryClass) {
        this.specJson = specJson;
        this.factoryClass = factoryClass;
    }

    /** Validates that exactly one of the two is set and that it parses or loads, with a message saying which is wrong. */
    static ModelSource of(String specJson, String factoryClass) {
        boolean hasSpec = specJson != null && !specJson.isBlank(), hasFactory = factoryClass != null && !factoryClass.isBlank();
        if (hasSpec == hasFactory) {
            throw new IllegalArgumentException(hasSpec ? "Set either modelSpec or modelFactory, not both"
                    : "No model: set modelSpec (a JSON model spec) or modelFactory (a ModuleFactory class name)");
        }
        ModelSource source = new ModelSource(hasSpec ? specJson : null, hasFactory ? factoryClass.trim() : null);
        if (hasSpec) {
            try {
                ModelSpec.parse(specJson);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("modelSpec does not parse: " + e.getMessage(), e);
            }
        } else {
            source.factory();
        }
        return source;
    }

    /** A new module with weights drawn from {@code seed}: the same seed gives the same weights on every machine. */
    Module build(long seed) {
        try (var scope = Generator.useAsDefault(new Generator(seed))) {
            return specJson != null ? ModelSpec.parse(specJson).build() : factory().create();
        }
    }

    private ModuleFactory factory() {
        try {
            Class<?> c = Class.forName(factoryClass, true, Thread.currentThread().getContextClassLoader());
            if (!ModuleFactory.class.isAssignableFrom(c)) {
                throw new IllegalArgumentException("modelFactory " + factoryClass + " does not implement " + ModuleFactory.class.getName());
            }
            return (ModuleFactory) c.getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException e) {
            throw new IllegalArgumentException("modelFactory " + factoryClass + " cannot be instantiated (needs a public no-argument constructor on the classpath): " + e, e);
        }
    }

    @Override public String toString() { return specJson != null ? "modelSpec" : "modelFactory " + factoryClass; }
}
