package dev.ember.examples.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ember.examples.Jvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** examples/notebooks/run: the Fashion-MNIST notebook executed headless on the Kotlin kernel, its figures read back. */
class NotebookTest {
    @Test
    @Tag("slow") // installs nbconvert and the kernel when missing, then a 4-epoch fit on 60,000 rows: ~3 min on 2 shared cores
    @Timeout(value = 15, unit = TimeUnit.MINUTES)
    void theFashionMnistNotebookFitsEvaluatesAndShowsItsTableAndCurve() throws Exception {
        assumeTrue(UserProjectTest.shadedJar() != null, "no shaded connector jar: it is built by `mvn package` (run `mvn -B -ntp verify`)");
        assumeTrue(Files.isDirectory(Path.of(SparkJobs.DEFAULT_DATA)) || Files.exists(Jvm.ROOT.resolve("data/fashion-mnist-parquet/test/_SUCCESS")),
                "no Fashion-MNIST: apt-get install dataset-fashion-mnist");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/jupyter-nbconvert")) || Files.isExecutable(Path.of("/usr/bin/apt-get")),
                "neither Jupyter's nbconvert nor apt-get to install it");

        Jvm.Finished run = Jvm.run(List.of("examples/notebooks/run"), null, Duration.ofMinutes(14));
        assertEquals(0, run.exitCode(), run.output());
        Matcher m = Pattern.compile("test accuracy ([0-9.]+)").matcher(run.output());
        assertTrue(m.find(), "no accuracy line:\n" + run.output());
        double accuracy = Double.parseDouble(m.group(1));
        // The engine's own 4-epoch MLP reaches ~0.88; chance is 0.1.
        assertTrue(accuracy > 0.85, "test accuracy " + accuracy + "\n" + run.output());

        // The executed notebook's outputs, read as text: the HTML table is one output line, the image one base64 string.
        String notebook = Files.readString(Jvm.ROOT.resolve("examples/target/notebooks/fashion-mnist.ipynb"));
        Matcher html = Pattern.compile("\"text/html\": \\[?\\s*\"(<table>.*?</table>)").matcher(notebook);
        assertTrue(html.find(), "no HTML table among the outputs");
        String table = html.group(1);
        assertTrue(notebook.contains("\"image/png\": \"iVBORw0KGgo"), "no PNG (its base64 signature) among the outputs");
        assertEquals(5, table.split("<tr>").length - 1, "a header and 4 rounds in the table: " + table);
        // The last round's validation accuracy (val acc, then samples/s and seconds) is the fitted model's on the test
        // rows: the evaluator's figure.
        String lastValAcc = String.format(java.util.Locale.ROOT, "<td>%.4f</td><td>[0-9]+</td><td>[0-9.]+</td></tr></table>", accuracy);
        assertTrue(Pattern.compile(lastValAcc).matcher(table).find(), table);
    }
}
