package dev.ember.engine.nn;

import dev.ember.engine.Tensor;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Modules applied in order, like torch.nn.Sequential; children are named "0", "1", ... */
public class Sequential extends Module implements Iterable<Module> {
    private final List<Module> layers = new ArrayList<>();

    public Sequential(Module... layers) { for (Module m : layers) add(m); }

    public Sequential add(Module m) {
        if (m == null) throw new IllegalArgumentException("Sequential: layer " + layers.size() + " is null");
        layers.add(m);
        return this;
    }

    public Module get(int i) { return layers.get(i); }

    public int size() { return layers.size(); }

    @Override public Iterator<Module> iterator() { return layers.iterator(); }

    /**
     * Where autograd records nothing (inference), a ReLU right after a Linear runs in place on the Linear's fresh
     * output: the same floats, no second tensor.
     */
    @Override public Tensor forward(Tensor input) {
        Tensor x = input;
        for (int i = 0; i < layers.size(); i++) {
            Module m = layers.get(i);
            x = m.forward(x);
            if (m.getClass() == Linear.class && i + 1 < layers.size() && layers.get(i + 1).getClass() == ReLU.class && !F.recorded(x)) {
                x = F.relu(x, true);
                i++;
            }
        }
        return x;
    }

    @Override public Map<String, Module> namedChildren() {
        Map<String, Module> out = new LinkedHashMap<>();
        for (int i = 0; i < layers.size(); i++) out.put(Integer.toString(i), layers.get(i));
        return out;
    }
}
