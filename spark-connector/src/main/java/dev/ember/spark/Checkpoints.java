package dev.ember.spark;

import dev.ember.engine.Tensor;
import dev.ember.engine.io.FileDigests;
import dev.ember.engine.io.SafeTensors;
import java.io.IOException;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The driver's per-round checkpoints: {@code <checkpointDir>/round-00007/state.safetensors} holds the
 * averaged weights and optimizer state after round 7 and, in its metadata, the settings that produced
 * it; {@code digests.json} beside it holds its digest, checked before it is read. Each round directory
 * appears whole (written aside, then renamed), so the newest one is always complete. A fit with the same settings resumes after the newest round; other settings are refused.
 */
final class Checkpoints {
    static final String STATE_FILE = "state.safetensors";
    private final String dir;
    private final String settings;
    private final Configuration conf;

    /** A restored checkpoint: the state after round {@code round} (0-based). */
    record Restored(int round, Snapshot state, Map<String, Tensor> outer) {}

    Checkpoints(String dir, String settings, Configuration conf) {
        this.dir = dir;
        this.settings = settings;
        this.conf = conf;
    }

    void save(int round, Snapshot state, Map<String, Tensor> outerMomentum) throws IOException {
        HadoopDirs.writeAtomically(dir + "/" + name(round), conf, (tmp, fs) -> {
            java.nio.file.Path local = Files.createTempFile("ember-checkpoint-", ".safetensors");
            java.nio.file.Path digests = Files.createTempFile("ember-checkpoint-", ".json");
            try {
                Map<String, Tensor> entries = new LinkedHashMap<>(state.toTensors());
                entries.putAll(outerMomentum);
                SafeTensors.save(entries, local, Map.of("round", Integer.toString(round), "settings", settings));
                Files.writeString(digests, FileDigests.create().add(STATE_FILE, local).toJson());
                HadoopDirs.upload(local, fs, tmp, STATE_FILE);
                HadoopDirs.upload(digests, fs, tmp, FileDigests.FILE);
            } finally {
                Files.deleteIfExists(local);
                Files.deleteIfExists(digests);
            }
        });
    }

    /** The newest checkpoint, or null when there is none. */
    Restored latest() throws IOException {
        Path root = new Path(dir);
        FileSystem fs = root.getFileSystem(conf);
        if (!fs.exists(root)) return null;
        int newest = -1;
        for (FileStatus s : fs.listStatus(root)) {
            String n = s.getPath().getName();
            if (s.isDirectory() && n.matches("round-\\d+")) newest = Math.max(newest, Integer.parseInt(n.substring(6)));
        }
        if (newest < 0) return null;
        Path roundDir = new Path(root, name(newest)), statePath = new Path(roundDir, STATE_FILE);
        if (!fs.exists(statePath)) throw new IOException("checkpoint " + roundDir + " has no " + STATE_FILE);
        FileDigests digests = HadoopDirs.readDigests(conf, fs, roundDir, roundDir.toString());
        java.nio.file.Path local = HadoopDirs.download(conf, roundDir, STATE_FILE);
        try {
            if (digests != null) digests.check(STATE_FILE, local, statePath.toString());
            SafeTensors.Contents contents = SafeTensors.read(local, statePath.toString());
            String saved = contents.metadata().get("settings");
            if (!settings.equals(saved)) {
                throw new IllegalArgumentException("checkpointDir " + dir + " holds a checkpoint of a fit with other settings; use another directory or the same settings.\n"
                        + "  checkpoint: " + saved + "\n  this fit:   " + settings);
            }
            Map<String, Tensor> state = new LinkedHashMap<>(), outer = new LinkedHashMap<>();
            contents.tensors().forEach((k, v) -> (k.startsWith(OuterUpdate.PREFIX) ? outer : state).put(k, v));
            return new Restored(newest, Snapshot.fromTensors(state), outer);
        } finally {
            Files.deleteIfExists(local);
        }
    }

    private static String name(int round) { return String.format("round-%05d", round); }
}
