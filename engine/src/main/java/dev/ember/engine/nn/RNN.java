package dev.ember.engine.nn;

import dev.ember.engine.Tensor;
import dev.ember.engine.optim.Option;

/** Elman RNN, like torch.nn.RNN: h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh) (or relu). */
public class RNN extends RNNBase {
    /** PyTorch's defaults of the optional arguments, declared once: the short constructors and the model spec read them. */
    public static final Option<String> NONLINEARITY = Option.text("nonlinearity", "tanh");

    public final String nonlinearity;

    public RNN(int inputSize, int hiddenSize) { this(inputSize, hiddenSize, NUM_LAYERS.defaultValue(), NONLINEARITY.defaultValue(), BIAS.defaultValue(), BATCH_FIRST.defaultValue(),
                DROPOUT.defaultValue(), BIDIRECTIONAL.defaultValue()); }

    public RNN(int inputSize, int hiddenSize, int numLayers, String nonlinearity, boolean bias, boolean batchFirst, double dropout, boolean bidirectional) {
        super(1, inputSize, hiddenSize, numLayers, bias, batchFirst, dropout, bidirectional);
        if (!nonlinearity.equals("tanh") && !nonlinearity.equals("relu")) throw new IllegalArgumentException("Unknown nonlinearity '" + nonlinearity + "'. Select from 'tanh' or 'relu'.");
        this.nonlinearity = nonlinearity;
    }

    @Override protected int stateCount() { return 1; }

    @Override protected Tensor[] cell(Tensor xProj, Tensor[] state, Tensor wHh, Tensor bHh) {
        Tensor pre = xProj.add(F.linear(state[0], wHh, bHh));
        return new Tensor[]{nonlinearity.equals("tanh") ? pre.tanh() : pre.relu()};
    }
}
