package dev.ember.spark;

import dev.ember.arrow.ArrowToTensor;
import dev.ember.arrow.ColumnarToTensor;
import dev.ember.arrow.Features;
import dev.ember.arrow.RowsToArrow;
import dev.ember.arrow.RowsToTensor;
import dev.ember.arrow.TensorBatch;
import dev.ember.engine.Device;
import dev.ember.engine.MemoryScope;
import dev.ember.engine.Tensor;
import dev.ember.engine.Threads;
import dev.ember.engine.autograd.GradMode;
import dev.ember.engine.nn.Module;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.function.IntFunction;
import java.util.function.IntSupplier;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.spark.TaskContext;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.BoundReference;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeProjection;
import org.apache.spark.sql.catalyst.expressions.UnsafeRow;
import org.apache.spark.sql.catalyst.expressions.codegen.GenerateUnsafeRowJoiner;
import org.apache.spark.sql.catalyst.expressions.codegen.UnsafeRowJoiner;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.types.UserDefinedType;
import org.apache.spark.sql.util.ArrowUtils;
import org.apache.spark.sql.vectorized.ColumnarBatch;

/**
 * {@code EmberModel.transform} on one partition: rows become feature tensors a batch at a time
 * ({@link RowsToTensor}), the executor's cached model runs on each batch, and every input row comes back with
 * the output columns appended: its kept columns, copied as an {@code UnsafeRow} while the batch is read, joined
 * to the outputs {@link InferenceOutputs} writes (when both are all of fixed width, the outputs written into it in place). Rows that {@code handleInvalid = "skip"} drops are left out, as Spark ML transformers do.
 */
final class Inference implements Iterator<InternalRow> {
    @SuppressWarnings("unchecked")
    private static final UserDefinedType<Vector> VECTOR = (UserDefinedType<Vector>) (UserDefinedType<?>) SQLDataTypes.VectorType();

    /**
     * What every task needs, sent once per execution; {@code modelKey} names the model in the executor's {@link ModelCache},
     * {@code inputSchema} is the schema of the rows the task reads (after Spark pruned columns), and the four flags the
     * output columns, in this order; {@code passThrough} the positions in {@code inputSchema} of the input columns
     * the result keeps, in order ({@code null}: all).
     */
    record Setup(String modelKey, ModelSource source, Snapshot weights, Objective objective, int numFeatures, boolean vectorFeatures,
                 StructType inputSchema, String featuresCol, String handleInvalid, int batchSize,
                 boolean rawPrediction, boolean probability, boolean prediction, boolean output, String device, int[] passThrough)
            implements Serializable {

        static final String RAW = "rawPrediction", PROBABILITY = "probability", PREDICTION = "prediction", OUTPUT = "output";

        /** The output columns computed, in their order in the result. */
        List<String> outputNames() {
            List<String> names = new ArrayList<>(4);
            if (rawPrediction) names.add(RAW);
            if (probability) names.add(PROBABILITY);
            if (prediction) names.add(PREDICTION);
            if (output) names.add(OUTPUT);
            return names;
        }

        /** This setup computing only the outputs named. */
        Setup keeping(List<String> names) {
            return new Setup(modelKey, source, weights, objective, numFeatures, vectorFeatures, inputSchema, featuresCol, handleInvalid,
                    batchSize, names.contains(RAW), names.contains(PROBABILITY), names.contains(PREDICTION), names.contains(OUTPUT), device,
                    passThrough);
        }

        /** This setup reading rows of {@code schema} and keeping the columns at {@code passThrough} of them. */
        Setup reading(StructType schema, int[] passThrough) {
            return new Setup(modelKey, source, weights, objective, numFeatures, vectorFeatures, schema, featuresCol, handleInvalid,
                    batchSize, rawPrediction, probability, prediction, output, device, passThrough);
        }

        int[] kept() {
            return passThrough != null ? passThrough : java.util.stream.IntStream.range(0, inputSchema.fields().length).toArray();
        }

        /** The types of the outputs, in order. */
        DataType[] outputTypes() {
            return outputNames().stream().map(name -> switch (name) {
                case RAW, PROBABILITY -> (DataType) VECTOR;
                case PREDICTION -> DataTypes.DoubleType;
                default -> DataTypes.createArrayType(DataTypes.FloatType, false);
            }).toArray(DataType[]::new);
        }
    }

    private final Setup setup;
    private final Module model;
    /** Where the model runs: the task's GPU (device = auto or cuda) or the cpu; the executor caches a model per device. */
    private final Device on;
    private final String modelKey;
    private final ArrowToTensor converter;
    /** Tensor batches of the partition's rows: straight from the rows, or through Arrow for layouts only it reads. */
    private final Iterator<TensorBatch> batches;
    /** Set for the Arrow path only. */
    private BufferAllocator allocator;
    private RowsToArrow arrow;
    /** The kept columns of the batch's input rows, copied: Spark reuses its row objects. Row inputs only. */
    private final KeptRows batchRows;
    /** {@link KeptRows#valueMasks} of the kept columns: null unless all are of fixed width. */
    private final long[] keptWords;
    /**
     * Row inputs whose kept columns and outputs are all of fixed width (a select of a label and the prediction): the
     * outputs are written into the kept row's last fields ({@link KeptRows#get(int, UnsafeRow)}), with no joiner.
     */
    private final boolean joinInPlace;
    /** The input rows of the last tensor batch, their kept columns alone: {@link #batchRows}, or a projection of the columnar batch's rows. */
    private final IntSupplier inputSize;
    private final IntFunction<UnsafeRow> keptRow;
    /** Writes a row's outputs, then appends them to its kept columns (both reused: Spark's operators copy rows they keep). */
    private final InferenceOutputs outputs;
    /** Null when {@link #joinInPlace}. */
    private final UnsafeRowJoiner joiner;
    /** The batch being handed out (its outputs are in {@link #outputs}): the rows skipped, the next input row and output slot. */
    private int[] skipped = new int[0];
    private int nextRow, nextSkipped, kept;
    private boolean closed;
    /** spark.task.cpus: the threads this task may use. */
    private final int threads;

    /** One partition's rows. */
    static Inference ofRows(int partition, Iterator<InternalRow> rows, Setup setup) { return new Inference(partition, rows, null, setup); }

    /** One partition's columnar batches (Parquet's vectorized reader): read without making rows where the layout allows. */
    static Inference ofBatches(int partition, Iterator<ColumnarBatch> batches, Setup setup) { return new Inference(partition, null, batches, setup); }

    private Inference(int partition, Iterator<InternalRow> rows, Iterator<ColumnarBatch> columnar, Setup setup) {
        this.setup = setup;
        TaskContext tc = TaskContext.get();
        this.threads = tc != null ? tc.cpus() : Threads.getNumThreads();
        String chosen = TaskDevice.choose(setup.device());
        this.on = TaskDevice.device(chosen);
        this.modelKey = ModelCache.onDevice(setup.modelKey(), on);
        this.model = ModelCache.take(modelKey, () -> {
            Module m = setup.source().build(0);
            setup.weights().loadInto(m, null);
            m.to(on).eval();
            return m;
        });
        this.converter = ArrowToTensor.builder(setup.vectorFeatures() ? Features.mlVector(setup.featuresCol()) : Features.array(setup.featuresCol()))
                .numFeatures(setup.numFeatures()).handleInvalid(setup.handleInvalid()).partitionId(partition).build();
        boolean columnarRows = columnar != null && ColumnarToTensor.supports(setup.inputSchema(), converter);
        this.keptWords = KeptRows.valueMasks(setup.inputSchema(), setup.kept());
        this.joinInPlace = !columnarRows && keptWords != null && Arrays.stream(setup.outputTypes()).allMatch(UnsafeRow::isFixedLength);
        this.batchRows = new KeptRows(setup.kept().length + (joinInPlace ? setup.outputNames().size() : 0));
        if (columnarRows) {
            ColumnarToTensor reader = new ColumnarToTensor(columnar, setup.inputSchema(), setup.batchSize(), converter);
            this.batches = reader;
            UnsafeProjection keep = UnsafeProjection.create(PlanSeqs.of(keptColumns(setup.kept())));
            this.inputSize = reader::rowsRead;
            this.keptRow = i -> keep.apply(reader.row(i));
        } else {
            Iterator<InternalRow> source = rows != null ? rows : rowsOf(columnar);
            this.batches = RowsToTensor.supports(setup.inputSchema(), converter)
                    ? new RowsToTensor(copying(source, false), setup.inputSchema(), setup.batchSize(), converter)
                    : throughArrow(partition, copying(source, true));
            this.inputSize = batchRows::size;
            this.keptRow = batchRows::get;
        }
        this.outputs = new InferenceOutputs(setup);
        this.joiner = joinInPlace ? null : GenerateUnsafeRowJoiner.create(keptSchema(), outputSchema());
        if (tc != null) tc.addTaskCompletionListener((org.apache.spark.util.TaskCompletionListener) context -> close());
    }

    /** The rows of columnar batches, one after another. */
    private static Iterator<InternalRow> rowsOf(Iterator<ColumnarBatch> batches) {
        return new Iterator<>() {
            private Iterator<InternalRow> rows = Collections.emptyIterator();
            @Override public boolean hasNext() {
                while (!rows.hasNext() && batches.hasNext()) rows = batches.next().rowIterator();
                return rows.hasNext();
            }
            @Override public InternalRow next() {
                if (!hasNext()) throw new NoSuchElementException();
                return rows.next();
            }
        };
    }

    /** The kept input columns, read from a whole input row. */
    private List<Expression> keptColumns(int[] kept) {
        StructType in = setup.inputSchema();
        List<Expression> columns = new ArrayList<>();
        for (int column : kept) columns.add(new BoundReference(column, in.fields()[column].dataType(), in.fields()[column].nullable()));
        return columns;
    }

    private StructType keptSchema() {
        StructType kept = new StructType();
        for (int column : setup.kept()) kept = kept.add(setup.inputSchema().fields()[column]);
        return kept;
    }

    private StructType outputSchema() {
        StructType out = new StructType();
        List<String> names = setup.outputNames();
        DataType[] types = setup.outputTypes();
        for (int j = 0; j < types.length; j++) out = out.add(names.get(j), types[j], false);
        return out;
    }

    /**
     * The rows, each kept in {@link #batchRows} (copied: Spark reuses its row objects) with only the columns the result
     * keeps; the reader reads each row as it comes, before the next. For Arrow, a copied row of the features alone.
     */
    private Iterator<InternalRow> copying(Iterator<InternalRow> rows, boolean featuresOnly) {
        int index = setup.inputSchema().fieldIndex(setup.featuresCol());
        DataType type = setup.inputSchema().fields()[index].dataType();
        int[] kept = setup.kept();
        boolean allKept = Arrays.equals(kept, java.util.stream.IntStream.range(0, setup.inputSchema().fields().length).toArray());
        UnsafeProjection keep = UnsafeProjection.create(PlanSeqs.of(keptColumns(kept)));
        int[] projected = java.util.stream.IntStream.range(0, kept.length).toArray();
        return new Iterator<>() {
            @Override public boolean hasNext() { return rows.hasNext(); }
            @Override public InternalRow next() {
                InternalRow row = rows.next();
                // Fixed-width columns are kept as their words, from the UnsafeRow or its projection; a whole UnsafeRow
                // as its bytes; otherwise the kept columns are projected out, then kept.
                if (keptWords == null) batchRows.add(allKept && row instanceof UnsafeRow u ? u : keep.apply(row));
                else if (row instanceof UnsafeRow u) batchRows.addWords(u, kept, keptWords);
                else batchRows.addWords(keep.apply(row), projected, keptWords);
                if (!featuresOnly) return row;
                InternalRow copy = row.copy();
                return new GenericInternalRow(new Object[]{copy.isNullAt(index) ? null : copy.get(index, type)});
            }
        };
    }

    private Iterator<TensorBatch> throughArrow(int partition, Iterator<InternalRow> features) {
        int index = setup.inputSchema().fieldIndex(setup.featuresCol());
        StructType featureSchema = new StructType().add(setup.featuresCol(), setup.inputSchema().fields()[index].dataType(), true);
        allocator = ArrowUtils.rootAllocator().newChildAllocator("ember-transform-" + partition, 0, Long.MAX_VALUE);
        try {
            arrow = new RowsToArrow(features, featureSchema, setup.batchSize(), allocator);
        } catch (RuntimeException | Error e) {
            allocator.close();
            throw e;
        }
        return new Iterator<>() {
            @Override public boolean hasNext() { return arrow.hasNext(); }
            @Override public TensorBatch next() { return converter.convert(arrow.next()); }
        };
    }

    @Override public boolean hasNext() {
        while (inputSize.getAsInt() - nextRow - (skipped.length - nextSkipped) == 0) {
            if (closed || !batches.hasNext()) {
                close();
                return false;
            }
            readBatch();
        }
        return true;
    }

    @Override public InternalRow next() {
        if (!hasNext()) throw new NoSuchElementException();
        while (nextSkipped < skipped.length && skipped[nextSkipped] == nextRow) {
            nextSkipped++;
            nextRow++;
        }
        UnsafeRow out = outputs.write(kept++);
        return joinInPlace ? batchRows.get(nextRow++, out) : joiner.join(keptRow.apply(nextRow++), out);
    }

    /**
     * Reads the next batch of rows and runs the model on the rows kept; a batch whose rows were all skipped leaves
     * nothing to hand out. The model runs only when some output is read.
     */
    private void readBatch() {
        batchRows.clear();
        nextRow = nextSkipped = kept = 0;
        TensorBatch batch = batches.next();
        skipped = converter.skippedInLastBatch();
        if (batch.size() == 0 || setup.outputNames().isEmpty()) return;
        Objective objective = setup.objective();
        boolean classification = objective.classification();
        float[] raw, prob, flat;
        try (var memory = MemoryScope.open("transform batch"); var scope = GradMode.noGrad(); var pool = Threads.useThreads(threads)) {
            Tensor output = model.forward(batch.features().to(on));
            raw = classification ? objective.rawPrediction(output).toFloatArray() : null;
            prob = classification && setup.probability() ? objective.probability(output).toFloatArray() : null;
            flat = !classification || setup.output() ? output.toFloatArray() : null;
            memory.collect(model);  // the batch's device memory goes back now that its outputs are on the host
        }
        int k = classification ? raw.length / batch.size() : 0;
        int width = flat == null ? 0 : flat.length / batch.size();
        outputs.batch(raw, prob, flat, k, width);
    }

    private void close() {
        if (closed) return;
        closed = true;
        ModelCache.give(modelKey, model);
        if (allocator == null) return;
        try {
            arrow.close();
        } finally {
            allocator.close();
        }
    }
}
