package dev.ember.engine.data;

import dev.ember.engine.Generator;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Helpers over datasets, like torch.utils.data.random_split. */
public final class Datasets {
    private Datasets() {}

    /** Splits into non-overlapping random subsets of the given lengths (which must sum to the size). */
    public static <T> List<Subset<T>> randomSplit(Dataset<T> dataset, int[] lengths, Generator g) {
        int sum = Arrays.stream(lengths).sum();
        if (sum != dataset.size()) {
            throw new IllegalArgumentException("Sum of input lengths " + Arrays.toString(lengths) + " = " + sum + " does not equal the length of the input dataset (" + dataset.size() + ")");
        }
        int[] perm = g.permutation(dataset.size());
        List<Subset<T>> out = new ArrayList<>();
        int at = 0;
        for (int len : lengths) {
            if (len < 0) throw new IllegalArgumentException("randomSplit: negative length " + len);
            out.add(new Subset<>(dataset, Arrays.copyOfRange(perm, at, at + len)));
            at += len;
        }
        return out;
    }

    /**
     * Splits by fractions that sum to 1; rounding leftovers go one each to the first subsets, as in PyTorch.
     */
    public static <T> List<Subset<T>> randomSplit(Dataset<T> dataset, double[] fractions, Generator g) {
        double total = Arrays.stream(fractions).sum();
        if (Math.abs(total - 1) > 1e-6) throw new IllegalArgumentException("randomSplit fractions must sum to 1, got " + Arrays.toString(fractions));
        int n = dataset.size();
        int[] lengths = new int[fractions.length];
        int assigned = 0;
        for (int i = 0; i < fractions.length; i++) {
            lengths[i] = (int) Math.floor(n * fractions[i]);
            assigned += lengths[i];
        }
        for (int i = 0; assigned < n; i = (i + 1) % lengths.length, assigned++) lengths[i]++;
        return randomSplit(dataset, lengths, g);
    }
}
