package dev.ember.spark;

import dev.ember.engine.io.FileDigests;
import dev.ember.engine.io.SavedModel;
import java.io.IOException;
import java.nio.file.Files;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/** Directories on any Hadoop file system (local, HDFS, S3, ...) written all at once or not at all. */
final class HadoopDirs {
    private HadoopDirs() {}

    /** Fills a directory. */
    interface Writer {
        void write(Path dir, FileSystem fs) throws IOException;
    }

    /**
     * Writes {@code dest} by filling a hidden sibling directory and renaming it to {@code dest} at the end,
     * so a failure (or a killed driver) never leaves a half-written {@code dest}. {@code dest} must not exist.
     */
    static void writeAtomically(String dest, Configuration conf, Writer writer) throws IOException {
        Path target = new Path(dest);
        FileSystem fs = target.getFileSystem(conf);
        if (fs.exists(target)) throw new IOException("Path " + dest + " already exists");
        Path tmp = new Path(target.getParent(), "." + target.getName() + ".tmp-" + UUID.randomUUID());
        boolean done = false;
        try {
            fs.mkdirs(tmp);
            writer.write(tmp, fs);
            if (!fs.rename(tmp, target)) throw new IOException("Could not rename " + tmp + " to " + target);
            done = true;
        } finally {
            if (!done) fs.delete(tmp, true);
        }
    }

    /** Copies a local file into {@code dir/name}. */
    static void upload(java.nio.file.Path local, FileSystem fs, Path dir, String name) throws IOException {
        fs.copyFromLocalFile(false, true, new Path(local.toUri()), new Path(dir, name));
    }

    /** A local temporary copy of {@code dir/name}, deleted when the JVM exits if not before. */
    static java.nio.file.Path download(Configuration conf, Path dir, String name) throws IOException {
        Path source = new Path(dir, name);
        java.nio.file.Path local = Files.createTempFile("ember-", "-" + name);
        local.toFile().deleteOnExit();
        source.getFileSystem(conf).copyToLocalFile(false, source, new Path(local.toUri()), true);
        return local;
    }

    /**
     * The {@code digests.json} of a saved directory, checked as it is read; null, with the "saved without digests"
     * warning naming {@code shownAs}, when the directory has none (saved before digests).
     */
    static FileDigests readDigests(Configuration conf, FileSystem fs, Path dir, String shownAs) throws IOException {
        Path file = new Path(dir, FileDigests.FILE);
        if (!fs.exists(file)) {
            SavedModel.warnUnchecked(shownAs);
            return null;
        }
        java.nio.file.Path local = download(conf, dir, FileDigests.FILE);
        try {
            return FileDigests.read(local, file.toString());
        } finally {
            Files.deleteIfExists(local);
        }
    }
}
