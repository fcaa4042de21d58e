package dev.ember.engine.ops;

import dev.ember.engine.DType;
import dev.ember.engine.Shape;
import dev.ember.engine.Tensor;
import dev.ember.engine.autograd.Function;

/** cat and stack (copies), split, chunk and unbind (views). */
public final class Joining {
    private Joining() {}

    public static Tensor cat(Tensor[] tensors, int dim) {
        if (tensors.length == 0) throw new IllegalArgumentException("cat expects a non-empty list of tensors");
        int[] first = tensors[0].shape();
        for (int i = 0; i < tensors.length; i++) {
            if (tensors[i].dim() == 0) throw new IllegalArgumentException("zero-dimensional tensor (at position " + i + ") cannot be concatenated; use stack");
        }
        int d = Shape.dim(dim, first.length);
        for (int i = 1; i < tensors.length; i++) {
            int[] s = tensors[i].shape();
            boolean ok = s.length == first.length;
            for (int j = 0; ok && j < s.length; j++) ok = j == d || s[j] == first[j];
            if (!ok) {
                throw new IllegalArgumentException("Sizes of tensors must match except in dimension " + d + ". Expected " + Shape.str(first) + " (tensor 0) but got "
                        + Shape.str(s) + " for tensor number " + i + " in the list");
            }
        }
        return new Cat(d).apply(tensors);
    }

    public static final class Cat extends Function {
        private final int dim;
        public Cat(int dim) { this.dim = dim; }
        @Override protected Tensor forward(Tensor... x) {
            DType t = x[0].dtype();
            for (Tensor xi : x) t = DType.promote(t, xi.dtype());
            int[] shape = x[0].shape();
            int total = 0;
            for (Tensor xi : x) total += xi.shape()[dim];
            shape[dim] = total;
            Tensor out = Tensor.empty(shape, t);
            int at = 0;
            for (Tensor xi : x) {
                int len = xi.shape()[dim];
                Dispatch.copyInto(out.slice(dim, at, at + len, 1), xi);
                at += len;
            }
            return out;
        }
        @Override protected Tensor[] backward(Tensor g) {
            Tensor[] grads = new Tensor[arity()];
            int at = 0;
            for (int i = 0; i < grads.length; i++) {
                int len = inputShape(i)[dim];
                if (needsInputGrad(i)) grads[i] = g.narrow(dim, at, len);
                at += len;
            }
            return grads;
        }
    }

    public static Tensor stack(Tensor[] tensors, int dim) {
        if (tensors.length == 0) throw new IllegalArgumentException("stack expects a non-empty list of tensors");
        int[] first = tensors[0].shape();
        int d = Shape.dim(dim, first.length + 1);
        Tensor[] expanded = new Tensor[tensors.length];
        for (int i = 0; i < tensors.length; i++) {
            if (!java.util.Arrays.equals(tensors[i].shape(), first)) {
                throw new IllegalArgumentException("stack expects each tensor to be equal size, but got " + Shape.str(first) + " at entry 0 and " + Shape.str(tensors[i].shape()) + " at entry " + i);
            }
            expanded[i] = tensors[i].unsqueeze(d);
        }
        return cat(expanded, d);
    }

    public static Tensor[] split(Tensor t, int splitSize, int dim) {
        if (splitSize <= 0) throw new IllegalArgumentException("split expects split_size be positive, got " + splitSize);
        int d = Shape.dim(dim, t.dim());
        int n = t.shape()[d];
        int parts = Math.max(1, (n + splitSize - 1) / splitSize);
        Tensor[] out = new Tensor[parts];
        for (int i = 0; i < parts; i++) out[i] = t.narrow(d, i * splitSize, Math.min(splitSize, n - i * splitSize));
        return out;
    }

    public static Tensor[] split(Tensor t, int[] sizes, int dim) {
        int d = Shape.dim(dim, t.dim());
        int sum = 0;
        for (int s : sizes) sum += s;
        if (sum != t.shape()[d]) {
            throw new IllegalArgumentException("split_with_sizes expects split_sizes to sum exactly to " + t.shape()[d] + " (input tensor's size at dimension " + d + "), but got split_sizes=" + java.util.Arrays.toString(sizes));
        }
        Tensor[] out = new Tensor[sizes.length];
        int at = 0;
        for (int i = 0; i < sizes.length; i++) {
            out[i] = t.narrow(d, at, sizes[i]);
            at += sizes[i];
        }
        return out;
    }

    /** The slices along dim with that dim removed; backward gathers their gradients into one tensor (see SlicedGradient). */
    public static Tensor[] unbind(Tensor t, int dim) {
        int d = Shape.dim(dim, t.dim());
        Tensor[] out = new Tensor[t.shape()[d]];
        for (int i = 0; i < out.length; i++) out[i] = t.select(d, i);
        return out;
    }

    public static Tensor[] chunk(Tensor t, int chunks, int dim) {
        if (chunks <= 0) throw new IllegalArgumentException("chunk expects `chunks` to be greater than 0, got: " + chunks);
        int n = t.shape()[Shape.dim(dim, t.dim())];
        return split(t, Math.max(1, (n + chunks - 1) / chunks), dim);
    }
}
