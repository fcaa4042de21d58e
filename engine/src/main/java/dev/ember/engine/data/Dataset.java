package dev.ember.engine.data;

/** A map-style dataset, like torch.utils.data.Dataset: a size and random access to samples. */
public interface Dataset<T> {
    int size();

    /** Sample i, 0 <= i < size(). */
    T get(int index);
}
