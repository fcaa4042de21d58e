package dev.ember.engine.nn;

import dev.ember.engine.Tensor;
import java.util.Arrays;

/**
 * Expands dim {@code dim} into {@code unflattenedSize}, like torch.nn.Unflatten: a model spec can start
 * with {@code Unflatten(1, [1, 28, 28])} to take flat feature rows {@code [B, 784]} as images.
 */
public class Unflatten extends Module {
    public final int dim;
    private final int[] unflattenedSize;

    public Unflatten(int dim, int... unflattenedSize) {
        if (unflattenedSize.length == 0) throw new IllegalArgumentException("Unflatten needs a non-empty unflattened_size");
        this.dim = dim;
        this.unflattenedSize = unflattenedSize.clone();
    }

    public int[] unflattenedSize() { return unflattenedSize.clone(); }

    @Override public Tensor forward(Tensor input) {
        int[] in = input.shape();
        int d = dim < 0 ? dim + in.length : dim;
        if (d < 0 || d >= in.length) throw new IllegalArgumentException("Unflatten dim " + dim + " is out of range for input of shape " + Arrays.toString(in));
        long n = 1;
        for (int s : unflattenedSize) n *= s;
        if (n != in[d]) {
            throw new IllegalArgumentException("Unflatten: size " + in[d] + " of dim " + dim + " of input " + Arrays.toString(in)
                    + " does not match unflattened_size " + Arrays.toString(unflattenedSize) + " (product " + n + ")");
        }
        int[] out = new int[in.length - 1 + unflattenedSize.length];
        System.arraycopy(in, 0, out, 0, d);
        System.arraycopy(unflattenedSize, 0, out, d, unflattenedSize.length);
        System.arraycopy(in, d + 1, out, d + unflattenedSize.length, in.length - d - 1);
        return input.reshape(out);
    }

    @Override public String extraRepr() { return "dim=" + dim + ", unflattened_size=" + Arrays.toString(unflattenedSize).replace('[', '(').replace(']', ')'); }
}
