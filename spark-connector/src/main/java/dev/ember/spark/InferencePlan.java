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
 * {@link InferenceRules} pushes filters on passed-through columns below it and drops output columns no one reads.
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
    private final LogicalPlan child;

    /** {@code outputs} are the model's columns in {@link Inference.Setup#outputNames()} order. */
    public InferencePlan(Inference.Setup setup, Attribute features, Seq<Attribute> outputs, LogicalPlan child) {
        this.setup = setup;
        this.features = features;
        this.outputs = outputs;
        this.child = child;
    }

    Inference.Setup setup() { return setup; }
    Attribute features() { return features; }
    Seq<Attribute> outputs() { return outputs; }
    public LogicalPlan child() { return child; }

    @Override public Seq<Attribute> output() { return PlanSeqs.concat(child.output(), outputs); }
    @Override public Seq<LogicalPlan> children() { return PlanSeqs.of(child); }
    @SuppressWarnings({"unchecked", "rawtypes"})
    @Override public AttributeSet producedAttributes() { return AttributeSet.apply((scala.collection.Iterable) outputs); }

    @Override
    public LogicalPlan withNewChildrenInternal(IndexedSeq<LogicalPlan> children) {
        return new InferencePlan(setup, features, outputs, children.apply(0));
    }

    InferencePlan withChild(LogicalPlan newChild) { return new InferencePlan(setup, features, outputs, newChild); }

    /** This node computing only the output columns in {@code kept} (the others are read by no one). */
    InferencePlan keeping(AttributeSet kept) {
        List<String> names = setup.outputNames();
        List<Attribute> attributes = new ArrayList<>();
        List<String> keptNames = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            Attribute a = outputs.apply(i);
            if (!kept.contains(a)) continue;
            attributes.add(a);
            keptNames.add(names.get(i));
        }
        return new InferencePlan(setup.keeping(keptNames), features, PlanSeqs.of(attributes), child);
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
    private Object[] args() { return new Object[]{setup, features, outputs, child}; }

    @Override public int productArity() { return 4; }
    @Override public Object productElement(int n) { return args()[n]; }
    @Override public boolean canEqual(Object that) { return that instanceof InferencePlan; }
    @Override public boolean equals(Object o) { return o instanceof InferencePlan p && Arrays.equals(args(), p.args()); }
    @Override public int hashCode() { return Arrays.hashCode(args()); }
}
