package dev.ember.spark;

import dev.ember.arrow.ArrowToTensor;
import dev.ember.arrow.Features;
import dev.ember.arrow.InvalidRowException;
import dev.ember.arrow.Labels;
import dev.ember.engine.Tensor;
import dev.ember.engine.autograd.GradMode;
import dev.ember.engine.nn.Module;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamPair;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains an Ember model on a DataFrame, data-parallel: a Spark ML Estimator whose {@link #fit} gives an
 * {@link EmberModel}.
 *
 * <p>How a fit runs: the driver checks the columns, the model and the settings (failing before any
 * training), builds the model from {@code seed} and turns each partition's rows into tensors once,
 * cached on the executors. Then, round after round, every task loads the current weights and either
 * computes the gradient of its share of one batch, which the driver averages into one optimizer step
 * ({@code averaging = "gradients"}, {@link GradientRound}), or takes its local optimizer steps
 * ({@code localSteps}, or one pass over its rows) after which the driver averages the weights
 * ({@code "weights"}); either way weighted by rows, in a fixed order so the same seed, data and
 * partitioning give the same model bit for bit. With {@code averageOptimizerState} (the default) the
 * optimizer's state (Adam's moments, momentum) is averaged with the weights, so one worker trains exactly
 * like the engine's own loop; set it to false to restart the optimizer every round.
 *
 * <pre>{@code
 * EmberModel model = new EmberEstimator()
 *     .setModelSpec(specJson).setLoss("crossEntropy").setOptimizer("adam").setLearningRate(1e-3)
 *     .setBatchSize(128).setMaxEpochs(10).fit(train);
 * model.transform(test).select("prediction", "probability").show();
 * }</pre>
 */
public class EmberEstimator extends Estimator<EmberModel> implements EmberParams, DefaultParamsWritable {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(EmberEstimator.class);
    /**
     * Where the partitions' tensors are cached. Memory first; what does not fit goes to the executors' disks and is
     * read back each round (tests set DISK_ONLY to take that path).
     */
    static StorageLevel cacheLevel = StorageLevel.MEMORY_AND_DISK();

    private final String uid;
    private final ParamSet params;

    public EmberEstimator() { this(Identifiable.randomUID("ember")); }

    public EmberEstimator(String uid) {
        this.uid = uid;
        this.params = new ParamSet(this);
    }

    @Override public String uid() { return uid; }
    @Override public ParamSet paramSet() { return params; }

    public EmberEstimator setFeaturesCol(String v) { return put(featuresCol(), v); }
    public EmberEstimator setLabelCol(String v) { return put(labelCol(), v); }
    public EmberEstimator setPredictionCol(String v) { return put(predictionCol(), v); }
    public EmberEstimator setProbabilityCol(String v) { return put(probabilityCol(), v); }
    public EmberEstimator setRawPredictionCol(String v) { return put(rawPredictionCol(), v); }
    public EmberEstimator setOutputCol(String v) { return put(outputCol(), v); }
    public EmberEstimator setHandleInvalid(String v) { return put(handleInvalid(), ParamSet.canonical(v, ParamSet.HANDLE_INVALID)); }
    public EmberEstimator setModelSpec(String json) { return put(modelSpec(), json); }
    public EmberEstimator setModelFactory(String className) { return put(modelFactory(), className); }
    public EmberEstimator setLoss(String v) { return put(loss(), ParamSet.canonical(v, ParamSet.LOSSES)); }
    public EmberEstimator setOptimizer(String v) { return put(optimizer(), ParamSet.canonical(v, ParamSet.OPTIMIZERS)); }
    public EmberEstimator setLrSchedule(String v) { return put(lrSchedule(), ParamSet.canonical(v, ParamSet.LR_SCHEDULES)); }
    public EmberEstimator setDevice(String v) { return put(device(), ParamSet.canonical(v, ParamSet.DEVICES)); }
    public EmberEstimator setCheckpointDir(String v) { return put(checkpointDir(), v); }
    public EmberEstimator setCacheStorage(String v) { return put(cacheStorage(), ParamSet.canonical(v, CacheStorage.VALUES)); }
    public EmberEstimator setValidationIndicatorCol(String v) { return put(validationIndicatorCol(), v); }
    public EmberEstimator setLearningRate(double v) { return put(learningRate(), v); }
    public EmberEstimator setMomentum(double v) { return put(momentum(), v); }
    public EmberEstimator setWeightDecay(double v) { return put(weightDecay(), v); }
    public EmberEstimator setBatchSize(int v) { return put(batchSize(), v); }
    public EmberEstimator setInferenceBatchSize(int v) { return put(inferenceBatchSize(), v); }
    public EmberEstimator setMaxEpochs(int v) { return put(maxEpochs(), v); }
    public EmberEstimator setLocalSteps(int v) { return put(localSteps(), v); }
    public EmberEstimator setAveraging(String v) { return put(averaging(), ParamSet.canonical(v, ParamSet.AVERAGING)); }
    public EmberEstimator setNumWorkers(int v) { return put(numWorkers(), v); }
    public EmberEstimator setSeed(long v) { return put(seed(), v); }
    public EmberEstimator setAverageOptimizerState(boolean v) { return put(averageOptimizerState(), v); }
    public EmberEstimator setWarmupEpochs(double v) { return put(warmupEpochs(), v); }
    public EmberEstimator setOuterLearningRate(double v) { return put(outerLearningRate(), v); }
    public EmberEstimator setOuterMomentum(double v) { return put(outerMomentum(), v); }
    public EmberEstimator setOuterNesterov(boolean v) { return put(outerNesterov(), v); }

    private <T> EmberEstimator put(org.apache.spark.ml.param.Param<T> param, T value) {
        set(param, value);
        return this;
    }

    @Override
    public StructType transformSchema(StructType schema) {
        Schemas.checkFeatures(schema, getFeaturesCol());
        Schemas.checkLabel(schema, getLabelCol());
        Validation.checkIndicator(schema, getValidationIndicatorCol());
        return Schemas.withOutputs(schema, this);
    }

    @Override
    public EmberModel fit(Dataset<?> dataset) {
        long t0 = System.nanoTime();
        transformSchema(dataset.schema());
        ModelSource source = ModelSource.of(getModelSpec(), getModelFactory());
        SparkSession spark = dataset.sparkSession();
        checkGpuRequest(spark);
        Dataset<Row> df = FitRows.columns(Validation.trainingRows(dataset, getValidationIndicatorCol()), getNumWorkers(), getFeaturesCol(), getLabelCol());
        boolean vector = Schemas.checkFeatures(df.schema(), getFeaturesCol());
        int numFeatures = FeatureWidth.of(df, getFeaturesCol(), vector);
        Objective objective = Objective.of(getLoss());
        Module initial = source.build(getSeed());
        int numClasses = objective.numClasses(dryRun(initial, source, numFeatures));
        FitRows trainRows = fitRows(df, vector, numFeatures, numClasses, objective.classification());
        int partitions = trainRows.partitions(); // plans the scan's partitions: once
        TrainConfig config = TrainConfig.of(this, source, partitions, uid + "-" + UUID.randomUUID());

        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        String previousDescription = jsc.getLocalProperty("spark.job.description");
        long budget = CacheStorage.partitionBudget(getCacheStorage(), spark.sparkContext(), partitions);
        JavaRDD<PartitionData> data = cache(trainRows, numFeatures, objective.classification(), budget);
        Validation validation = null;
        try {
            jsc.setJobDescription("Ember fit " + uid + ": rows to tensors");
            List<long[]> sizes = data.map(d -> new long[]{d.rows(), d.skipped(), d.stepsPerEpoch(config.workerBatchSize()),
                    d.features().storage().equals(CacheStorage.DISK) ? 1 : 0, d.features().bytes()}).collect();
            long rows = 0, skipped = 0, fileBytes = 0;
            int maxSteps = 0, onDisk = 0;
            for (long[] s : sizes) {
                rows += s[0];
                skipped += s[1];
                maxSteps = (int) Math.max(maxSteps, s[2]);
                onDisk += (int) s[3];
                fileBytes += s[3] * s[4];
            }
            if (rows == 0) throw new IllegalArgumentException("No rows to train on" + (skipped > 0 ? ": all " + skipped + " rows were invalid and skipped" : ""));
            validation = Validation.of(dataset, getValidationIndicatorCol(),
                    held -> cache(fitRows(FitRows.columns(held, 0, getFeaturesCol(), getLabelCol()), vector, numFeatures, numClasses, objective.classification()),
                            numFeatures, objective.classification(), budget),
                    config, getInferenceBatchSize());
            TrainingSummary summary = new TrainingSummary();
            summary.setData(rows, skipped, sizes.size(), (System.nanoTime() - t0) / 1e9);
            long[] cached = cachedBytes(spark, data.id());
            summary.setCache(cached[0], cached[1] + fileBytes);
            String storage = String.format(Locale.ROOT, "cacheStorage %s: %d of %d partitions in memory, %d on local disk%s%s",
                    getCacheStorage(), sizes.size() - onDisk, sizes.size(), onDisk,
                    onDisk > 0 ? String.format(Locale.ROOT, " (%d MB, read back every epoch)", fileBytes >> 20) : "",
                    getCacheStorage().equals(CacheStorage.AUTO) ? String.format(Locale.ROOT, "; heap budget %d MB a partition", budget >> 20) : "");
            summary.setCacheStorage(storage);
            summary.setAveraging(config.gradients() ? "gradients" : "weights");
            LOG.info("Ember fit {}: {}", uid, storage);
            LOG.info("Ember fit {}: cached tensors {} MB in executor memory, {} MB on executor disks{}", uid, cached[0] >> 20, (cached[1] + fileBytes) >> 20,
                    cached[1] > 0 ? " (the block manager spilled some: read back from disk every round)" : "");
            LOG.info("Ember fit {}: {} rows ({} skipped) in {} partitions, {} features, {}; batch {} per worker ({} in all), {} per round",
                    uid, rows, skipped, sizes.size(), numFeatures, objective.classification() ? numClasses + " classes" : "regression",
                    config.workerBatchSize(), config.batchSize(), config.gradients() ? "averaged gradients: one optimizer step"
                            : config.localSteps() == 0 ? "one pass" : config.localSteps() + " local steps");

            Snapshot state = Snapshot.of(initial, null);
            OuterUpdate outer = new OuterUpdate(getOuterLearningRate(), getOuterMomentum(), getOuterNesterov());
            SecondMoment secondMoment = secondMoment(config, initial, sizes.size());
            int stepsPerRound = config.localSteps() > 0 ? config.localSteps() : maxSteps;
            int rounds = config.rounds(maxSteps), first = 0;
            GradientRound.Driver driver = config.gradients() ? new GradientRound.Driver(config, state) : null;
            Checkpoints checkpoints = getCheckpointDir().isEmpty() ? null
                    : new Checkpoints(getCheckpointDir(), settingsFingerprint(), spark.sparkContext().hadoopConfiguration());
            if (checkpoints != null) {
                Checkpoints.Restored restored = checkpoints.latest();
                if (restored != null) {
                    state = restored.state();
                    if (driver != null) {
                        driver.restore(state);
                        state = driver.weights();
                    }
                    outer.restore(restored.outer(), state);
                    first = restored.round() + 1;
                    LOG.info("Ember fit {}: resuming after round {} from {}", uid, first, getCheckpointDir());
                }
            }
            int slots = Math.max(1, Math.min(sizes.size(), spark.sparkContext().defaultParallelism()));
            // Which partitions each task takes, worked out once a fit: coalescing asks the block manager where every cached partition is.
            org.apache.spark.rdd.RDD<PartitionData> tasks = driver != null ? GradientRound.tasks(data, config, sizes.size(), slots)
                    : roundTasks(data, sizes.size(), slots);
            for (int r = first; r < rounds; r++) {
                jsc.setJobDescription(String.format(Locale.ROOT, "Ember fit %s: round %d/%d", uid, r + 1, rounds));
                long start = System.nanoTime();
                Broadcast<RoundTrainer.RoundInput> input = LocalBroadcast.of(jsc, new RoundTrainer.RoundInput(config, r, state));
                long broadcast = System.nanoTime();
                RoundResult total;
                try {
                    total = driver != null ? GradientRound.run(tasks, input, sizes.size())
                            : TreeSum.sum(Jobs.mapPartitions(tasks, new RoundTrainer.Task(input)), sizes.size());
                } finally {
                    input.destroy(false);
                }
                long summed = System.nanoTime();
                if (r == first && !jsc.sc().isLocal()) warnIfIndirect(spark, total, sizes.size() > slots && (driver != null || sizes.size() <= TreeSum.FAN_IN));
                Snapshot averaged = total.takeAverage();
                if (driver != null) { if (averaged != null) state = driver.step(averaged, r, maxSteps); }
                else if (averaged != null) state = outer.step(state, secondMoment == null ? averaged : secondMoment.correct(state, averaged, stepsPerRound));
                long end = System.nanoTime();
                double epoch = config.localSteps() == 0 ? r + 1 : Math.min(getMaxEpochs(), (r + 1.0) * config.localSteps() / maxSteps);
                TrainingSummary.Costs costs = new TrainingSummary.Costs((broadcast - start) / 1e9, (summed - broadcast) / 1e9, (end - summed) / 1e9,
                        total.trainSeconds, total.setupSeconds, slots, total.reused);
                TrainingSummary.Round round = new TrainingSummary.Round(r + 1, epoch, total.lossSum / Math.max(1, total.samples),
                        objective.classification() ? (double) total.correct / Math.max(1, total.samples) : Double.NaN,
                        total.samples, total.steps, (end - start) / 1e9, total.devices, costs);
                summary.add(round);
                LOG.info("Ember fit {}: {}", uid, round);
                boolean epochEnd = driver == null || (r + 1) % maxSteps == 0 || r + 1 == rounds; // a gradient round is one step: validate per epoch
                if (validation != null && epochEnd) summary.add(validation.evaluate(r + 1, state));
                if (checkpoints != null) checkpoints.save(r, driver != null ? driver.withOptimizer() : state, outer.bufferEntries(state));
            }
            EmberModel model = new EmberModel(uid, source, state.modelOnly(), numFeatures, numClasses);
            copyValues(model, extractParamMap());
            model.setParent(this);
            model.setSummary(summary);
            return model;
        } catch (IOException e) {
            throw new UncheckedIOException("checkpointDir " + getCheckpointDir() + ": " + e.getMessage(), e);
        } catch (Exception e) { // SparkException is checked in Java's eyes, though Scala code throws it freely
            throw taskError(e);
        } finally {
            RoundTrainer.Replica.forget(config.fitId());
            GradientRound.Models.forget(config.fitId()); // the executors' copies age out of their bounded caches
            data.unpersist(false);
            if (validation != null) validation.close();
            jsc.setJobDescription(previousDescription);
        }
    }

    /**
     * Each partition's rows as one cached {@link PartitionData}, read once, batch by batch: features beyond {@code budget} heap bytes
     * go to the executor's local files ({@link RowChunks}).
     */
    private JavaRDD<PartitionData> cache(FitRows rows, int numFeatures, boolean classification, long budget) {
        LOG.info("Ember fit {}: rows to tensors {}", uid, rows.path.description);
        FitRows.Converters converters = rows.converters;
        return rows.mapPartitions(RowChunks.batchRows(numFeatures), (partition, reader) -> {
            ArrowToTensor converter = converters.of(partition);
            try (RowChunks chunks = new RowChunks(numFeatures, classification, budget, CacheStorage.localDir(partition))) {
                reader.read(converter, chunks::add);
                return chunks.finish(partition, converter.skippedRows());
            }
        }).persist(cacheLevel);
    }

    /** Where the rows of {@code df} are read from, with the converter each partition reads them by. */
    private FitRows fitRows(Dataset<Row> df, boolean vector, int numFeatures, int numClasses, boolean classification) {
        String features = getFeaturesCol(), label = getLabelCol(), handle = getHandleInvalid();
        return new FitRows(df, partition -> converter(vector, features, label, classification, numClasses, numFeatures, handle, partition));
    }

    private static ArrowToTensor converter(boolean vector, String features, String label, boolean classification, int numClasses,
                                           int numFeatures, String handleInvalid, int partition) {
        return ArrowToTensor.builder(vector ? Features.mlVector(features) : Features.array(features))
                .labels(classification ? Labels.classes(label, numClasses) : Labels.targets(label))
                .numFeatures(numFeatures).handleInvalid(handleInvalid).partitionId(partition).build();
    }

    /** The averaged second moment's correction for small worker batches: Adam and AdamW with averaged state on several workers. */
    private static SecondMoment secondMoment(TrainConfig config, Module model, int workers) {
        if (workers <= 1 || !config.averageOptimizerState() || !List.of("adam", "adamw").contains(config.optimizer())) return null;
        double[] betas = config.newOptimizer(model.parameters()).paramGroups().get(0).getPair("betas");
        return new SecondMoment(betas[0], betas[1], workers);
    }

    /**
     * The partitions of a weights round's tasks: one a task, or, with more partitions than task slots and few enough
     * for the driver to sum them ({@link TreeSum#FAN_IN}), a run of adjacent ones a slot, trained in turn: the same work
     * and results in fewer Spark tasks, whose scheduling is most of a round's fixed cost on small models. A task sends
     * its partitions' sum (see {@link TreeSum}).
     */
    private static org.apache.spark.rdd.RDD<PartitionData> roundTasks(JavaRDD<PartitionData> data, int partitions, int slots) {
        if (partitions <= slots || partitions > TreeSum.FAN_IN) return data.rdd();
        return data.rdd().coalesce(slots, false, scala.Option.apply(new TreeSum.SlotGroups()), null);
    }

    /** Local mode needs no warning: its tasks hand their results over without serializing them ({@link Jobs#collectNew}). */
    private void warnIfIndirect(SparkSession spark, RoundResult total, boolean tasksSendSums) {
        String warning = total.indirectResultWarning(spark.sparkContext().getConf().getSizeAsBytes("spark.task.maxDirectResultSize", "1m"), tasksSendSums);
        if (warning != null) LOG.warn("Ember fit {}: {}", uid, warning);
    }

    /** Bytes of the cached RDD {@code rddId} in the executors' memory and on their disks. */
    private static long[] cachedBytes(SparkSession spark, int rddId) {
        for (org.apache.spark.storage.RDDInfo info : spark.sparkContext().getRDDStorageInfo()) {
            if (info.id() == rddId) return new long[]{info.memSize(), info.diskSize()};
        }
        return new long[]{0, 0};
    }

    /**
     * A bad row or an unusable device fails a task, and Spark wraps that in a "Job aborted" exception;
     * give the user the task's own exception, whose message names the column, partition and row.
     */
    static RuntimeException taskError(Exception e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof InvalidRowException || t instanceof TaskDevice.DeviceUnavailableException) return (RuntimeException) t;
        }
        return EmberEstimator.<RuntimeException>rethrow(e);
    }

    /** Throws {@code e} unchanged, checked or not. */
    @SuppressWarnings("unchecked")
    private static <E extends Exception> E rethrow(Exception e) throws E {
        throw (E) e;
    }

    /** Runs the model on a zero batch to learn its output shape; a model that cannot take the features fails here, before any training. */
    private int[] dryRun(Module model, ModelSource source, int numFeatures) {
        model.eval();
        try (var scope = GradMode.noGrad()) {
            return model.forward(Tensor.zeros(2, numFeatures)).shape();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("featuresCol '" + getFeaturesCol() + "' has " + numFeatures + " values per row, but the model ("
                    + source + ") cannot take a [batch, " + numFeatures + "] input: " + e.getMessage(), e);
        } finally {
            model.train();
        }
    }

    /** device = "cuda" needs Spark to hand GPUs to tasks; without that, say so now rather than in every task. */
    private void checkGpuRequest(SparkSession spark) {
        if (!getDevice().equals("cuda")) return;
        String amount = spark.conf().get("spark.task.resource.gpu.amount", "");
        if (amount.isEmpty() || Double.parseDouble(amount) <= 0) {
            throw new IllegalArgumentException("device = \"cuda\", but Spark assigns no GPUs to tasks: set spark.task.resource.gpu.amount "
                    + "(and spark.executor.resource.gpu.amount with a discovery script), or use device = \"auto\" or \"cpu\"");
        }
    }

    /** The settings that shape training, as "name=value" lines: a checkpoint is resumed only by a fit with the same ones. */
    private String settingsFingerprint() {
        TreeMap<String, String> values = new TreeMap<>();
        for (ParamPair<?> pair : scala.jdk.javaapi.CollectionConverters.asJava(extractParamMap().toSeq())) {
            String name = pair.param().name();
            if (!List.of("checkpointDir", "cacheStorage", "maxEpochs", "predictionCol", "probabilityCol", "rawPredictionCol", "outputCol").contains(name)) {
                values.put(name, String.valueOf(pair.value()));
            }
        }
        List<String> lines = new ArrayList<>();
        values.forEach((k, v) -> lines.add(k + "=" + v));
        return String.join("; ", lines);
    }

    @Override
    public EmberEstimator copy(ParamMap extra) { return defaultCopy(extra); }

    public static MLReader<EmberEstimator> read() { return new DefaultParamsReader<>(); }

    public static EmberEstimator load(String path) { return read().load(path); }
}
