package dev.ember.engine.io;

import dev.ember.engine.Shape;
import dev.ember.engine.Tensor;
import dev.ember.engine.nn.Module;
import dev.ember.engine.nn.spec.ModelSpec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A model on disk as a directory: {@code model.json} (the {@link ModelSpec}, with its metadata),
 * {@code model.safetensors} (the weights under PyTorch's names for the same Sequential: {@code 0.weight}, ...) and
 * {@code digests.json} (both files' {@link FileDigests digests}, checked before either is parsed).
 * Loading needs no user code and runs none. Saving writes a temporary sibling directory and renames it into
 * place, so a failed save leaves no half-written directory behind. A directory without digests.json (saved before
 * Ember wrote one) still loads, with a logged warning.
 */
public final class SavedModel {
    public static final String SPEC_FILE = "model.json";
    public static final String WEIGHTS_FILE = "model.safetensors";
    private static final System.Logger LOG = System.getLogger(SavedModel.class.getName());

    private SavedModel() {}

    /**
     * Saves spec and model's weights into dir. The model must be what the spec builds (same state dict keys and
     * shapes), checked before anything is written. An existing saved model at dir is replaced; any other existing
     * file or non-empty directory there is refused.
     */
    public static void save(ModelSpec spec, Module model, Path dir) throws IOException {
        Map<String, Tensor> state = model.stateDict();
        checkMatches(spec, state);
        Path target = dir.toAbsolutePath().normalize();
        Path parent = target.getParent();
        if (parent == null) throw new IOException("cannot save a model at the file system root " + dir);
        if (Files.exists(target) && !Files.isDirectory(target)) throw new FileAlreadyExistsException(dir.toString(), null, "exists and is not a directory");
        if (Files.isDirectory(target) && !isEmpty(target) && !Files.exists(target.resolve(SPEC_FILE))) {
            throw new IOException("refusing to replace " + dir + ": it is a non-empty directory that is not a saved model (no " + SPEC_FILE + ")");
        }
        if (!Files.isDirectory(parent)) throw new NotDirectoryException(parent + " (the parent of " + dir + ") is not a directory");
        Path tmp = Files.createTempDirectory(parent, "." + target.getFileName() + ".tmp-");
        boolean moved = false;
        try {
            Files.write(tmp.resolve(SPEC_FILE), spec.toJson().getBytes(StandardCharsets.UTF_8));
            // "format": "pt" is what PyTorch's safetensors writer puts there; it tells HF tools the tensor layout.
            SafeTensors.save(state, tmp.resolve(WEIGHTS_FILE), Map.of("format", "pt"));
            FileDigests.create().add(SPEC_FILE, tmp.resolve(SPEC_FILE)).add(WEIGHTS_FILE, tmp.resolve(WEIGHTS_FILE)).write(tmp);
            if (Files.exists(target)) replace(tmp, target);
            else move(tmp, target);
            moved = true;
        } finally {
            if (!moved) deleteTree(tmp);
        }
    }

    /**
     * Builds the model of dir's spec and loads its weights strictly (every key, every shape must match), after
     * checking both files against digests.json. Every fault is an IOException whose one-line message names the file.
     */
    public static Module load(Path dir) throws IOException {
        FileDigests digests = digests(dir);
        ModelSpec spec = readSpec(dir, digests);
        Module model = build(spec, dir.resolve(SPEC_FILE));
        Path weights = dir.resolve(WEIGHTS_FILE);
        if (!Files.isRegularFile(weights)) throw new IOException("saved model " + dir + " has no " + WEIGHTS_FILE);
        if (digests != null) digests.check(WEIGHTS_FILE, weights, weights.toString());
        try {
            SafeTensors.loadModule(model, weights, true);
        } catch (IllegalArgumentException e) {
            throw new IOException("weights in " + weights + " do not fit the model of " + SPEC_FILE + ": " + e.getMessage(), e);
        }
        return model;
    }

    /** The spec (with metadata) of a saved model, checked against digests.json, without loading weights. */
    public static ModelSpec readSpec(Path dir) throws IOException { return readSpec(dir, digests(dir)); }

    private static ModelSpec readSpec(Path dir, FileDigests digests) throws IOException {
        Path specFile = dir.resolve(SPEC_FILE);
        if (!Files.isRegularFile(specFile)) throw new IOException("not a saved model: " + dir + " has no " + SPEC_FILE);
        if (digests != null) digests.check(SPEC_FILE, specFile, specFile.toString());
        return ModelSpec.fromFile(specFile);
    }

    /** The spec's model; a layer that refuses its arguments (say, a size of 0) is reported against the spec file. */
    static Module build(ModelSpec spec, Path specFile) throws IOException {
        try {
            return spec.build();
        } catch (IllegalArgumentException e) {
            throw new IOException("invalid model spec " + specFile + ": " + e.getMessage(), e);
        }
    }

    /** dir's digests.json, or null (with a warning) for a model saved without one. */
    private static FileDigests digests(Path dir) throws IOException {
        Path file = dir.resolve(FileDigests.FILE);
        if (Files.isRegularFile(file)) return FileDigests.read(file, file.toString());
        if (Files.exists(file)) throw new IOException("invalid saved model " + dir + ": " + FileDigests.FILE + " is not a regular file");
        warnUnchecked(dir.toString());
        return null;
    }

    /** The one warning for a model whose files cannot be checked (kept public so the Spark reader says the same). */
    public static void warnUnchecked(String where) {
        LOG.log(System.Logger.Level.WARNING, "model " + where + " has no " + FileDigests.FILE + " (saved by an Ember older than its digests): loading it without checking its files");
    }

    private static void checkMatches(ModelSpec spec, Map<String, Tensor> state) {
        Map<String, Tensor> expected = spec.build().stateDict();
        if (!expected.keySet().equals(state.keySet())) {
            throw new IllegalArgumentException("the model does not match the spec: spec's state dict keys " + expected.keySet() + ", model's " + state.keySet());
        }
        for (Map.Entry<String, Tensor> e : expected.entrySet()) {
            int[] a = e.getValue().shape(), b = state.get(e.getKey()).shape();
            if (!Arrays.equals(a, b)) {
                throw new IllegalArgumentException("the model does not match the spec: " + e.getKey() + " has shape " + Shape.str(b) + " in the model, " + Shape.str(a) + " in the spec");
            }
        }
    }

    /** Swaps the old directory out, the new one in, then deletes the old; the old one is put back if the swap fails. */
    private static void replace(Path fresh, Path target) throws IOException {
        Path old = target.resolveSibling("." + target.getFileName() + ".old-" + System.nanoTime());
        move(target, old);
        try {
            move(fresh, target);
        } catch (IOException e) {
            move(old, target);
            throw e;
        }
        deleteTree(old);
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to);
        }
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) return;
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) Files.deleteIfExists(p);
        }
    }
}
