package dev.ember.spark;

import dev.ember.engine.nn.Module;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The models {@code transform} runs, built once per executor and reused across partitions and calls. A key is
 * the model's uid and a digest of its source and weights, so a model with other weights never meets an old copy.
 * A task takes a module out for its partition (modules are not shared between threads) and gives it back.
 */
final class ModelCache {
    /** Distinct models kept; the least recently used is dropped. */
    private static final int MAX_MODELS = 8;
    private static final int MAX_IDLE_PER_MODEL = Math.max(1, Runtime.getRuntime().availableProcessors());
    private static final Map<String, Deque<Module>> IDLE = new LinkedHashMap<>(16, 0.75f, true) {
        @Override protected boolean removeEldestEntry(Map.Entry<String, Deque<Module>> eldest) { return size() > MAX_MODELS; }
    };

    private static final AtomicLong BUILT = new AtomicLong();

    private ModelCache() {}

    /** The key of a model: its uid and the SHA-256 of its source and weights as Java serializes them. */
    static String key(String uid, ModelSource source, Snapshot weights) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            try (ObjectOutputStream out = new ObjectOutputStream(new DigestOutputStream(OutputStream.nullOutputStream(), sha))) {
                out.writeObject(source);
                out.writeObject(weights);
            }
            return uid + "/" + HexFormat.of().formatHex(sha.digest());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java platform", e);
        }
    }

    /** An idle module of this key, else a new one from {@code build}. */
    /** The key of a model's copy on one device: an executor keeps a module per model and device. */
    static String onDevice(String key, dev.ember.engine.Device device) {
        return key + "@" + device;
    }

    static Module take(String key, Supplier<Module> build) {
        synchronized (IDLE) {
            Deque<Module> idle = IDLE.get(key);
            Module m = idle == null ? null : idle.poll();
            if (m != null) return m;
        }
        BUILT.incrementAndGet();
        return build.get();
    }

    /** Hands a module back for the next partition or call. */
    static void give(String key, Module model) {
        synchronized (IDLE) {
            Deque<Module> idle = IDLE.computeIfAbsent(key, k -> new ArrayDeque<>());
            if (idle.size() < MAX_IDLE_PER_MODEL) idle.push(model);
        }
    }

    /** Modules this JVM has built (for tests). */
    static long built() { return BUILT.get(); }

    /** Modules that sit idle under {@code key} (for tests). */
    static int idle(String key) {
        synchronized (IDLE) {
            Deque<Module> idle = IDLE.get(key);
            return idle == null ? 0 : idle.size();
        }
    }
}
