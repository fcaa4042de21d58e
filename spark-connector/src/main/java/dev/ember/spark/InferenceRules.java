package dev.ember.spark;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.ExperimentalMethods;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.expressions.And;
import org.apache.spark.sql.catalyst.expressions.Attribute;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.NamedExpression;
import org.apache.spark.sql.catalyst.plans.logical.Filter;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.catalyst.plans.logical.Project;
import org.apache.spark.sql.catalyst.rules.Rule;
import scala.jdk.javaapi.CollectionConverters;
import scala.runtime.AbstractPartialFunction;

/**
 * What Spark's optimizer cannot know about an {@link InferencePlan}, as one rule: a filter's conditions that read only
 * passed-through columns go below it (they never see the model's outputs, and Spark then pushes them further, into
 * a Parquet scan or a cache's batch statistics); output columns no one above reads are not computed, and input
 * columns no one above reads (the features, often) are not copied into the result; a select left listing exactly the
 * node's columns is dropped (its projection would only copy every row again). Rows are
 * scored independently, so filtering before or after gives the same rows.
 */
final class InferenceRules extends Rule<LogicalPlan> {
    @Override
    public LogicalPlan apply(LogicalPlan plan) {
        return plan.transformDown(new AbstractPartialFunction<LogicalPlan, LogicalPlan>() {
            @Override public boolean isDefinedAt(LogicalPlan p) {
                return (p instanceof Filter f && f.child() instanceof InferencePlan) || (p instanceof Project q && q.child() instanceof InferencePlan);
            }
            @Override public LogicalPlan apply(LogicalPlan p) {
                if (p instanceof Filter f && f.child() instanceof InferencePlan node) return pushFilter(f.condition(), node, f);
                if (p instanceof Project q && q.child() instanceof InferencePlan node) return pruneOutputs(q, node);
                return p;
            }
        });
    }

    private static LogicalPlan pushFilter(Expression condition, InferencePlan node, Filter unchanged) {
        List<Expression> below = new ArrayList<>(), above = new ArrayList<>();
        for (Expression c : conjuncts(condition, new ArrayList<>())) {
            boolean passesThrough = c.deterministic() && c.references().subsetOf(node.child().outputSet());
            (passesThrough ? below : above).add(c);
        }
        if (below.isEmpty()) return unchanged;
        LogicalPlan pushed = node.withChild(new Filter(and(below), node.child()));
        return above.isEmpty() ? pushed : new Filter(and(above), pushed);
    }

    private static LogicalPlan pruneOutputs(Project project, InferencePlan node) {
        InferencePlan pruned = node.keeping(project.references());
        if (pruned.output().size() == node.output().size()) return project;
        // A select of exactly the pruned node's columns, in order, is the node itself: no projection copying every row again.
        return selectsExactly(project, pruned) ? pruned : new Project(project.projectList(), pruned);
    }

    /** Whether {@code project} lists {@code node}'s output columns, unrenamed, in order. */
    static boolean selectsExactly(Project project, LogicalPlan node) {
        List<NamedExpression> listed = CollectionConverters.asJava(project.projectList());
        List<Attribute> output = CollectionConverters.asJava(node.output());
        if (listed.size() != output.size()) return false;
        for (int i = 0; i < listed.size(); i++) {
            if (!(listed.get(i) instanceof Attribute a) || !a.exprId().equals(output.get(i).exprId()) || !a.name().equals(output.get(i).name())) return false;
        }
        return true;
    }

    private static List<Expression> conjuncts(Expression e, List<Expression> into) {
        if (e instanceof And a) {
            conjuncts(a.left(), into);
            conjuncts(a.right(), into);
        } else {
            into.add(e);
        }
        return into;
    }

    private static Expression and(List<Expression> conditions) {
        Expression all = conditions.get(0);
        for (int i = 1; i < conditions.size(); i++) all = new And(all, conditions.get(i));
        return all;
    }

    /** Registers the planner strategy and this rule on the session, once; a session built with {@link EmberExtensions} has them already. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    static void install(SparkSession spark) {
        if (EmberExtensions.configured(spark)) return;
        ExperimentalMethods methods = spark.experimental();
        synchronized (methods) {
            if (!methods.extraStrategies().exists(s -> s instanceof InferenceStrategy)) {
                methods.extraStrategies_$eq((scala.collection.immutable.Seq) methods.extraStrategies().appended(new InferenceStrategy()));
            }
            if (!methods.extraOptimizations().exists(r -> r instanceof InferenceRules)) {
                methods.extraOptimizations_$eq((scala.collection.immutable.Seq) methods.extraOptimizations().appended(new InferenceRules()));
            }
        }
    }
}
