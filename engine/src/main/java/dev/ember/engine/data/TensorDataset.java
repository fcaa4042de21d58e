package dev.ember.engine.data;

import dev.ember.engine.Shape;
import dev.ember.engine.Tensor;

/**
 * Samples are rows of tensors that share their first dim, like torch.utils.data.TensorDataset:
 * sample i is {@code {t0[i], t1[i], ...}}. DataLoader batches it with one row gather per tensor.
 */
public final class TensorDataset implements Dataset<Tensor[]> {
    private final Tensor[] tensors;

    public TensorDataset(Tensor... tensors) {
        if (tensors.length == 0) throw new IllegalArgumentException("TensorDataset needs at least one tensor");
        for (Tensor t : tensors) {
            if (t.dim() == 0 || t.size(0) != tensors[0].size(0)) {
                throw new IllegalArgumentException("Size mismatch between tensors: " + Shape.str(tensors[0].shape()) + " and " + Shape.str(t.shape())
                        + " (all tensors need the same first dimension)");
            }
        }
        this.tensors = tensors.clone();
    }

    @Override public int size() { return tensors[0].size(0); }

    @Override public Tensor[] get(int index) {
        Tensor[] out = new Tensor[tensors.length];
        for (int i = 0; i < out.length; i++) out[i] = tensors[i].get(index);
        return out;
    }

    /** The rows at the given int64 indices of every tensor, in one gather each. */
    public Tensor[] rows(Tensor indices) {
        Tensor[] out = new Tensor[tensors.length];
        for (int i = 0; i < out.length; i++) out[i] = tensors[i].indexSelect(0, indices);
        return out;
    }

    public Tensor[] tensors() { return tensors.clone(); }
}
