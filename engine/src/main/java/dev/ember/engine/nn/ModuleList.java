package dev.ember.engine.nn;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A list of modules whose parameters belong to the owner, like torch.nn.ModuleList. */
public class ModuleList extends Module implements Iterable<Module> {
    private final List<Module> items = new ArrayList<>();

    public ModuleList(Module... modules) { for (Module m : modules) add(m); }

    public ModuleList add(Module m) {
        items.add(m);
        return this;
    }

    public Module get(int i) { return items.get(i); }

    public int size() { return items.size(); }

    @Override public Iterator<Module> iterator() { return items.iterator(); }

    @Override public Map<String, Module> namedChildren() {
        Map<String, Module> out = new LinkedHashMap<>();
        for (int i = 0; i < items.size(); i++) out.put(Integer.toString(i), items.get(i));
        return out;
    }
}
