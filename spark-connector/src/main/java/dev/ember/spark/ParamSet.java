package dev.ember.spark;

import java.util.Arrays;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;
import org.apache.spark.ml.param.ParamValidators;

/**
 * The params of {@link EmberEstimator} and {@link EmberModel}, made once per stage (a Param belongs to
 * its owner's uid) with their defaults. Both stages expose them through {@link EmberParams}.
 */
public final class ParamSet {
    static final String[] LOSSES = {"crossEntropy", "nll", "bceWithLogits", "mse", "l1", "smoothL1", "huber"};
    static final String[] OPTIMIZERS = {"adam", "adamw", "sgd", "rmsprop", "adagrad"};
    static final String[] DEVICES = {"auto", "cpu", "cuda"};
    static final String[] LR_SCHEDULES = {"constant", "cosine"};
    static final String[] HANDLE_INVALID = {"error", "skip"};
    static final String[] AVERAGING = {"auto", "gradients", "weights"};

    final Param<String> featuresCol, labelCol, predictionCol, probabilityCol, rawPredictionCol, outputCol, handleInvalid;
    final Param<String> modelSpec, modelFactory, loss, optimizer, lrSchedule, device, checkpointDir, cacheStorage, validationIndicatorCol,
            averaging;
    final DoubleParam learningRate, momentum, weightDecay, warmupEpochs, outerLearningRate, outerMomentum;
    final IntParam batchSize, inferenceBatchSize, maxEpochs, localSteps, numWorkers;
    final LongParam seed;
    final BooleanParam averageOptimizerState, outerNesterov;

    ParamSet(Params owner) {
        String uid = owner.uid();
        featuresCol = new Param<>(uid, "featuresCol", "features column: an ML Vector or an array of numbers, one row per example");
        labelCol = new Param<>(uid, "labelCol", "label column: a class index 0..K-1 for classification losses, a number for regression losses");
        predictionCol = new Param<>(uid, "predictionCol", "prediction column name");
        probabilityCol = new Param<>(uid, "probabilityCol", "column name for predicted class probabilities (classification; empty to leave out)");
        rawPredictionCol = new Param<>(uid, "rawPredictionCol", "raw prediction (a.k.a. confidence, the model's logits) column name (classification; empty to leave out)");
        outputCol = new Param<>(uid, "outputCol", "column for the model's raw output as array<float> (empty to leave out)");
        handleInvalid = new Param<>(uid, "handleInvalid", "how to handle invalid rows (null, NaN, infinite or wrong-length features, bad labels): "
                + "'error' throws naming the column, partition and row; 'skip' drops them", oneOf(HANDLE_INVALID));
        modelSpec = new Param<>(uid, "modelSpec", "the model as an Ember JSON model spec (see dev.ember.engine.nn.spec.ModelSpec)");
        modelFactory = new Param<>(uid, "modelFactory", "name of a class implementing dev.ember.spark.ModuleFactory, used instead of modelSpec");
        loss = new Param<>(uid, "loss", "loss function: " + String.join(", ", LOSSES), oneOf(LOSSES));
        optimizer = new Param<>(uid, "optimizer", "optimizer: " + String.join(", ", OPTIMIZERS), oneOf(OPTIMIZERS));
        lrSchedule = new Param<>(uid, "lrSchedule", "learning rate over the epochs: 'constant', or 'cosine' (epoch e of E uses "
                + "learningRate * (1 + cos(pi * e / E)) / 2, as torch's CosineAnnealingLR stepped once per epoch)", oneOf(LR_SCHEDULES));
        device = new Param<>(uid, "device", "where tasks train: 'auto' (the GPU Spark assigned to the task, else CPU), 'cpu' or 'cuda'", oneOf(DEVICES));
        checkpointDir = new Param<>(uid, "checkpointDir", "directory (any Hadoop file system) for per-round checkpoints; a restarted fit resumes from the last one. Empty: none");
        cacheStorage = new Param<>(uid, "cacheStorage", "where each partition's training tensors are kept between rounds: 'memory' (the heap), "
                + "'disk' (local files on the executor, read back every epoch; the heap holds a batch), or 'auto' (memory while a partition stays within "
                + "its share of the executor's storage memory, the rest on disk); the model is the same bit for bit", oneOf(CacheStorage.VALUES));
        validationIndicatorCol = new Param<>(uid, "validationIndicatorCol", "boolean column: rows marked true are held out of training and "
                + "evaluated after every round, or every epoch when rounds average gradients (TrainingSummary.validation); null rows are in neither set. Empty: train on all rows");
        learningRate = new DoubleParam(uid, "learningRate", "learning rate (> 0)", ParamValidators.gt(0));
        momentum = new DoubleParam(uid, "momentum", "momentum of sgd and rmsprop (>= 0)", ParamValidators.gtEq(0));
        weightDecay = new DoubleParam(uid, "weightDecay", "weight decay (L2 penalty, decoupled for adamw) (>= 0)", ParamValidators.gtEq(0));
        batchSize = new IntParam(uid, "batchSize", "examples per optimizer step over all workers: each of W workers takes batchSize / W "
                + "(rounded up, at least 1), so the same settings train alike on any number of workers (> 0)", ParamValidators.gt(0));
        inferenceBatchSize = new IntParam(uid, "inferenceBatchSize", "rows per model call in transform: large batches amortize each call "
                + "(the outputs do not depend on it) (> 0)", ParamValidators.gt(0));
        maxEpochs = new IntParam(uid, "maxEpochs", "passes over each worker's data (> 0)", ParamValidators.gt(0));
        localSteps = new IntParam(uid, "localSteps", "optimizer steps each worker takes between parameter averages; -1: one pass over its data; "
                + "0 (auto): one pass for a single worker, else a quarter of the per-worker batch, " + TrainConfig.MIN_AUTO_LOCAL_STEPS + " to "
                + TrainConfig.MAX_AUTO_LOCAL_STEPS
                + " (workers drift apart with local steps, the more so with small batches)", ParamValidators.gtEq(-1));
        averaging = new Param<>(uid, "averaging", "what the workers' results average into each round: 'gradients' (synchronous "
                + "data parallelism: every round is one optimizer step on the driver over the whole batch, like one worker; localSteps must be 0 or 1 "
                + "and the outer update plain), "
                + "'weights' (local SGD: localSteps steps per worker, then the weights and optimizer state are averaged), or 'auto' (gradients "
                + "when several workers get fewer than " + TrainConfig.GRADIENTS_BELOW_WORKER_BATCH + " rows a step, localSteps is 0, the outer "
                + "update plain and averageOptimizerState unset, else weights)",
                oneOf(AVERAGING));
        numWorkers = new IntParam(uid, "numWorkers", "number of training tasks (the data is repartitioned to it; 1 takes the partitions in turn, without a shuffle); 0 keeps the input's partitions", ParamValidators.gtEq(0));
        seed = new LongParam(uid, "seed", "random seed: model initialization, shuffling and dropout");
        averageOptimizerState = new BooleanParam(uid, "averageOptimizerState",
                "average the optimizer's state (Adam's moments, momentum buffers) across workers each round like the weights; false restarts it every round "
                + "(weights averaging only: with 'gradients' the optimizer lives on the driver, so setting it is refused there and makes 'auto' average weights)");
        warmupEpochs = new DoubleParam(uid, "warmupEpochs", "epochs over which each worker's learning rate rises linearly from "
                + "learningRate / (warmupEpochs * steps per epoch) to learningRate (Goyal et al. 2017); 0: no warm-up (>= 0)", ParamValidators.gtEq(0));
        outerLearningRate = new DoubleParam(uid, "outerLearningRate", "step size of the driver's update over each round's averaged change "
                + "of the weights (block momentum / SlowMo); 1 with outerMomentum 0 is plain averaging (> 0)", ParamValidators.gt(0));
        outerMomentum = new DoubleParam(uid, "outerMomentum", "momentum of the driver's update over the rounds' averaged changes "
                + "(block momentum, BMUF); 0: none (in [0, 1))", ParamValidators.inRange(0, 1, true, false));
        outerNesterov = new BooleanParam(uid, "outerNesterov", "use Nesterov momentum in the driver's update (with outerMomentum > 0)");

        owner.setDefault(featuresCol, "features");
        owner.setDefault(labelCol, "label");
        owner.setDefault(predictionCol, "prediction");
        owner.setDefault(probabilityCol, "probability");
        owner.setDefault(rawPredictionCol, "rawPrediction");
        owner.setDefault(outputCol, "");
        owner.setDefault(handleInvalid, "error");
        owner.setDefault(modelSpec, "");
        owner.setDefault(modelFactory, "");
        owner.setDefault(loss, "crossEntropy");
        owner.setDefault(optimizer, "adam");
        owner.setDefault(lrSchedule, "constant");
        owner.setDefault(device, "auto");
        owner.setDefault(checkpointDir, "");
        owner.setDefault(cacheStorage, CacheStorage.AUTO);
        owner.setDefault(validationIndicatorCol, "");
        owner.setDefault(learningRate, 1e-3);
        owner.setDefault(momentum, 0.0);
        owner.setDefault(weightDecay, 0.0);
        owner.setDefault(batchSize, 128);
        owner.setDefault(inferenceBatchSize, 4096);
        owner.setDefault(maxEpochs, 10);
        owner.setDefault(localSteps, 0);
        owner.setDefault(numWorkers, 0);
        owner.setDefault(averaging, "auto");
        // Spark ML's convention: the default seed is the hash of the class name.
        owner.setDefault(seed, (long) owner.getClass().getName().hashCode());
        owner.setDefault(averageOptimizerState, true);
        owner.setDefault(warmupEpochs, 0.0);
        owner.setDefault(outerLearningRate, 1.0);
        owner.setDefault(outerMomentum, 0.0);
        owner.setDefault(outerNesterov, true);
    }

    private static scala.Function1<String, Object> oneOf(String[] allowed) {
        return value -> value != null && Arrays.asList(allowed).contains(value);
    }

    /** The allowed value that equals {@code value} ignoring case, so "Adam" and "ADAM" work. */
    static String canonical(String value, String[] allowed) {
        for (String a : allowed) if (a.equalsIgnoreCase(value)) return a;
        throw new IllegalArgumentException("'" + value + "' is not one of " + Arrays.toString(allowed));
    }
}
