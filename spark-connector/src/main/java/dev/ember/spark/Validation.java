package dev.ember.spark;

import dev.ember.engine.Device;
import dev.ember.engine.Tensor;
import dev.ember.engine.autograd.GradMode;
import dev.ember.engine.nn.Module;
import java.io.Serializable;
import java.util.Iterator;
import java.util.List;
import java.util.function.Function;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The held-out rows of a fit, Spark ML's {@code validationIndicatorCol} (as in GBTClassifier): rows marked true are
 * left out of training, cached as tensors once like the training rows, and after every round one small Spark job
 * evaluates the round's model on them. Rows whose indicator is null are in neither set, as in Spark ML.
 *
 * <p>Kept out of the round loop on purpose: the loop only calls {@link #evaluate} with the state it just made.
 */
final class Validation implements AutoCloseable {
    private final JavaRDD<PartitionData> data;
    private final TrainConfig config;
    private final int batchSize;
    private final long rows;

    private Validation(JavaRDD<PartitionData> data, TrainConfig config, int batchSize, long rows) {
        this.data = data;
        this.config = config;
        this.batchSize = batchSize;
        this.rows = rows;
    }

    /** Refuses an indicator column that is missing or not boolean, naming it. Empty {@code col}: no validation. */
    static void checkIndicator(StructType schema, String col) {
        if (col.isEmpty()) return;
        if (!List.of(schema.fieldNames()).contains(col)) {
            throw new IllegalArgumentException("validationIndicatorCol '" + col + "' does not exist; the columns are " + List.of(schema.fieldNames()));
        }
        DataType t = schema.apply(col).dataType();
        if (!t.equals(DataTypes.BooleanType)) {
            throw new IllegalArgumentException("validationIndicatorCol '" + col + "' must be boolean (true: held out for validation), but it is " + t.simpleString());
        }
    }

    /** The rows to train on: all of them without an indicator column, else those marked false. */
    static Dataset<?> trainingRows(Dataset<?> dataset, String col) {
        return col.isEmpty() ? dataset : dataset.filter(functions.not(functions.col(col)));
    }

    /**
     * The held-out rows of {@code dataset}, cached by {@code toTensors} (the estimator's own row conversion), or null
     * without an indicator column. Fails when the column marks no row true.
     */
    static Validation of(Dataset<?> dataset, String col, Function<Dataset<?>, JavaRDD<PartitionData>> toTensors, TrainConfig config, int batchSize) {
        if (col.isEmpty()) return null;
        JavaRDD<PartitionData> data = toTensors.apply(dataset.filter(functions.col(col)));
        long rows = Jobs.collect(Jobs.mapPartitions(data.rdd(), new Rows())).stream().mapToLong(Long::longValue).sum();
        if (rows == 0) {
            data.unpersist(false);
            throw new IllegalArgumentException("validationIndicatorCol '" + col + "' marks no valid row true: nothing to validate on");
        }
        return new Validation(data, config, batchSize, rows);
    }

    /**
     * Mean loss and accuracy (NaN for regression) of {@code state}'s model over the held-out rows. The fit passes the
     * state after round {@code afterRound}'s update: the model a fit stopped there would return.
     */
    TrainingSummary.Evaluation evaluate(int afterRound, Snapshot state) {
        long t0 = System.nanoTime();
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(data.context());
        Broadcast<Input> input = jsc.broadcast(new Input(config, state.modelOnly(), batchSize));
        try {
            double lossSum = 0;
            long correct = 0, n = 0;
            for (double[] p : Jobs.collect(Jobs.mapPartitions(data.rdd(), new Task(input)))) {
                lossSum += p[0];
                correct += (long) p[1];
                n += (long) p[2];
            }
            return new TrainingSummary.Evaluation(afterRound, lossSum / n,
                    config.objective().classification() ? (double) correct / n : Double.NaN, n, (System.nanoTime() - t0) / 1e9);
        } finally {
            input.destroy(false);
        }
    }

    /** Held-out rows. */
    long rows() { return rows; }

    @Override public void close() { data.unpersist(false); }

    /** What each evaluation task receives (broadcast): the weights only, no optimizer state. */
    record Input(TrainConfig config, Snapshot state, int batchSize) implements Serializable {}

    /** One partition's {@code {loss sum, correct rows, rows}} under the broadcast model. */
    static final class Task extends Jobs.PartitionFunction<PartitionData, double[]> {
        private static final long serialVersionUID = 1L;
        private final Broadcast<Input> input;

        Task(Broadcast<Input> input) { this.input = input; }

        @Override Iterator<double[]> call(Iterator<PartitionData> partition) {
            Input in = input.value();
            Device on = TaskDevice.device(TaskDevice.choose(in.config().device()));
            Module model = null;
            double lossSum = 0;
            long correct = 0, n = 0;
            while (partition.hasNext()) {
                PartitionData d = partition.next();
                if (d.rows() == 0) continue;
                if (model == null) {
                    model = in.config().source().build(in.config().seed()).to(on);
                    in.state().loadInto(model, null);
                    model.eval();
                }
                double[] s = evaluate(model, in.config().objective(), d, in.batchSize(), on);
                lossSum += s[0];
                correct += (long) s[1];
                n += d.rows();
            }
            return List.of(new double[]{lossSum, correct, n}).iterator();
        }
    }

    /** {@code {loss sum, correct rows}} of {@code model} over the partition's rows in order, {@code batchSize} at a time, without gradients. */
    static double[] evaluate(Module model, Objective objective, PartitionData data, int batchSize, Device on) {
        double lossSum = 0;
        long correct = 0;
        int rows = data.rows();
        try (var noGrad = GradMode.noGrad()) {
            for (int at = 0; at < rows; at += batchSize) {
                int len = Math.min(batchSize, rows - at);
                Tensor[] batch = data.batch(java.util.stream.IntStream.range(at, at + len).toArray()); // memory or local files alike
                Tensor x = batch[0].to(on), y = batch[1].to(on);
                Tensor output = model.forward(x);
                lossSum += objective.loss(output, y).item() * len; // the batch's mean, weighted back to a sum
                if (objective.classification()) correct += objective.correct(output, y);
            }
        }
        return new double[]{lossSum, correct};
    }

    /** Rows of each cached partition (computing it fills the cache). */
    private static final class Rows extends Jobs.PartitionFunction<PartitionData, Long> {
        private static final long serialVersionUID = 1L;

        @Override Iterator<Long> call(Iterator<PartitionData> partition) {
            long n = 0;
            while (partition.hasNext()) n += partition.next().rows();
            return List.of(n).iterator();
        }
    }
}
