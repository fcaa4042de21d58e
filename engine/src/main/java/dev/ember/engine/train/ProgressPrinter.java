package dev.ember.engine.train;

import java.io.PrintStream;
import java.util.Map;

/**
 * Console progress: one line per epoch with the logs, samples/s and time; on an interactive terminal also a
 * live bar redrawn in place while the epoch runs.
 */
public final class ProgressPrinter implements Callback {
    private final PrintStream out;
    private final boolean live;
    private long lastDraw;

    public ProgressPrinter() { this(System.out, System.console() != null); }

    public ProgressPrinter(PrintStream out, boolean live) {
        this.out = out;
        this.live = live;
    }

    @Override public void onBatchEnd(int epoch, int batch, int batches, double runningLoss, Trainer trainer) {
        if (!live) return;
        long now = System.nanoTime();
        if ((batches <= 0 || batch < batches) && now - lastDraw < 100_000_000L) return;
        lastDraw = now;
        if (batches <= 0) {
            // The data has no known length (a plain Iterable): a count, no bar.
            out.printf("\repoch %d/%d %d batches loss %.4f", epoch, trainer.epochs(), batch, runningLoss);
        } else {
            int width = 30, filled = (int) Math.min(width, (long) width * batch / batches);
            out.printf("\repoch %d/%d [%s%s] %d/%d loss %.4f", epoch, trainer.epochs(), "=".repeat(filled), " ".repeat(width - filled), batch, batches, runningLoss);
        }
        out.flush();
    }

    @Override public void onEpochEnd(int epoch, Map<String, Double> logs, Trainer trainer) {
        StringBuilder sb = new StringBuilder(live ? "\r\033[K" : "");
        sb.append(String.format("epoch %d/%d", epoch, trainer.epochs()));
        logs.forEach((k, v) -> {
            if (k.equals("samples_per_s")) sb.append(String.format("  %,.0f samples/s", v));
            else if (k.equals("seconds")) sb.append(String.format("  %.1f s", v));
            else sb.append(String.format("  %s %.4f", k, v));
        });
        out.println(sb);
    }
}
