package dev.ember.spark;

import org.apache.spark.sql.SparkSessionExtensions;
import scala.runtime.AbstractFunction1;
import scala.runtime.BoxedUnit;

/**
 * Ember's planner strategy and optimizer rule as a Spark session extension, for sessions built with
 * {@code spark.sql.extensions=dev.ember.spark.EmberExtensions}: every session then plans {@code EmberModel.transform}
 * from its start, and {@code transform} registers nothing on {@code spark.experimental()}. Without it,
 * {@code transform} registers both there on first use, as before.
 */
public final class EmberExtensions extends AbstractFunction1<SparkSessionExtensions, BoxedUnit> {
    /** The class name {@code spark.sql.extensions} takes. */
    public static final String NAME = EmberExtensions.class.getName();

    @Override
    public BoxedUnit apply(SparkSessionExtensions extensions) {
        extensions.injectOptimizerRule(session -> new InferenceRules());
        extensions.injectPlannerStrategy(session -> new InferenceStrategy());
        return BoxedUnit.UNIT;
    }

    /** Whether {@code spark.sql.extensions} (a comma-separated list) of this session names this class. */
    static boolean configured(org.apache.spark.sql.SparkSession spark) {
        for (String name : spark.sparkContext().conf().get("spark.sql.extensions", "").split(",")) {
            if (name.trim().equals(NAME)) return true;
        }
        return false;
    }
}
