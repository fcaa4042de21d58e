package dev.ember.spark;

import dev.ember.engine.nn.Module;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.expressions.Attribute;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.catalyst.types.DataTypeUtils;
import org.apache.spark.sql.types.StructType;
import scala.collection.immutable.Seq;
import scala.jdk.javaapi.CollectionConverters;

/**
 * A trained Ember model as a Spark ML Transformer. {@link #transform} appends, for classification
 * losses, {@code rawPrediction} (logits), {@code probability} and {@code prediction} (the class index as a
 * double), as Spark ML classifiers do, so MulticlassClassificationEvaluator and
 * BinaryClassificationEvaluator work unchanged; for regression losses {@code prediction}; and, when
 * {@code outputCol} is set, the raw model output as {@code array<float>}. Saved with {@code write().save}
 * as Spark ML metadata plus the weights as safetensors; a spec-built model's {@code data/} folder is an
 * engine {@code SavedModel} that runs without Spark.
 */
public class EmberModel extends Model<EmberModel> implements EmberParams, MLWritable {
    private static final long serialVersionUID = 1L;

    private final String uid;
    private final ParamSet params;
    private final ModelSource source;
    private final Snapshot weights;
    private final int numFeatures, numClasses;
    private transient TrainingSummary summary;
    private transient String modelKey;

    EmberModel(String uid, ModelSource source, Snapshot weights, int numFeatures, int numClasses) {
        this.uid = uid;
        this.params = new ParamSet(this);
        this.source = source;
        this.weights = weights;
        this.numFeatures = numFeatures;
        this.numClasses = numClasses;
    }

    @Override public String uid() { return uid; }
    @Override public ParamSet paramSet() { return params; }

    public EmberModel setFeaturesCol(String v) { return put(featuresCol(), v); }
    public EmberModel setPredictionCol(String v) { return put(predictionCol(), v); }
    public EmberModel setProbabilityCol(String v) { return put(probabilityCol(), v); }
    public EmberModel setRawPredictionCol(String v) { return put(rawPredictionCol(), v); }
    public EmberModel setOutputCol(String v) { return put(outputCol(), v); }
    public EmberModel setHandleInvalid(String v) { return put(handleInvalid(), ParamSet.canonical(v, ParamSet.HANDLE_INVALID)); }
    public EmberModel setBatchSize(int v) { return put(batchSize(), v); }
    public EmberModel setInferenceBatchSize(int v) { return put(inferenceBatchSize(), v); }

    private <T> EmberModel put(org.apache.spark.ml.param.Param<T> param, T value) {
        set(param, value);
        return this;
    }

    /** Features per row the model takes. */
    public int numFeatures() { return numFeatures; }

    /** Classes for classification losses (2 for bceWithLogits); 1 for regression. */
    public int numClasses() { return numClasses; }

    /** The trained module with its weights, on the CPU. */
    public Module module() {
        Module m = source.build(0);
        weights.loadInto(m, null);
        return m;
    }

    ModelSource source() { return source; }

    /** This model's key in the executors' {@link ModelCache}: copies with the same weights share their built modules. */
    String modelKey() {
        if (modelKey == null) modelKey = ModelCache.key(uid, source, weights);
        return modelKey;
    }
    Snapshot weights() { return weights; }

    public boolean hasSummary() { return summary != null; }

    /** The training summary of the fit that made this model. */
    public TrainingSummary summary() {
        if (summary == null) throw new IllegalStateException("No training summary for EmberModel " + uid + ": it was loaded, not fitted");
        return summary;
    }

    void setSummary(TrainingSummary summary) { this.summary = summary; }

    @Override
    public StructType transformSchema(StructType schema) {
        Schemas.checkFeatures(schema, getFeaturesCol());
        return Schemas.withOutputs(schema, this);
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        StructType in = dataset.schema();
        StructType out = transformSchema(in);
        boolean vector = Schemas.checkFeatures(in, getFeaturesCol());
        SparkSession spark = dataset.sparkSession();
        boolean classification = isClassification();
        Inference.Setup setup = new Inference.Setup(modelKey(), source, weights, Objective.of(getLoss()), numFeatures, vector,
                in, getFeaturesCol(), getHandleInvalid(), getInferenceBatchSize(),
                classification && !getRawPredictionCol().isEmpty(), classification && !getProbabilityCol().isEmpty(),
                !getPredictionCol().isEmpty(), !getOutputCol().isEmpty(), getDevice(), null);
        // A plan node, not an RDD scan: Spark prunes the columns no one reads and pushes filters below it (InferenceRules).
        org.apache.spark.sql.classic.Dataset<?> input = (org.apache.spark.sql.classic.Dataset<?>) dataset;
        LogicalPlan child = input.logicalPlan();
        Attribute features = CollectionConverters.asJava(child.output()).stream().filter(a -> a.name().equals(getFeaturesCol())).findFirst().orElseThrow();
        Seq<Attribute> outputs = PlanSeqs.of(List.copyOf(CollectionConverters.asJava(
                DataTypeUtils.toAttributes(new StructType(Arrays.copyOfRange(out.fields(), in.fields().length, out.fields().length))))));
        InferenceRules.install(spark);
        return org.apache.spark.sql.classic.Dataset.ofRows((org.apache.spark.sql.classic.SparkSession) spark,
                new InferencePlan(setup, features, outputs, PlanSeqs.of(), child));
    }

    @Override
    public EmberModel copy(ParamMap extra) {
        EmberModel copy = copyValues(new EmberModel(uid, source, weights, numFeatures, numClasses), extra);
        copy.summary = summary;
        return copy.setParent(parent());
    }

    @Override public MLWriter write() { return new ModelFiles.Writer(this); }

    public static MLReader<EmberModel> read() { return new ModelFiles.Reader(); }

    public static EmberModel load(String path) { return read().load(path); }

    @Override public String toString() {
        return "EmberModel: uid=" + uid + ", numFeatures=" + numFeatures + ", numClasses=" + numClasses + ", loss=" + getLoss() + ", " + source;
    }
}
