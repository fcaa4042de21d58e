package dev.ember.spark;

import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.execution.SparkPlan;
import org.apache.spark.sql.execution.SparkStrategy;
import scala.collection.immutable.Seq;

/** Plans an {@link InferencePlan} as an {@link InferenceExec} over its planned child. */
final class InferenceStrategy extends SparkStrategy {
    @Override
    public Seq<SparkPlan> apply(LogicalPlan plan) {
        if (!(plan instanceof InferencePlan p)) return PlanSeqs.of();
        return PlanSeqs.of(new InferenceExec(p.setup(), p.features(), p.outputs(), p.dropped(), planLater(p.child())));
    }
}
