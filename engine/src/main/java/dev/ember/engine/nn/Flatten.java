package dev.ember.engine.nn;

import dev.ember.engine.Tensor;
import dev.ember.engine.optim.Option;

/** Flattens dims startDim..endDim (default 1..-1, keeping the batch dim). */
public class Flatten extends Module {
    /** PyTorch's defaults of the optional arguments, declared once: the short constructors and the model spec read them. */
    public static final Option<Integer> START_DIM = Option.integer("start_dim", 1);
    public static final Option<Integer> END_DIM = Option.integer("end_dim", -1);

    public final int startDim, endDim;

    public Flatten() { this(START_DIM.defaultValue(), END_DIM.defaultValue()); }

    public Flatten(int startDim, int endDim) {
        this.startDim = startDim;
        this.endDim = endDim;
    }

    @Override public Tensor forward(Tensor input) { return input.flatten(startDim, endDim); }

    @Override public String extraRepr() { return "start_dim=" + startDim + ", end_dim=" + endDim; }
}
