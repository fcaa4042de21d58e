package dev.ember.engine.autograd;

import dev.ember.engine.Shape;
import dev.ember.engine.Tensor;

/**
 * One differentiable op and, once applied, its node in the graph. Subclasses write {@link #forward}
 * directly above {@link #backward}; backward is written in tensor ops, so it runs on every device
 * and can itself be differentiated. The base class handles the rest: whether a graph is needed,
 * saved-tensor version checks, and summing gradients of broadcast inputs back to their shapes.
 */
public abstract class Function {
    private Tensor[] inputs;
    private boolean[] needsInputGrad;
    private Tensor[] saved = new Tensor[0];
    private int[] savedVersions = new int[0];
    private boolean released;
    Tensor retainedOutput;

    /** Computes the output from the inputs; never records a graph (it runs in no-grad mode). */
    protected abstract Tensor forward(Tensor... x);

    /** Gradients for each input given the output's gradient; null where {@link #needsInputGrad} is false. */
    protected abstract Tensor[] backward(Tensor grad);

    /** Runs forward and, when grad mode is on and an input requires grad, links the output into the graph. */
    public final Tensor apply(Tensor... x) {
        boolean record = false;
        if (GradMode.isEnabled()) {
            for (Tensor t : x) if (t != null && t.requiresGrad()) { record = true; break; }
        }
        Tensor out;
        try (var g = GradMode.noGrad()) {
            this.inputs = x;
            out = forward(x);
        }
        if (!record) {
            inputs = null;
            saved = null;
            return out;
        }
        needsInputGrad = new boolean[x.length];
        for (int i = 0; i < x.length; i++) needsInputGrad[i] = x[i] != null && x[i].requiresGrad();
        out.attachGradFn(this);
        return out;
    }

    /** Keeps tensors for backward; an in-place write to any of them later makes backward fail loudly. */
    protected final void save(Tensor... tensors) {
        saved = tensors;
        savedVersions = new int[tensors.length];
        for (int i = 0; i < tensors.length; i++) savedVersions[i] = tensors[i] == null ? 0 : tensors[i].version();
    }

    protected final Tensor saved(int i) {
        if (released) {
            throw new IllegalStateException("Trying to backward through the graph a second time (or directly access saved tensors after they have already been freed). "
                    + "Saved intermediate values of the graph are freed when you call backward(). Specify retainGraph=true if you need to backward through the graph a second time.");
        }
        Tensor t = saved[i];
        if (t != null && t.version() != savedVersions[i]) {
            throw new IllegalStateException("one of the variables needed for gradient computation has been modified by an inplace operation: [" + t.dtype() + " tensor of shape "
                    + Shape.str(t.shape()) + "], which is output " + i + " saved by " + name() + ", is at version " + t.version() + "; expected version " + savedVersions[i] + " instead.");
        }
        return t;
    }

    /** Whether input i requires a gradient; backward skips work for the others. */
    protected final boolean needsInputGrad(int i) { return needsInputGrad[i]; }

    /** Makes backward store the gradient of this node's output in {@code out.grad()} (retain_grad). */
    public final void retainOutput(Tensor out) { retainedOutput = out; }

    /** The tensors this node was applied to. */
    public final Tensor[] inputs() { return inputs; }

    /** The name PyTorch prints for this node, e.g. {@code MulBackward0}. */
    public String name() { return getClass().getSimpleName() + "Backward0"; }

    /** Backward plus the bookkeeping every op shares: shapes and dtypes of the gradients. */
    final Tensor[] gradients(Tensor grad) {
        Tensor[] grads = backward(grad);
        for (int i = 0; i < grads.length; i++) {
            if (grads[i] == null || !needsInputGrad[i]) { grads[i] = null; continue; }
            Tensor in = inputs[i];
            Tensor gi = grads[i].sumToShape(in.shape());
            if (gi.dtype() != in.dtype()) gi = gi.to(in.dtype());
            grads[i] = gi;
        }
        return grads;
    }

    final void release() {
        released = true;
        saved = null;
    }

    @Override public String toString() { return "<" + name() + ">"; }
}
