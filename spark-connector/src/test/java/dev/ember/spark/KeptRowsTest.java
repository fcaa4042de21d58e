package dev.ember.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeProjection;
import org.apache.spark.sql.catalyst.expressions.UnsafeRow;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.types.UTF8String;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class KeptRowsTest {
    @Test
    void rowsComeBackAsAddedPastTheFirstBufferAndAcrossBatches() {
        StructType schema = new StructType().add("id", DataTypes.LongType).add("note", DataTypes.StringType);
        UnsafeProjection project = UnsafeProjection.create(schema);
        KeptRows kept = new KeptRows(2);
        for (int batch = 0; batch < 2; batch++) {
            kept.clear();
            // 3000 rows of 16 to ~200 bytes: past the first 64 KiB and 1024 rows. The projection reuses its row, as Spark's operators do.
            for (int i = 0; i < 3000; i++) kept.add(project.apply(row(batch, i)));
            assertEquals(3000, kept.size());
            for (int i = 0; i < 3000; i++) {
                UnsafeRow r = kept.get(i);
                assertEquals(1000L * batch + i, r.getLong(0), "batch " + batch + " row " + i);
                assertEquals(note(i), r.getUTF8String(1).toString(), "batch " + batch + " row " + i);
            }
        }
    }

    private static InternalRow row(int batch, int i) {
        return InternalRow.apply(scala.jdk.javaapi.CollectionConverters.asScala(
                java.util.List.<Object>of(1000L * batch + i, UTF8String.fromString(note(i)))).toSeq());
    }

    private static String note(int i) { return "n".repeat(i % 180); }
}
