package dev.ember.spark;

import java.util.Arrays;
import java.util.Iterator;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.rdd.RDD;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.Attribute;
import org.apache.spark.sql.execution.ColumnarToRowExec;
import org.apache.spark.sql.execution.InputAdapter;
import org.apache.spark.sql.execution.SparkPlan;
import org.apache.spark.sql.execution.WholeStageCodegenExec;
import org.apache.spark.sql.vectorized.ColumnarBatch;
import scala.collection.immutable.IndexedSeq;
import scala.collection.immutable.Seq;

/**
 * The physical {@link InferencePlan}: each partition of the child's rows goes through {@link Inference}, which
 * writes every input row and its outputs into one {@code UnsafeRow}. The setup (model source and weights) is
 * broadcast once per execution; executors build the model once ({@link ModelCache}).
 */
public final class InferenceExec extends SparkPlan {
    private static final long serialVersionUID = 1L;

    private final Inference.Setup setup;
    private final Attribute features;
    private final Seq<Attribute> outputs;
    /** Columns of the child the result leaves out: nobody above reads them. */
    private final Seq<Attribute> dropped;
    private final SparkPlan child;

    public InferenceExec(Inference.Setup setup, Attribute features, Seq<Attribute> outputs, Seq<Attribute> dropped, SparkPlan child) {
        this.setup = setup;
        this.features = features;
        this.outputs = outputs;
        this.dropped = dropped;
        this.child = child;
    }

    public SparkPlan child() { return child; }

    @Override public Seq<Attribute> output() { return PlanSeqs.concat(InferencePlan.passedThrough(child.output(), dropped), outputs); }
    @Override public Seq<SparkPlan> children() { return PlanSeqs.of(child); }

    @Override
    public SparkPlan withNewChildrenInternal(IndexedSeq<SparkPlan> children) {
        return new InferenceExec(setup, features, outputs, dropped, children.apply(0));
    }

    @Override
    public RDD<InternalRow> doExecute() {
        // The child's columns are known only now, after pruning: the rows are read by position.
        Seq<Attribute> input = child.output(), kept = InferencePlan.passedThrough(input, dropped);
        int[] passThrough = scala.jdk.javaapi.CollectionConverters.asJava(kept).stream().mapToInt(a -> input.indexOf(a)).toArray();
        Inference.Setup bound = setup.reading(InferencePlan.schemaOf(input), passThrough);
        Broadcast<Inference.Setup> shared = JavaSparkContext.fromSparkContext(sparkContext()).broadcast(bound);
        SparkPlan columnar = columnarSource(child);
        if (columnar != null) return columnar.executeColumnar().toJavaRDD().mapPartitionsWithIndex(new ReadBatches(shared), true).rdd();
        return child.execute().toJavaRDD().mapPartitionsWithIndex(new ReadRows(shared), true).rdd();
    }

    /**
     * The plan below Spark's conversion of columnar batches to rows, when there is one (a Parquet scan with the
     * vectorized reader): this node reads its batches itself, without the rows Spark would make of them.
     */
    static SparkPlan columnarSource(SparkPlan plan) {
        SparkPlan p = plan instanceof WholeStageCodegenExec w ? w.child() : plan;
        if (!(p instanceof ColumnarToRowExec c)) return null;
        SparkPlan source = c.child() instanceof InputAdapter a ? a.child() : c.child();
        return source.supportsColumnar() ? source : null;
    }

    /** Named function classes: Spark's ClosureCleaner has no lambda class file to parse. */
    private record ReadRows(Broadcast<Inference.Setup> setup) implements Function2<Integer, Iterator<InternalRow>, Iterator<InternalRow>> {
        @Override public Iterator<InternalRow> call(Integer partition, Iterator<InternalRow> rows) {
            return Inference.ofRows(partition, rows, setup.value());
        }
    }

    private record ReadBatches(Broadcast<Inference.Setup> setup) implements Function2<Integer, Iterator<ColumnarBatch>, Iterator<InternalRow>> {
        @Override public Iterator<InternalRow> call(Integer partition, Iterator<ColumnarBatch> batches) {
            return Inference.ofBatches(partition, batches, setup.value());
        }
    }

    @Override public String simpleString(int maxFields) {
        return InferencePlan.describe("EmberInferenceExec", features, outputs, setup) + (columnarSource(child) != null ? ", reads columnar batches" : "");
    }

    /** The constructor's arguments in order, as a case class's product: Catalyst copies nodes through them. */
    private Object[] args() { return new Object[]{setup, features, outputs, dropped, child}; }

    @Override public int productArity() { return 5; }
    @Override public Object productElement(int n) { return args()[n]; }
    @Override public boolean canEqual(Object that) { return that instanceof InferenceExec; }
    @Override public boolean equals(Object o) { return o instanceof InferenceExec p && Arrays.equals(args(), p.args()); }
    @Override public int hashCode() { return Arrays.hashCode(args()); }
}
