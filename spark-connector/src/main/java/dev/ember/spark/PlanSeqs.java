package dev.ember.spark;

import java.util.ArrayList;
import java.util.List;
import scala.collection.immutable.Seq;
import scala.jdk.javaapi.CollectionConverters;

/** Scala sequences for Catalyst's signatures. */
final class PlanSeqs {
    private PlanSeqs() {}

    @SafeVarargs
    static <T> Seq<T> of(T... items) { return of(List.of(items)); }

    static <T> Seq<T> of(List<T> items) { return CollectionConverters.asScala(items).toSeq(); }

    static <T> Seq<T> concat(Seq<T> a, Seq<T> b) {
        List<T> all = new ArrayList<>(CollectionConverters.asJava(a));
        all.addAll(CollectionConverters.asJava(b));
        return of(all);
    }
}
