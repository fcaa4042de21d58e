package dev.ember.engine.train;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Per-epoch logs of a fit, like Keras's History: one list of values per key. */
public final class History {
    private final Map<String, List<Double>> values = new LinkedHashMap<>();

    void record(Map<String, Double> logs) {
        logs.forEach((k, v) -> values.computeIfAbsent(k, x -> new ArrayList<>()).add(v));
    }

    /** The values of key over epochs (empty if never logged). */
    public List<Double> get(String key) { return Collections.unmodifiableList(values.getOrDefault(key, List.of())); }

    /** The last value of key, or NaN. */
    public double last(String key) {
        List<Double> v = values.get(key);
        return v == null || v.isEmpty() ? Double.NaN : v.get(v.size() - 1);
    }

    public int epochs() { return values.values().stream().mapToInt(List::size).max().orElse(0); }

    public Map<String, List<Double>> asMap() { return Collections.unmodifiableMap(values); }

    @Override public String toString() { return values.toString(); }
}
