package dev.ember.spark;

import dev.ember.engine.nn.Parameter;
import dev.ember.engine.optim.Adagrad;
import dev.ember.engine.optim.Adam;
import dev.ember.engine.optim.AdamW;
import dev.ember.engine.optim.Optimizer;
import dev.ember.engine.optim.RMSprop;
import dev.ember.engine.optim.SGD;
import java.io.Serializable;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The estimator's training settings as the executors need them: read once from the params in {@code fit}.
 *
 * @param batchSize  examples per optimizer step over all workers; each of the {@code workers} takes
 *                   {@link #workerBatchSize()} of them
 * @param localSteps optimizer steps per round, resolved: 0 means one pass over each worker's data; 1 with {@code gradients}
 * @param gradients  whether rounds average gradients into one driver-side optimizer step ({@link GradientRound}) rather than weights
 */
record TrainConfig(ModelSource source, Objective objective, String optimizer, double learningRate, String lrSchedule, double momentum,
                   double weightDecay, int batchSize, int maxEpochs, int localSteps, long seed,
                   boolean averageOptimizerState, String device, double warmupEpochs, int workers, String fitId, boolean gradients) implements Serializable {
    /** The fewest and most local steps between averages that {@code localSteps = 0} (auto) chooses. */
    static final int MIN_AUTO_LOCAL_STEPS = 4, MAX_AUTO_LOCAL_STEPS = 16;

    /**
     * {@code averaging = "auto"} averages gradients when several workers get fewer rows a step than this. From the simulation of
     * the connector's rounds (Fashion-MNIST MLP, Adam, batch 128, 5 epochs, examples/python/scaleout_sim_batched.py): averaging
     * weights every 4 local steps lost 0.24 points to one worker at 8 workers (16 rows a step), 0.67 at 32 (4 rows) and 0.92
     * at 128 (1 row); averaged gradients are one worker's training whatever the number of workers.
     */
    static final int GRADIENTS_BELOW_WORKER_BATCH = 16;

    static TrainConfig of(EmberParams p, ModelSource source, int workers, String fitId) {
        int batch = p.getBatchSize(), workerBatch = workerBatchSize(batch, workers);
        boolean plainOuter = p.getOuterLearningRate() == 1 && p.getOuterMomentum() == 0;
        boolean gradients = averagesGradients(p.getAveraging(), p.getLocalSteps(), plainOuter, p.isSet(p.averageOptimizerState()), workers, workerBatch);
        return new TrainConfig(source, Objective.of(p.getLoss()), p.getOptimizer(), p.getLearningRate(), p.getLrSchedule(), p.getMomentum(),
                p.getWeightDecay(), batch, p.getMaxEpochs(), gradients ? 1 : resolveLocalSteps(p.getLocalSteps(), workers, workerBatch),
                p.getSeed(), p.getAverageOptimizerState(), p.getDevice(), p.getWarmupEpochs(), workers, fitId, gradients);
    }

    /**
     * The {@code averaging} param resolved: true for gradients. A round of averaged gradients is one step of the driver's
     * optimizer, so local steps other than 1, an outer update (over averaged weights) and an explicit
     * {@code averageOptimizerState} (the driver's optimizer state is never averaged) contradict it; asking for any of
     * them makes {@code auto} average weights.
     */
    static boolean averagesGradients(String averaging, int localSteps, boolean plainOuter, boolean optimizerStateSet, int workers, int workerBatch) {
        return switch (averaging) {
            case "gradients" -> {
                if (localSteps != 0 && localSteps != 1) {
                    throw new IllegalArgumentException("localSteps = " + localSteps + " contradicts averaging = \"gradients\", whose every round is "
                            + "one optimizer step over the whole batch: set localSteps to 0 or 1, or averaging to \"weights\" for local steps");
                }
                if (!plainOuter) {
                    throw new IllegalArgumentException("outerLearningRate / outerMomentum step over averaged weights, but averaging = \"gradients\" "
                            + "averages gradients into the driver's optimizer: leave them at 1 / 0, or set averaging to \"weights\"");
                }
                if (optimizerStateSet) {
                    throw new IllegalArgumentException("averageOptimizerState is set, but averaging = \"gradients\" keeps the only optimizer "
                            + "state on the driver and has none to average: leave averageOptimizerState unset, or set averaging to \"weights\"");
                }
                yield true;
            }
            case "weights" -> false;
            default -> workers > 1 && localSteps == 0 && plainOuter && !optimizerStateSet && workerBatch < GRADIENTS_BELOW_WORKER_BATCH;
        };
    }

    /**
     * The {@code localSteps} param as rounds use it (0 meaning one pass per round): -1 is one pass per round; 0 (auto)
     * is one pass for a single worker (averaging one model changes nothing), else a quarter of the worker's batch
     * size, between {@value #MIN_AUTO_LOCAL_STEPS} and {@value #MAX_AUTO_LOCAL_STEPS}. Measured (Fashion-MNIST MLP, Adam,
     * 5 epochs): workers drift apart with their local steps, the more so the smaller their batches; at local steps /
     * worker batch = 1/4 the averaged model stayed within 0.4-0.6 points of one worker's, at 1 it lost 1.1-1.3, at 4
     * it lost 2.2-3.1. Below 4 steps, rounds multiply and accuracy does not improve (32 workers: 0.8723 at 4 steps,
     * 0.8727 at 1).
     */
    static int resolveLocalSteps(int param, int workers, int workerBatch) {
        if (param > 0) return param;
        if (param < 0 || workers == 1) return 0;
        return Math.max(MIN_AUTO_LOCAL_STEPS, Math.min(MAX_AUTO_LOCAL_STEPS, workerBatch / 4));
    }

    /**
     * Examples per step on each worker: {@code batchSize / workers}, rounded up, so the workers' steps together
     * see about {@code batchSize} examples whatever the number of workers, and the same settings train alike
     * on 1 or 128 of them.
     */
    int workerBatchSize() { return workerBatchSize(batchSize, workers); }

    static int workerBatchSize(int batchSize, int workers) { return Math.max(1, (batchSize + workers - 1) / workers); }

    Optimizer newOptimizer(List<Parameter> params) {
        return switch (optimizer) {
            case "adam" -> Adam.builder(params).lr(learningRate).weightDecay(weightDecay).build();
            case "adamw" -> AdamW.builder(params).lr(learningRate).weightDecay(weightDecay).build();
            case "sgd" -> SGD.builder(params).lr(learningRate).momentum(momentum).weightDecay(weightDecay).build();
            case "rmsprop" -> RMSprop.builder(params).lr(learningRate).momentum(momentum).weightDecay(weightDecay).build();
            case "adagrad" -> Adagrad.builder(params).lr(learningRate).weightDecay(weightDecay).build();
            default -> throw new IllegalArgumentException("Unknown optimizer '" + optimizer + "'");
        };
    }

    /** The learning rate of an epoch (0-based) under the schedule. */
    double learningRate(long epoch) {
        if (lrSchedule.equals("constant")) return learningRate;
        return learningRate * (1 + Math.cos(Math.PI * epoch / maxEpochs)) / 2;
    }

    /**
     * The learning rate of a worker's global step {@code step} (0-based), with {@code stepsPerEpoch} steps in its
     * epochs: the schedule's rate of the step's epoch, times {@code (step + 1) / (warmupEpochs * stepsPerEpoch)}
     * while that is below 1 (linear warm-up, Goyal et al. 2017).
     */
    double learningRate(long step, int stepsPerEpoch) {
        double lr = learningRate(step / stepsPerEpoch);
        double warmupSteps = warmupEpochs * stepsPerEpoch;
        return step + 1 < warmupSteps ? lr * ((step + 1) / warmupSteps) : lr;
    }

    /** The optimizer steps partition's data gives per round, as {@code [first, end)} global step indexes. */
    long[] stepsOfRound(int round, int stepsPerEpoch) {
        long total = (long) maxEpochs * stepsPerEpoch;
        long first = localSteps == 0 ? (long) round * stepsPerEpoch : (long) round * localSteps;
        long end = localSteps == 0 ? first + stepsPerEpoch : first + localSteps;
        return new long[]{Math.min(first, total), Math.min(end, total)};
    }

    /** Rounds needed for every partition to finish its epochs, given the largest partition's steps per epoch. */
    int rounds(int maxStepsPerEpoch) {
        if (localSteps == 0) return maxEpochs;
        return (int) Math.max(1, (maxEpochs * (long) maxStepsPerEpoch + localSteps - 1) / localSteps);
    }

    /** The DataLoader shuffle seed of a partition: its epochs' orders are that loader's permutations. */
    static long shuffleSeed(long seed, int partition) { return new SplittableRandom(seed ^ (0x9E3779B97F4A7C15L * (partition + 1L))).nextLong(); }

    /** The default generator's seed (dropout) for one partition in one round. */
    static long roundSeed(long seed, int partition, int round) { return new SplittableRandom(shuffleSeed(seed, partition) + round).nextLong(); }
}
