package dev.ember.examples.spark;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.zip.GZIPInputStream;
import org.apache.spark.SparkFiles;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * {@code examples/run prepare-fashion-mnist [--data DIR] [--out DIR] [--master URL]}: the Fashion-MNIST IDX files
 * as Parquet, {@code OUT/train} (60,000 rows) and {@code OUT/test} (10,000), with columns {@code label} (double,
 * 0..9) and {@code features} (a dense ML Vector of the 784 pixels / 255).
 *
 * <p>The rows are made in parallel: each task reads its own range of images from the gzipped IDX file (the
 * driver reads only the headers), so nothing large goes through the driver. On a cluster whose executors do not
 * see the driver's files, the files are shipped with {@code SparkContext.addFile}.
 */
public final class PrepareFashionMnist {
    static final String USAGE = "prepare-fashion-mnist [--data DIR (default " + SparkJobs.DEFAULT_DATA + ")] [--out DIR (default "
            + SparkJobs.DEFAULT_PARQUET + ")] [--partitions N (train; default 8)] [--master URL]";
    static final StructType SCHEMA = new StructType().add("label", DataTypes.DoubleType, false).add("features", SQLDataTypes.VectorType(), false);

    private PrepareFashionMnist() {}

    public static void main(String[] args) throws Exception {
        SparkJobs.main(USAGE, () -> {
            SparkJobs.Args a = SparkJobs.Args.parse(args, Set.of("data", "out", "partitions", "master"), false);
            Path data = Path.of(a.get("data", SparkJobs.DEFAULT_DATA));
            checkFiles(data);
            SparkJobs.withSession("prepare-fashion-mnist", a.get("master", null), null,
                    spark -> prepare(spark, data, a.get("out", SparkJobs.DEFAULT_PARQUET), a.getInt("partitions", 8)));
        });
    }

    /** Refuses a folder without the four IDX files, saying how to get them. */
    static void checkFiles(Path dir) {
        List<String> missing = new ArrayList<>();
        for (String split : new String[]{"train", "t10k"}) {
            for (String kind : new String[]{"images-idx3", "labels-idx1"}) {
                Path f = dir.resolve(split + "-" + kind + "-ubyte.gz");
                if (!Files.isRegularFile(f)) missing.add(f.getFileName().toString());
            }
        }
        if (!missing.isEmpty()) {
            throw new SparkJobs.UsageException("Fashion-MNIST not found in " + dir + " (missing " + String.join(", ", missing) + "). Install it with\n"
                    + "    sudo apt-get install -y dataset-fashion-mnist\n"
                    + "(Debian/Ubuntu: puts the IDX files in " + SparkJobs.DEFAULT_DATA + "), or pass --data DIR with the four *-ubyte.gz files.");
        }
    }

    /** Writes {@code out/train} and {@code out/test}; returns their row counts. */
    public static long[] prepare(SparkSession spark, Path data, String out, int trainPartitions) throws IOException {
        checkFiles(data);
        long[] counts = new long[2];
        counts[0] = split(spark, data, "train", out + "/train", trainPartitions);
        counts[1] = split(spark, data, "t10k", out + "/test", Math.max(1, trainPartitions / 4));
        return counts;
    }

    private static long split(SparkSession spark, Path data, String split, String out, int partitions) throws IOException {
        long t0 = System.nanoTime();
        Path images = data.resolve(split + "-images-idx3-ubyte.gz").toAbsolutePath(), labels = data.resolve(split + "-labels-idx1-ubyte.gz").toAbsolutePath();
        int[] imageShape = header(images, 3), labelShape = header(labels, 1);
        int n = imageShape[0], pixels = imageShape[1] * imageShape[2];
        if (labelShape[0] != n) throw new IOException(images + " has " + n + " images but " + labels + " has " + labelShape[0] + " labels");
        if (!spark.sparkContext().isLocal()) { // executors elsewhere: ship the files (they are read from the path when it exists there)
            spark.sparkContext().addFile(images.toString());
            spark.sparkContext().addFile(labels.toString());
        }
        List<Range> ranges = new ArrayList<>();
        int parts = Math.max(1, Math.min(partitions, n));
        for (int p = 0; p < parts; p++) ranges.add(new Range(images.toString(), labels.toString(), pixels, (int) ((long) n * p / parts), (int) ((long) n * (p + 1) / parts)));
        JavaRDD<Row> rows = JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(ranges, parts).flatMap(r -> r.rows().iterator());
        spark.createDataFrame(rows, SCHEMA).write().mode(SaveMode.Overwrite).parquet(out);
        System.out.printf(Locale.ROOT, "%s: %d rows of %d pixels -> %s (%d files, %.1f s)%n", split, n, pixels, out, parts, SparkJobs.seconds(t0));
        return n;
    }

    /** The dimensions of an IDX file of unsigned bytes with {@code rank} dimensions. */
    static int[] header(Path file, int rank) throws IOException {
        try (DataInputStream in = open(file.toString())) {
            return readHeader(in, file.toString(), rank);
        }
    }

    private static int[] readHeader(DataInputStream in, String file, int rank) throws IOException {
        int magic = in.readInt();
        if (magic != (0x0800 | rank)) throw new IOException(file + " is not an IDX file of unsigned bytes with " + rank + " dimensions (magic 0x" + Integer.toHexString(magic) + ")");
        int[] dims = new int[rank];
        for (int i = 0; i < rank; i++) dims[i] = in.readInt();
        return dims;
    }

    private static DataInputStream open(String file) throws IOException {
        InputStream raw = Files.newInputStream(Path.of(file));
        return new DataInputStream(new BufferedInputStream(file.endsWith(".gz") ? new GZIPInputStream(raw, 1 << 16) : raw, 1 << 16));
    }

    /** One task's images {@code [from, to)}: it reads them from the files itself. */
    record Range(String images, String labels, int pixels, int from, int to) implements Serializable {
        List<Row> rows() throws IOException {
            int n = to - from;
            byte[] x = new byte[Math.multiplyExact(n, pixels)], y = new byte[n];
            try (DataInputStream in = open(local(images))) {
                readHeader(in, images, 3);
                in.skipNBytes((long) from * pixels);
                in.readFully(x);
            }
            try (DataInputStream in = open(local(labels))) {
                readHeader(in, labels, 1);
                in.skipNBytes(from);
                in.readFully(y);
            }
            List<Row> rows = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                double[] v = new double[pixels];
                for (int j = 0, o = i * pixels; j < pixels; j++) v[j] = (x[o + j] & 0xff) / 255f;
                rows.add(RowFactory.create((double) (y[i] & 0xff), Vectors.dense(v)));
            }
            return rows;
        }

        /** The driver's path when this machine has it, else the copy {@code addFile} shipped. */
        private static String local(String path) {
            return Files.isRegularFile(Path.of(path)) ? path : SparkFiles.get(Path.of(path).getFileName().toString());
        }
    }
}
