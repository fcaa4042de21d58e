package dev.ember.engine.backend;

import dev.ember.engine.DType;
import dev.ember.engine.Device;

/**
 * Flat memory of one dtype on one device: a Java array on the CPU, device memory on a GPU. Tensors never see it
 * directly; a {@code Storage} holds one, and a {@link View} says which of its elements a tensor covers.
 */
public interface Buffer {
    Device device();

    DType dtype();

    /** Elements (not bytes). */
    int length();
}
