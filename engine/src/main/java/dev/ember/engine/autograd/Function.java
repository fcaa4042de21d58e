package dev.ember.engine.autograd;

import dev.ember.engine.DType;
import dev.ember.engine.Device;
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
    /** The graph edges: each input's gradFn when this op was recorded (null for leaves and constants). */
    private Function[] next;
    /** Inputs that are leaves requiring grad (kept after release: backward accumulates into them). */
    private Tensor[] leaves;
    private int[][] inputShapes;
    private DType[] inputDtypes;
    private boolean[] needsInputGrad;
    private Tensor[] saved = new Tensor[0];
    private int[] savedVersions = new int[0];
    private boolean released;
    Tensor retainedOutput;

    /** Computes the output from the inputs; never records a graph (it runs in no-grad mode). */
    protected abstract Tensor forward(Tensor... x);

    /** Gradients for each input given the output's gradient; null where {@link #needsInputGrad} is false. */
    protected abstract Tensor[] backward(Tensor grad);

    /**
     * Runs forward and, when grad mode is on and an input requires grad, links the output into the graph.
     * Integer and bool outputs (casts, comparisons) are never differentiable and stay out of it.
     */
    public final Tensor apply(Tensor... x) {
        // The operands' one device (a mismatch fails naming both); forward and backward run under it.
        Device device = Device.common(getClass(), x);
        boolean record = false;
        if (GradMode.isEnabled()) {
            for (Tensor t : x) if (t != null && t.requiresGrad()) { record = true; break; }
        }
        Tensor out;
        try (var g = GradMode.noGrad(); var on = Device.use(device)) {
            this.inputs = x;
            out = forward(x);
        }
        if (!record || !out.dtype().isFloatingPoint()) {
            inputs = null;
            saved = null;
            return out;
        }
        needsInputGrad = new boolean[x.length];
        next = new Function[x.length];
        leaves = new Tensor[x.length];
        inputShapes = new int[x.length][];
        inputDtypes = new DType[x.length];
        for (int i = 0; i < x.length; i++) {
            if (x[i] == null) continue;
            needsInputGrad[i] = x[i].requiresGrad();
            // Captured now: an in-place op may later give x[i] a new gradFn, which must not rewire this edge.
            next[i] = x[i].gradFn();
            if (next[i] == null && needsInputGrad[i]) leaves[i] = x[i];
            inputShapes[i] = x[i].shape();
            inputDtypes[i] = x[i].dtype();
        }
        out.attachGradFn(this);
        return out;
    }

    /** Mixing devices in one op is an error naming both (the op's name is worked out only then). */
    /** Keeps tensors for backward; an in-place write to any of them later makes backward fail loudly. */
    protected final void save(Tensor... tensors) {
        saved = tensors;
        savedVersions = new int[tensors.length];
        for (int i = 0; i < tensors.length; i++) savedVersions[i] = tensors[i] == null ? 0 : tensors[i].version();
    }

    protected final Tensor saved(int i) {
        checkNotReleased();
        Tensor t = saved[i];
        if (t != null && t.version() != savedVersions[i]) {
            throw new IllegalStateException("one of the variables needed for gradient computation has been modified by an inplace operation: [" + t.dtype() + " tensor of shape "
                    + Shape.str(t.shape()) + "], which is saved tensor " + i + " of " + name() + ", is at version " + t.version() + "; expected version " + savedVersions[i] + " instead.");
        }
        return t;
    }

    /** Whether input i requires a gradient; backward skips work for the others. */
    protected final boolean needsInputGrad(int i) { return needsInputGrad[i]; }

    /** Makes backward store the gradient of this node's output in {@code out.grad()} (retain_grad). */
    public final void retainOutput(Tensor out) { retainedOutput = out; }

    private void checkNotReleased() {
        if (released) {
            throw new IllegalStateException("Trying to backward through the graph a second time (or directly access saved tensors after they have already been freed). "
                    + "Saved intermediate values of the graph are freed when you call backward(). Specify retainGraph=true if you need to backward through the graph a second time.");
        }
    }

    /** The tensors this node was applied to (for shapes and dtypes; follow graph edges with {@link #next}). */
    public final Tensor[] inputs() {
        checkNotReleased();
        return inputs;
    }

    /** The node that produced input i when this op was recorded, or null for a leaf or constant. */
    public final Function next(int i) { return next[i]; }

    /** Input i if it was a leaf that requires grad when this op was recorded, else null. */
    public final Tensor leaf(int i) { return leaves[i]; }

    /** The number of inputs. */
    public final int arity() { return next.length; }

    /** The shape input i had when this op was recorded. */
    protected final int[] inputShape(int i) { return inputShapes[i].clone(); }

    /** The dtype input i had when this op was recorded. */
    protected final DType inputDtype(int i) { return inputDtypes[i]; }

    /** The name PyTorch prints for this node, e.g. {@code MulBackward0}. */
    public String name() { return getClass().getSimpleName() + "Backward0"; }

    /** Backward plus the bookkeeping every op shares: shapes and dtypes of the gradients. */
    final Tensor[] gradients(Tensor grad) {
        Tensor[] grads;
        try (var on = Device.use(grad.device())) {
            grads = backward(grad);
        }
        for (int i = 0; i < grads.length; i++) {
            if (grads[i] == null || !needsInputGrad[i]) { grads[i] = null; continue; }
            Tensor gi = grads[i].sumToShape(inputShapes[i]);
            if (gi.dtype() != inputDtypes[i]) gi = gi.to(inputDtypes[i]);
            grads[i] = gi;
        }
        return grads;
    }

    /** Frees what backward needed (saved tensors, inputs) once it has run without retainGraph. */
    final void release() {
        released = true;
        saved = null;
        inputs = null;
    }

    @Override public String toString() { return "<" + name() + ">"; }
}
