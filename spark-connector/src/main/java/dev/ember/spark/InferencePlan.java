package dev.ember.spark;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.catalyst.expressions.Attribute;
import org.apache.spark.sql.catalyst.expressions.AttributeSet;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.types.StructType;
import scala.collection.immutable.IndexedSeq;
import scala.collection.immutable.Seq;
import scala.jdk.javaapi.CollectionConverters;

/**
 * {@code EmberModel.transform} in a logical plan: every column of the child passes through and the model's output
 * columns are appended. It reads only the features column ({@link #references}), so Spark's own ColumnPruning,
 * which prunes the child of any node that passes its child's columns on, drops the columns no one reads above it;
 * {@link InferenceRules} pushes filters on passed-through columns below it and drops the output and input columns no
 * one reads from its result.
 * Planned by {@link InferenceStrategy} as an {@link InferenceExec}.
 *
 * <p>A Java subclass of Catalyst's Scala classes: the product methods list the constructor's arguments in order,
 * as a case class's would, because Catalyst copies nodes through them ({@code makeCopy}) when it rewrites
 * expressions.
 */
public final class InferencePlan extends LogicalPlan {
    private static final long serialVersionUID = 1L;

    private final Inference.Setup setup;
    private final Attribute features;
    private final Seq<Attribute> outputs;
    /** Columns of the child the result leaves out: nobody above reads them. */
    private final Seq<Attribute> dropped;
    private final LogicalPlan child;

    /** {@code outputs} are the model's columns in {@link Inference.Setup#outputNames()} order. */
    public InferencePlan(Inference.Setup setup, Attribute features, Seq<Attribute> outputs, Seq<Attribute> dropped, LogicalPlan child) {
        this.setup = setup;
        this.features = features;
        this.outputs = outputs;
        this.dropped = dropped;
        this.child = child;
    }

    Inference.Setup setup() { return setup; }
    Attribute features() { return features; }
    Seq<Attribute> outputs() { return outputs; }
    Seq<Attribute> dropped() { return dropped; }
    public LogicalPlan child() { return child; }

    @Override public Seq<Attribute> output() { return PlanSeqs.concat(passedThrough(child.output(), dropped), outputs); }
    @Override public Seq<LogicalPlan> children() { return PlanSeqs.of(child); }
    @SuppressWarnings({"unchecked", "rawtypes"})
    @Override public AttributeSet producedAttributes() { return AttributeSet.apply((scala.collection.Iterable) outputs); }

    @Override
    public LogicalPlan withNewChildrenInternal(IndexedSeq<LogicalPlan> children) {
        return new InferencePlan(setup, features, outputs, dropped, children.apply(0));
    }

    InferencePlan withChild(LogicalPlan newChild) { return new InferencePlan(setup, features, outputs, dropped, newChild); }

    /** The node reads the features alone: the columns it passes on are not its references, so Spark prunes the others below it. */
    @Override public AttributeSet references() { return AttributeSet.apply(features); }

    /** The columns of {@code input} not in {@code dropped}, in order. */
    static Seq<Attribute> passedThrough(Seq<Attribute> input, Seq<Attribute> dropped) {
        List<Attribute> kept = new ArrayList<>();
        for (Attribute a : CollectionConverters.asJava(input)) if (!dropped.exists(d -> d.exprId().equals(a.exprId()))) kept.add(a);
        return PlanSeqs.of(kept);
    }

    /** This node computing only the outputs, and passing on only the child's columns, in {@code read} (what the plan above reads). */
    InferencePlan keeping(AttributeSet read) {
        List<String> names = setup.outputNames();
        List<Attribute> attributes = new ArrayList<>();
        List<String> keptNames = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            Attribute a = outputs.apply(i);
            if (!read.contains(a)) continue;
            attributes.add(a);
            keptNames.add(names.get(i));
        }
        List<Attribute> unread = new ArrayList<>();
        for (Attribute a : CollectionConverters.asJava(child.output())) if (!read.contains(a)) unread.add(a);
        return new InferencePlan(setup.keeping(keptNames), features, PlanSeqs.of(attributes), PlanSeqs.of(unread), child);
    }

    static StructType schemaOf(Seq<Attribute> attributes) {
        return org.apache.spark.sql.catalyst.types.DataTypeUtils.fromAttributes(attributes);
    }

    @Override public String simpleString(int maxFields) { return describe("EmberInference", features, outputs, setup); }

    static String describe(String node, Attribute features, Seq<Attribute> outputs, Inference.Setup setup) {
        return node + " " + features + " -> " + CollectionConverters.asJava(outputs) + ", model " + setup.modelKey().split("/")[0]
                + ", batch " + setup.batchSize() + ", handleInvalid " + setup.handleInvalid();
    }

    /** The constructor's arguments in order, as a case class's product: Catalyst copies nodes through them. */
    private Object[] args() { return new Object[]{setup, features, outputs, dropped, child}; }

    @Override public int productArity() { return 5; }
    @Override public Object productElement(int n) { return args()[n]; }
    @Override public boolean canEqual(Object that) { return that instanceof InferencePlan; }
    @Override public boolean equals(Object o) { return o instanceof InferencePlan p && Arrays.equals(args(), p.args()); }
    @Override public int hashCode() { return Arrays.hashCode(args()); }
}
