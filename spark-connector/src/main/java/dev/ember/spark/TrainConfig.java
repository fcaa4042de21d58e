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

/** The estimator's training settings as the executors need them: read once from the params in {@code fit}. */
record TrainConfig(ModelSource source, Objective objective, String optimizer, double learningRate, String lrSchedule, double momentum,
                   double weightDecay, int batchSize, int maxEpochs, int localSteps, long seed,
                   boolean averageOptimizerState, String device, String fitId) implements Serializable {

    static TrainConfig of(EmberParams p, ModelSource source, String fitId) {
        return new TrainConfig(source, Objective.of(p.getLoss()), p.getOptimizer(), p.getLearningRate(), p.getLrSchedule(), p.getMomentum(),
                p.getWeightDecay(), p.getBatchSize(), p.getMaxEpochs(), p.getLocalSteps(), p.getSeed(),
                p.getAverageOptimizerState(), p.getDevice(), fitId);
    }

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
