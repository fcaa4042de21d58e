package dev.ember.spark;

import dev.ember.engine.nn.Module;

/**
 * Builds a model in code, for architectures a JSON spec cannot describe. Name the implementing class
 * in {@code setModelFactory}; it needs a public no-argument constructor and must be on the
 * executors' classpath. {@link #create()} runs under a seeded default generator, so the usual
 * initializers give the same weights for the same seed.
 */
public interface ModuleFactory {
    Module create();
}
