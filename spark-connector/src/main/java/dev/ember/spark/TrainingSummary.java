package dev.ember.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What happened during {@code fit}, round by round: available from {@link EmberModel#summary()}.
 * Loss and accuracy are means over the training batches of the round (accuracy only for
 * classification losses; NaN otherwise). With {@code validationIndicatorCol}, {@link #validation()} has the
 * held-out rows' loss and accuracy after each round.
 */
public final class TrainingSummary implements Serializable {
    private static final long serialVersionUID = 1L;

    /**
     * Where a round's time went. Driver side: {@code broadcastSeconds} to broadcast the state, {@code jobSeconds}
     * for the Spark job that trains and sums (scheduling, tasks, results), {@code updateSeconds} for the average and
     * the outer update. Task side, summed over the tasks: {@code trainSeconds} taking local steps, {@code setupSeconds}
     * loading the state into the model and snapshotting it after. {@code slots} tasks run at once.
     */
    public record Costs(double broadcastSeconds, double jobSeconds, double updateSeconds, double trainSeconds, double setupSeconds,
                        int slots, int reusedReplicas) implements Serializable {
        /** Wall seconds of local steps: the tasks' training time spread over the slots. */
        public double trainWallSeconds() { return trainSeconds / slots; }

        /** Everything but the local steps: the round's wall time less {@link #trainWallSeconds}. */
        public double overheadSeconds() {
            return broadcastSeconds + jobSeconds + updateSeconds - trainWallSeconds();
        }

        /** The part of the job that is neither local steps nor the tasks' setup: scheduling, serializing, fetching and summing results. */
        public double schedulingAndSumSeconds() { return jobSeconds - (trainSeconds + setupSeconds) / slots; }
    }

    /** One round: the workers' local steps followed by one parameter average (and the outer update). */
    public record Round(int round, double epoch, double loss, double accuracy, long samples, long steps,
                        double seconds, Set<String> devices, Costs costs) implements Serializable {
        public double samplesPerSecond() { return seconds > 0 ? samples / seconds : 0; }

        @Override public String toString() {
            return String.format(Locale.ROOT, "round %d (epoch %.2f): loss %.4f%s, %d samples, %.0f samples/s, %.3f s (overhead %.3f s)",
                    round, epoch, loss, Double.isNaN(accuracy) ? "" : String.format(Locale.ROOT, ", accuracy %.4f", accuracy),
                    samples, samplesPerSecond(), seconds, costs.overheadSeconds());
        }
    }

    /**
     * The held-out rows ({@code validationIndicatorCol}) under the model after round {@code afterRound}: its workers'
     * average and the outer update, the state the next round starts from (after the last round, the fitted model).
     * Mean loss over the rows, accuracy NaN for regression losses; {@code seconds} the evaluation took, not counted
     * in the round's.
     */
    public record Evaluation(int afterRound, double loss, double accuracy, long rows, double seconds) implements Serializable {
        @Override public String toString() {
            return String.format(Locale.ROOT, "validation after round %d: loss %.4f%s (%d rows, %.3f s)", afterRound, loss,
                    Double.isNaN(accuracy) ? "" : String.format(Locale.ROOT, ", accuracy %.4f", accuracy), rows, seconds);
        }
    }

    private final List<Round> rounds = new ArrayList<>();
    private final List<Evaluation> validation = new ArrayList<>();
    private long trainingRows, skippedRows;
    private int numWorkers;
    private double setupSeconds;
    private long cachedInMemoryBytes, cachedOnDiskBytes;
    private String cacheStorage = "";
    private String averaging = "";

    void add(Round r) { rounds.add(r); }

    void add(Evaluation e) { validation.add(e); }

    void setData(long trainingRows, long skippedRows, int numWorkers, double setupSeconds) {
        this.trainingRows = trainingRows;
        this.skippedRows = skippedRows;
        this.numWorkers = numWorkers;
        this.setupSeconds = setupSeconds;
    }

    void setCache(long inMemoryBytes, long onDiskBytes) {
        this.cachedInMemoryBytes = inMemoryBytes;
        this.cachedOnDiskBytes = onDiskBytes;
    }

    void setCacheStorage(String line) { this.cacheStorage = line; }

    void setAveraging(String averaging) { this.averaging = averaging; }

    /** What the rounds averaged: "gradients" (one optimizer step a round, on the driver) or "weights" (local SGD), as {@code averaging} resolved. */
    public String averaging() { return averaging; }

    /** Where the training tensors were kept (the {@code cacheStorage} setting and what it chose), e.g. "cacheStorage auto: 0 of 2 partitions in memory, 2 on local disk ...". */
    public String cacheStorage() { return cacheStorage; }

    /** Bytes of the cached training tensors held in the executors' memory after caching. */
    public long cachedInMemoryBytes() { return cachedInMemoryBytes; }

    /** Bytes of the cached training tensors on the executors' disks (cacheStorage's files, blocks Spark spilled): read back every epoch. */
    public long cachedOnDiskBytes() { return cachedOnDiskBytes; }

    public List<Round> rounds() { return List.copyOf(rounds); }

    public int totalRounds() { return rounds.size(); }

    /** Mean training loss of each round, like Spark ML's {@code objectiveHistory}. */
    public double[] objectiveHistory() { return rounds.stream().mapToDouble(Round::loss).toArray(); }

    /** Training accuracy of each round (classification). */
    public double[] accuracyHistory() { return rounds.stream().mapToDouble(Round::accuracy).toArray(); }

    /** The held-out rows' figures after each round, in round order; empty without {@code validationIndicatorCol}. */
    public List<Evaluation> validation() { return List.copyOf(validation); }

    /** Validation loss after each round (empty without validation rows). */
    public double[] validationLossHistory() { return validation.stream().mapToDouble(Evaluation::loss).toArray(); }

    /** Validation accuracy after each round (classification; empty without validation rows). */
    public double[] validationAccuracyHistory() { return validation.stream().mapToDouble(Evaluation::accuracy).toArray(); }

    /** Rows trained on, after skipping invalid ones. */
    public long trainingRows() { return trainingRows; }

    /** Rows dropped by {@code handleInvalid = "skip"}. */
    public long skippedRows() { return skippedRows; }

    public int numWorkers() { return numWorkers; }

    /** Seconds spent turning rows into cached tensors before the first round. */
    public double setupSeconds() { return setupSeconds; }

    /** Seconds of all rounds. */
    public double trainingSeconds() { return rounds.stream().mapToDouble(Round::seconds).sum(); }

    /** Examples per second over all rounds. */
    public double samplesPerSecond() {
        double s = trainingSeconds();
        return s > 0 ? rounds.stream().mapToLong(Round::samples).sum() / s : 0;
    }

    @Override public String toString() {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "TrainingSummary(%d rows, %d skipped, %d workers, averaging %s, setup %.2f s%s)",
                trainingRows, skippedRows, numWorkers, averaging, setupSeconds, cacheStorage.isEmpty() ? "" : "; " + cacheStorage));
        for (Round r : rounds) sb.append("\n  ").append(r);
        for (Evaluation e : validation) sb.append("\n  ").append(e);
        return sb.toString();
    }
}
