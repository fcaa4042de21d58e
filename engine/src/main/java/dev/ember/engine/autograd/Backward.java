package dev.ember.engine.autograd;

import dev.ember.engine.Shape;
import dev.ember.engine.Storage;
import dev.ember.engine.Tensor;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BinaryOperator;
import java.util.function.Predicate;

/**
 * The backward pass: visits graph nodes so that each runs after every node that consumes its output,
 * sums the gradients arriving at a node before running it, and accumulates into leaves' {@code grad}.
 * Without createGraph, slices of one tensor ({@link SlicedGradient}) add their gradients into one buffer
 * instead of each building a full-size gradient, so backward through T slices (a recurrent loop) stays O(T).
 */
public final class Backward {
    private Backward() {}

    /** {@code tensor.backward(gradient)}: accumulates d(roots)/d(leaf) into every leaf that requires grad. */
    public static void run(Tensor[] roots, Tensor[] rootGrads, boolean retainGraph, boolean createGraph) {
        execute(roots, rootGrads, retainGraph, createGraph, null);
    }

    /**
     * {@code grad(outputs, inputs)}: returns d(sum of outputs . gradOutputs)/d(input) for each input, leaving
     * every {@code .grad} untouched. An input that the outputs do not depend on gets null unless allowUnused is false.
     * gradOutputs may be null (or hold nulls) for scalar outputs. With createGraph the graph is always retained,
     * since the returned gradients' own graph runs through it.
     */
    public static Tensor[] grad(Tensor[] outputs, Tensor[] gradOutputs, Tensor[] inputs,
                                boolean retainGraph, boolean createGraph, boolean allowUnused) {
        Map<Object, Tensor> captured = new IdentityHashMap<>();
        for (Tensor in : inputs) {
            if (!in.requiresGrad()) throw new IllegalArgumentException("One of the differentiated tensors does not require grad (shape " + Shape.str(in.shape()) + ")");
            captured.put(in.isLeaf() ? in : in.gradFn(), null);
        }
        execute(outputs, gradOutputs, retainGraph || createGraph, createGraph, captured);
        Tensor[] result = new Tensor[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            result[i] = captured.get(inputs[i].isLeaf() ? inputs[i] : inputs[i].gradFn());
            if (result[i] == null && !allowUnused) {
                throw new IllegalArgumentException("One of the differentiated tensors (input " + i + ", shape " + Shape.str(inputs[i].shape())
                        + ") appears to not have been used in the graph. Set allowUnused=true if this is the desired behavior.");
            }
        }
        return result;
    }

    private static void execute(Tensor[] roots, Tensor[] rootGrads, boolean retainGraph, boolean createGraph,
                                Map<Object, Tensor> captured) {
        LeafGrads leafGrads = new LeafGrads(createGraph, captured);
        // A sum of two gradients is a gradient too: counted, or a leaf could steal it while another still holds it.
        BinaryOperator<Tensor> sum = (x, y) -> { Tensor s = x.add(y); leafGrads.count(s); return s; };
        Map<Function, Tensor> pending = new IdentityHashMap<>();
        List<Function> starts = new ArrayList<>();
        for (int i = 0; i < roots.length; i++) {
            Tensor root = roots[i];
            if (!root.requiresGrad()) {
                throw new IllegalStateException("element " + i + " of tensors does not require grad and does not have a grad_fn");
            }
            Tensor g = rootGrads == null ? null : rootGrads[i];
            if (g == null) {
                if (root.numel() != 1) throw new IllegalStateException("grad can be implicitly created only for scalar outputs, got shape " + Shape.str(root.shape()));
                g = Tensor.onesLike(root);
            } else if (!java.util.Arrays.equals(g.shape(), root.shape())) {
                throw new IllegalArgumentException("Mismatch in shape: grad_output has a shape of " + Shape.str(g.shape()) + " and output has a shape of " + Shape.str(root.shape()));
            } else {
                leafGrads.foreign(g); // the caller's tensor: never becomes a leaf's grad without a copy
            }
            if (root.isLeaf()) leafGrads.deliver(root, g);
            else { leafGrads.count(g); pending.merge(root.gradFn(), g, sum); starts.add(root.gradFn()); }
        }

        // Count, for every reachable node, how many reachable nodes feed gradients into it.
        Map<Function, Integer> consumers = new IdentityHashMap<>();
        ArrayDeque<Function> stack = new ArrayDeque<>(starts);
        IdentityHashMap<Function, Boolean> seen = new IdentityHashMap<>();
        for (Function f : starts) seen.put(f, true);
        while (!stack.isEmpty()) {
            Function f = stack.pop();
            for (int i = 0; i < f.arity(); i++) {
                Function next = f.next(i);
                if (next == null) continue;
                consumers.merge(next, 1, Integer::sum);
                if (seen.put(next, true) == null) stack.push(next);
            }
        }

        // A slice node's input gradient is a buffer, keyed by the input's node (or by the input if a leaf), that
        // every slice of that input adds into; it joins pending once all the input's consumers have run.
        Map<Object, Tensor> sliceGrads = new IdentityHashMap<>();
        Predicate<Function> arrived = next -> {
            Tensor buffer = sliceGrads.remove(next);
            if (buffer != null) { leafGrads.count(buffer); pending.merge(next, buffer, sum); }
            return pending.containsKey(next);
        };
        ArrayDeque<Function> ready = new ArrayDeque<>();
        for (Function f : starts) if (!consumers.containsKey(f) && !ready.contains(f)) ready.add(f);
        try (var mode = GradMode.set(createGraph)) {
            while (!ready.isEmpty()) {
                Function f = ready.poll();
                Tensor grad = pending.remove(f);
                if (f.retainedOutput != null) f.retainedOutput.accumulateGrad(grad, createGraph);
                if (captured != null && captured.containsKey(f)) captured.put(f, grad);
                Tensor[] grads;
                if (!createGraph && f instanceof SlicedGradient slice) {
                    Object input = f.next(0) != null ? f.next(0) : f.leaf(0);
                    try (var on = dev.ember.engine.Device.use(grad.device())) {
                        slice.addGradInto(sliceGrads.computeIfAbsent(input, k -> slice.newGradBuffer()), grad);
                    }
                    grads = new Tensor[1]; // sent on with the buffer
                } else {
                    grads = f.gradients(grad);
                }
                if (captured == null || !captured.containsKey(f)) leafGrads.consumed(grad);
                if (!retainGraph) f.release();
                for (int i = 0; i < f.arity(); i++) {
                    Function next = f.next(i);
                    if (grads[i] != null) {
                        if (next != null) {
                            leafGrads.count(grads[i]);
                            pending.merge(next, grads[i], sum);
                        } else if (f.leaf(i) != null) {
                            leafGrads.deliver(f.leaf(i), grads[i]);
                        }
                    }
                    if (next != null && consumers.merge(next, -1, Integer::sum) == 0) {
                        if (arrived.test(next)) ready.add(next);
                        else markUnreached(next, consumers, ready, arrived);
                    }
                }
            }
        }
        sliceGrads.forEach((leaf, buffer) -> leafGrads.deliver((Tensor) leaf, buffer)); // only leaves' buffers are left
        leafGrads.accumulate();
    }

    /** A node all of whose consumers sent no gradient gets none either; still release its inputs' counts. */
    private static void markUnreached(Function start, Map<Function, Integer> consumers, ArrayDeque<Function> ready, Predicate<Function> arrived) {
        ArrayDeque<Function> work = new ArrayDeque<>();
        work.push(start);
        while (!work.isEmpty()) {
            Function f = work.pop();
            for (int i = 0; i < f.arity(); i++) {
                Function next = f.next(i);
                if (next == null || consumers.merge(next, -1, Integer::sum) != 0) continue;
                if (arrived.test(next)) ready.add(next);
                else work.push(next);
            }
        }
    }

    /**
     * Gradients for leaves, accumulated once the pass is over. By then it is known which gradients were
     * allocated during this pass and handed out exactly once: a leaf keeps such a gradient as its
     * {@code grad} instead of copying it (PyTorch's AccumulateGrad steals an unshared gradient too).
     */
    private static final class LeafGrads {
        private final boolean createGraph;
        private final Map<Object, Tensor> captured;
        private final long passStart = Storage.allocations();
        private final Map<Storage, Integer> handedOut = new IdentityHashMap<>();
        private final List<Tensor[]> deliveries = new ArrayList<>();

        LeafGrads(boolean createGraph, Map<Object, Tensor> captured) {
            this.createGraph = createGraph;
            this.captured = captured;
        }

        void count(Tensor g) { handedOut.merge(g.storage(), 1, Integer::sum); }

        void foreign(Tensor g) { handedOut.merge(g.storage(), 2, Integer::sum); }

        /** A node has run its backward on {@code g} and holds it no more. */
        void consumed(Tensor g) { handedOut.merge(g.storage(), -1, Integer::sum); }

        void deliver(Tensor leaf, Tensor g) {
            if (captured != null) {
                if (captured.containsKey(leaf)) captured.merge(leaf, g, (a, b) -> a == null ? b : a.add(b));
                return;
            }
            count(g);
            deliveries.add(new Tensor[]{leaf, g});
        }

        void accumulate() {
            for (Tensor[] d : deliveries) {
                Tensor leaf = d[0], g = d[1];
                Storage s = g.storage();
                boolean owned = s.serial() > passStart && handedOut.get(s) == 1 && g.isContiguous() && g.offset() == 0 && g.numel() == s.size();
                leaf.accumulateGrad(g, createGraph, owned);
            }
        }
    }
}
