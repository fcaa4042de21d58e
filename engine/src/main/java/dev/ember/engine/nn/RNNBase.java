package dev.ember.engine.nn;

import dev.ember.engine.Shape;
import dev.ember.engine.Tensor;
import dev.ember.engine.optim.Option;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Shared machinery of RNN, LSTM and GRU (torch.nn.RNNBase): stacked layers, optional bidirectional
 * and batch-first layouts, PyTorch's parameter names ({@code weight_ih_l0}, {@code bias_hh_l1_reverse}, ...)
 * and shapes ({@code [gates * hidden, input]}), and PyTorch's init U(-1/sqrt(hidden), 1/sqrt(hidden)).
 * A cell is written once in tensor ops, so autograd needs no code of its own here. As in PyTorch, the input
 * projection x W_ih^T + b_ih of all time steps is one matmul per layer and direction; the loop over time does
 * only the recurrent part, and its per-step slices cost O(slice) in backward (see Tensor.unbind).
 */
public abstract class RNNBase extends Module {
    /** PyTorch's defaults of the optional arguments, declared once: the short constructors and the model spec read them. */
    public static final Option<Integer> NUM_LAYERS = Option.integer("num_layers", 1);
    public static final Option<Boolean> BIAS = Linear.BIAS;
    public static final Option<Boolean> BATCH_FIRST = Option.bool("batch_first", false);
    public static final Option<Double> DROPOUT = Option.real("dropout", 0.0);
    public static final Option<Boolean> BIDIRECTIONAL = Option.bool("bidirectional", false);

    public final int inputSize, hiddenSize, numLayers;
    public final boolean bias, batchFirst, bidirectional;
    public final double dropout;
    private final Map<String, Parameter> params = new LinkedHashMap<>();

    protected RNNBase(int gates, int inputSize, int hiddenSize, int numLayers, boolean bias, boolean batchFirst, double dropout, boolean bidirectional) {
        if (inputSize <= 0 || hiddenSize <= 0 || numLayers <= 0) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " needs positive sizes, got input_size=" + inputSize + ", hidden_size=" + hiddenSize + ", num_layers=" + numLayers);
        }
        if (dropout < 0 || dropout > 1) throw new IllegalArgumentException("dropout should be a number in range [0, 1], got " + dropout);
        this.inputSize = inputSize;
        this.hiddenSize = hiddenSize;
        this.numLayers = numLayers;
        this.bias = bias;
        this.batchFirst = batchFirst;
        this.dropout = dropout;
        this.bidirectional = bidirectional;
        double bound = 1 / Math.sqrt(hiddenSize);
        for (int layer = 0; layer < numLayers; layer++) {
            int in = layer == 0 ? inputSize : hiddenSize * directions();
            for (int dir = 0; dir < directions(); dir++) {
                String sfx = "_l" + layer + (dir == 1 ? "_reverse" : "");
                params.put("weight_ih" + sfx, new Parameter(Tensor.empty(gates * hiddenSize, in)));
                params.put("weight_hh" + sfx, new Parameter(Tensor.empty(gates * hiddenSize, hiddenSize)));
                if (bias) {
                    params.put("bias_ih" + sfx, new Parameter(Tensor.empty(gates * hiddenSize)));
                    params.put("bias_hh" + sfx, new Parameter(Tensor.empty(gates * hiddenSize)));
                }
            }
        }
        for (Parameter p : params.values()) Init.uniform_(p, -bound, bound);
    }

    public int directions() { return bidirectional ? 2 : 1; }

    @Override protected Map<String, Parameter> directParameters() { return params; }

    @Override protected void replaceParameter(String name, Parameter value) { params.put(name, value); }

    /** The parameter of this name, e.g. {@code weight_ih_l0}. */
    public Parameter parameter(String name) {
        Parameter p = params.get(name);
        if (p == null) throw new IllegalArgumentException(getClass().getSimpleName() + " has no parameter '" + name + "'; it has " + params.keySet());
        return p;
    }

    /** Number of hidden-state tensors a cell carries: 1 (RNN, GRU) or 2 (LSTM: h and c). */
    protected abstract int stateCount();

    /**
     * One time step: the step's input projection x W_ih^T + b_ih [B, gates * hidden] (+ b_hh when folded, then bHh
     * is null, as it is without bias) and the state (h, or h and c) [B, hidden] -> the new state (h first).
     */
    protected abstract Tensor[] cell(Tensor xProj, Tensor[] state, Tensor wHh, Tensor bHh);

    /** Whether b_hh adds straight to the gates (not GRU): then it joins the input projection, once, not every step. */
    protected boolean hiddenBiasFolds() { return true; }

    /** The output of every step and the final states: states[k] is [layers * directions, B, hidden]. */
    public record Output(Tensor output, Tensor[] states) {
        /** The final hidden state h_n. */
        public Tensor hN() { return states[0]; }
        /** The final cell state c_n (LSTM only). */
        public Tensor cN() { return states[1]; }
    }

    @Override public Tensor forward(Tensor input) { return forward(input, null).output(); }

    /**
     * Runs the sequence. input is [T, B, in] ([B, T, in] with batchFirst) or unbatched [T, in]; initial states
     * (null for zeros) are [layers * directions, B, hidden] each.
     */
    public Output forward(Tensor input, Tensor[] initial) {
        boolean unbatched = input.dim() == 2;
        if (input.dim() != 3 && !unbatched) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": expected input of 2 or 3 dims, got shape " + Shape.str(input.shape()));
        }
        Tensor x = unbatched ? input.unsqueeze(1) : batchFirst ? input.transpose(0, 1) : input;
        if (x.size(2) != inputSize) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": input.size(-1) must be equal to input_size. Expected " + inputSize + ", got " + x.size(2));
        }
        int steps = x.size(0), batch = x.size(1), stacks = numLayers * directions();
        if (initial != null && initial.length != stateCount()) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " expects " + stateCount() + " initial state tensor(s)"
                    + (stateCount() == 2 ? " (h_0, c_0)" : " (h_0)") + ", got " + initial.length);
        }
        Tensor[] init = new Tensor[stateCount()];
        for (int k = 0; k < init.length; k++) {
            Tensor s = initial == null ? null : initial[k];
            if (s != null && unbatched) s = s.unsqueeze(1);
            if (s != null && (s.dim() != 3 || s.size(0) != stacks || s.size(1) != batch || s.size(2) != hiddenSize)) {
                throw new IllegalArgumentException("Expected hidden size [" + stacks + ", " + batch + ", " + hiddenSize + "], got " + Shape.str(s.shape()));
            }
            init[k] = s != null ? s : Tensor.empty(new int[]{stacks, batch, hiddenSize}, x.dtype(), x.device());
        }
        List<List<Tensor>> finals = new ArrayList<>();
        for (int k = 0; k < stateCount(); k++) finals.add(new ArrayList<>());
        Tensor layerInput = x;
        for (int layer = 0; layer < numLayers; layer++) {
            Tensor[] outs = new Tensor[directions()];
            for (int dir = 0; dir < directions(); dir++) {
                String sfx = "_l" + layer + (dir == 1 ? "_reverse" : "");
                Tensor[] state = new Tensor[stateCount()];
                for (int k = 0; k < state.length; k++) state[k] = init[k].select(0, layer * directions() + dir);
                Tensor bIh = params.get("bias_ih" + sfx), bHh = params.get("bias_hh" + sfx);
                boolean fold = bias && hiddenBiasFolds();
                Tensor[] xProj = F.linear(layerInput, params.get("weight_ih" + sfx), fold ? bIh.add(bHh) : bIh).unbind(0);
                Tensor[] hs = new Tensor[steps];
                for (int i = 0; i < steps; i++) {
                    int t = dir == 0 ? i : steps - 1 - i;
                    state = cell(xProj[t], state, params.get("weight_hh" + sfx), fold ? null : bHh);
                    hs[t] = state[0];
                }
                outs[dir] = Tensor.stack(hs, 0);
                for (int k = 0; k < state.length; k++) finals.get(k).add(state[k]);
            }
            layerInput = directions() == 1 ? outs[0] : Tensor.cat(outs, 2);
            if (dropout > 0 && isTraining() && layer < numLayers - 1) layerInput = F.dropout(layerInput, dropout, true);
        }
        Tensor output = unbatched ? layerInput.squeeze(1) : batchFirst ? layerInput.transpose(0, 1) : layerInput;
        Tensor[] states = new Tensor[stateCount()];
        for (int k = 0; k < states.length; k++) {
            Tensor s = Tensor.stack(finals.get(k).toArray(new Tensor[0]), 0);
            states[k] = unbatched ? s.squeeze(1) : s;
        }
        return new Output(output, states);
    }

    @Override public String extraRepr() {
        StringBuilder s = new StringBuilder(inputSize + ", " + hiddenSize);
        if (numLayers != 1) s.append(", num_layers=").append(numLayers);
        if (!bias) s.append(", bias=False");
        if (batchFirst) s.append(", batch_first=True");
        if (dropout != 0) s.append(", dropout=").append(dropout);
        if (bidirectional) s.append(", bidirectional=True");
        return s.toString();
    }
}
