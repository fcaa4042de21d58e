package dev.ember.spark;

import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;

/**
 * The params {@link EmberEstimator} and {@link EmberModel} share, with their getters. Spark ML finds
 * params through public no-argument methods returning a {@code Param}, which these default methods are.
 */
public interface EmberParams extends Params {
    /** This stage's own Param objects. */
    ParamSet paramSet();

    default Param<String> featuresCol() { return paramSet().featuresCol; }
    default Param<String> labelCol() { return paramSet().labelCol; }
    default Param<String> predictionCol() { return paramSet().predictionCol; }
    default Param<String> probabilityCol() { return paramSet().probabilityCol; }
    default Param<String> rawPredictionCol() { return paramSet().rawPredictionCol; }
    default Param<String> outputCol() { return paramSet().outputCol; }
    default Param<String> handleInvalid() { return paramSet().handleInvalid; }
    default Param<String> modelSpec() { return paramSet().modelSpec; }
    default Param<String> modelFactory() { return paramSet().modelFactory; }
    default Param<String> loss() { return paramSet().loss; }
    default Param<String> optimizer() { return paramSet().optimizer; }
    default Param<String> lrSchedule() { return paramSet().lrSchedule; }
    default Param<String> device() { return paramSet().device; }
    default Param<String> checkpointDir() { return paramSet().checkpointDir; }
    default Param<String> cacheStorage() { return paramSet().cacheStorage; }
    default Param<String> validationIndicatorCol() { return paramSet().validationIndicatorCol; }
    default Param<String> averaging() { return paramSet().averaging; }
    default DoubleParam learningRate() { return paramSet().learningRate; }
    default DoubleParam momentum() { return paramSet().momentum; }
    default DoubleParam weightDecay() { return paramSet().weightDecay; }
    default IntParam batchSize() { return paramSet().batchSize; }
    default IntParam inferenceBatchSize() { return paramSet().inferenceBatchSize; }
    default IntParam maxEpochs() { return paramSet().maxEpochs; }
    default IntParam localSteps() { return paramSet().localSteps; }
    default IntParam numWorkers() { return paramSet().numWorkers; }
    default LongParam seed() { return paramSet().seed; }
    default BooleanParam averageOptimizerState() { return paramSet().averageOptimizerState; }
    default DoubleParam warmupEpochs() { return paramSet().warmupEpochs; }
    default DoubleParam outerLearningRate() { return paramSet().outerLearningRate; }
    default DoubleParam outerMomentum() { return paramSet().outerMomentum; }
    default BooleanParam outerNesterov() { return paramSet().outerNesterov; }

    default String getFeaturesCol() { return getOrDefault(featuresCol()); }
    default String getLabelCol() { return getOrDefault(labelCol()); }
    default String getPredictionCol() { return getOrDefault(predictionCol()); }
    default String getProbabilityCol() { return getOrDefault(probabilityCol()); }
    default String getRawPredictionCol() { return getOrDefault(rawPredictionCol()); }
    default String getOutputCol() { return getOrDefault(outputCol()); }
    default String getHandleInvalid() { return getOrDefault(handleInvalid()); }
    default String getModelSpec() { return getOrDefault(modelSpec()); }
    default String getModelFactory() { return getOrDefault(modelFactory()); }
    default String getLoss() { return getOrDefault(loss()); }
    default String getOptimizer() { return getOrDefault(optimizer()); }
    default String getLrSchedule() { return getOrDefault(lrSchedule()); }
    default String getDevice() { return getOrDefault(device()); }
    default String getCheckpointDir() { return getOrDefault(checkpointDir()); }
    default String getCacheStorage() { return getOrDefault(cacheStorage()); }
    default String getValidationIndicatorCol() { return getOrDefault(validationIndicatorCol()); }
    default String getAveraging() { return getOrDefault(averaging()); }
    default double getLearningRate() { return (Double) getOrDefault(learningRate()); }
    default double getMomentum() { return (Double) getOrDefault(momentum()); }
    default double getWeightDecay() { return (Double) getOrDefault(weightDecay()); }
    default int getBatchSize() { return (Integer) getOrDefault(batchSize()); }
    default int getInferenceBatchSize() { return (Integer) getOrDefault(inferenceBatchSize()); }
    default int getMaxEpochs() { return (Integer) getOrDefault(maxEpochs()); }
    default int getLocalSteps() { return (Integer) getOrDefault(localSteps()); }
    default int getNumWorkers() { return (Integer) getOrDefault(numWorkers()); }
    default long getSeed() { return (Long) getOrDefault(seed()); }
    default boolean getAverageOptimizerState() { return (Boolean) getOrDefault(averageOptimizerState()); }
    default double getWarmupEpochs() { return (Double) getOrDefault(warmupEpochs()); }
    default double getOuterLearningRate() { return (Double) getOrDefault(outerLearningRate()); }
    default double getOuterMomentum() { return (Double) getOrDefault(outerMomentum()); }
    default boolean getOuterNesterov() { return (Boolean) getOrDefault(outerNesterov()); }

    /** True for losses whose labels are class indexes; their models get Spark ML's classifier columns. */
    default boolean isClassification() {
        return switch (getLoss()) {
            case "crossEntropy", "nll", "bceWithLogits" -> true;
            default -> false;
        };
    }
}
