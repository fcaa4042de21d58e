package dev.ember.engine;

import java.util.SplittableRandom;

/**
 * A seedable source of random numbers, like torch.Generator. The default generator is shared;
 * {@link #manualSeed} on it makes every random op that follows reproducible.
 */
public final class Generator {
    private static final Generator DEFAULT = new Generator(67280421310721L); // PyTorch's default seed

    private SplittableRandom random;
    private double spareGaussian = Double.NaN;

    public Generator(long seed) { manualSeed(seed); }

    /** Set by {@link #useAsDefault} to give one thread its own default generator. */
    private static final ThreadOverride<Generator> THREAD_DEFAULT = new ThreadOverride<>();

    /**
     * The generator used by rand, randn, randint, dropout and init functions when none is given:
     * the calling thread's own one while a {@link #useAsDefault} scope is open, else the shared one.
     */
    public static Generator defaultGenerator() {
        Generator own = THREAD_DEFAULT.get();
        return own != null ? own : DEFAULT;
    }

    /**
     * Makes {@code generator} this thread's default generator until the returned scope closes, so work
     * running concurrently on other threads (Spark tasks in one executor) cannot change its random draws.
     * <pre>{@code try (var scope = Generator.useAsDefault(new Generator(seed))) { model = spec.build(); }}</pre>
     */
    public static ThreadOverride.Scope useAsDefault(Generator generator) { return THREAD_DEFAULT.set(generator); }

    public synchronized Generator manualSeed(long seed) {
        random = new SplittableRandom(seed);
        spareGaussian = Double.NaN;
        return this;
    }

    /** Uniform on [0, 1). */
    public synchronized double nextDouble() { return random.nextDouble(); }

    /** Uniform integer on [low, high). */
    public synchronized long nextLong(long low, long high) { return random.nextLong(low, high); }

    /** Standard normal, by the Box-Muller transform (two values per pair of uniforms). */
    public synchronized double nextGaussian() {
        if (!Double.isNaN(spareGaussian)) {
            double g = spareGaussian;
            spareGaussian = Double.NaN;
            return g;
        }
        double u1 = 1.0 - random.nextDouble(), u2 = random.nextDouble();
        double r = Math.sqrt(-2 * Math.log(u1));
        spareGaussian = r * Math.sin(2 * Math.PI * u2);
        return r * Math.cos(2 * Math.PI * u2);
    }

    /** A random permutation of 0..n-1 (Fisher-Yates). */
    public synchronized int[] permutation(int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = p[i]; p[i] = p[j]; p[j] = t;
        }
        return p;
    }
}
