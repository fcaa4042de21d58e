package dev.ember.engine.backend.cpu;

import dev.ember.engine.DType;

/** Row copies by position on CPU buffers: the loops behind index_select, gather, index_put, index_add and embeddings. */
final class CpuIndexing {
    private CpuIndexing() {}

    /** out row r = src[from[r], from[r] + len). */
    static void select(CpuBuffer out, CpuBuffer src, int[] from, int len) {
        int runs = from.length;
        if (len == 1) {
            switch (src.dtype()) {
                case FLOAT32 -> { float[] a = src.floats(), o = out.floats(); for (int r = 0; r < runs; r++) o[r] = a[from[r]]; }
                case FLOAT64 -> { double[] a = src.doubles(), o = out.doubles(); for (int r = 0; r < runs; r++) o[r] = a[from[r]]; }
                case INT64 -> { long[] a = src.longs(), o = out.longs(); for (int r = 0; r < runs; r++) o[r] = a[from[r]]; }
                default -> { Object a = src.array(), o = out.array(); for (int r = 0; r < runs; r++) System.arraycopy(a, from[r], o, r, 1); }
            }
            return;
        }
        Object a = src.array(), o = out.array();
        for (int r = 0; r < runs; r++) System.arraycopy(a, from[r], o, r * len, len);
    }

    /** out[to[r] + k] = (or +=) src[srcBase + r * len + k] for every run r with to[r] >= 0, in order (so repeated targets add up). */
    static void put(CpuBuffer out, int[] to, int len, CpuBuffer src, int srcBase, boolean accumulate) {
        int runs = to.length;
        if (!accumulate) {
            if (len == 1 && out.dtype() == DType.FLOAT32) {
                float[] a = src.floats(), o = out.floats();
                for (int r = 0; r < runs; r++) if (to[r] >= 0) o[to[r]] = a[srcBase + r];
            } else {
                Object a = src.array(), o = out.array();
                for (int r = 0; r < runs; r++) if (to[r] >= 0) System.arraycopy(a, srcBase + r * len, o, to[r], len);
            }
            return;
        }
        switch (out.dtype()) {
            case FLOAT32 -> {
                float[] a = src.floats(), o = out.floats();
                for (int r = 0; r < runs; r++) {
                    int s = srcBase + r * len, d = to[r];
                    if (d >= 0) for (int k = 0; k < len; k++) o[d + k] += a[s + k];
                }
            }
            case FLOAT64 -> {
                double[] a = src.doubles(), o = out.doubles();
                for (int r = 0; r < runs; r++) {
                    int s = srcBase + r * len, d = to[r];
                    if (d >= 0) for (int k = 0; k < len; k++) o[d + k] += a[s + k];
                }
            }
            default -> { // integers add exactly; bool "adds" as logical or
                for (int r = 0; r < runs; r++) {
                    int s = srcBase + r * len, d = to[r];
                    if (d >= 0) for (int k = 0; k < len; k++) out.setLong(d + k, out.getLong(d + k) + src.getLong(s + k));
                }
            }
        }
    }
}
