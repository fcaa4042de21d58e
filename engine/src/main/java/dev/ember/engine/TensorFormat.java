package dev.ember.engine;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;

/**
 * Prints tensors exactly as PyTorch 1.13's {@code repr(tensor)} does with the default print options
 * (precision 4, threshold 1000, edge items 3, line width 80). A port of {@code torch/_tensor_str.py}.
 */
final class TensorFormat {
    private static final int PRECISION = 4;
    private static final int THRESHOLD = 1000;
    private static final int EDGE_ITEMS = 3;
    private static final int LINE_WIDTH = 80;
    /** Index that stands for the "..." between the leading and trailing edge items. */
    private static final int ELLIPSIS = -1;

    private TensorFormat() {}

    /**
     * PyTorch's repr of t, e.g. {@code tensor([[1., 2.],\n        [3., 4.]], requires_grad=True)}.
     *
     * @param t any tensor
     * @return the text PyTorch would print for an equal tensor
     */
    static String format(Tensor t) {
        String prefix = "tensor(";
        int indent = prefix.length();
        List<String> suffixes = new ArrayList<>();
        DType dtype = t.dtype();
        String body;
        if (t.numel() == 0) {
            // Nothing to infer the dtype from, so every non-default dtype is named, int64 and bool included.
            if (t.dim() != 1) suffixes.add("size=" + pyTuple(t.shape()));
            if (dtype != DType.FLOAT32) suffixes.add("dtype=torch." + dtype);
            body = "[]";
        } else {
            if (dtype != DType.FLOAT32 && dtype != DType.INT64 && dtype != DType.BOOL) suffixes.add("dtype=torch." + dtype);
            body = new Printer(t).tensorStr(0, 0, indent);
        }
        if (t.gradFn() != null) suffixes.add("grad_fn=<" + t.gradFn().name() + ">");
        else if (t.requiresGrad()) suffixes.add("requires_grad=True");
        return addSuffixes(prefix + body, suffixes, indent);
    }

    /** Appends ", suffix" items, wrapping onto a new line when the last line would pass the line width. */
    private static String addSuffixes(String tensorStr, List<String> suffixes, int indent) {
        StringBuilder sb = new StringBuilder(tensorStr);
        // Same arithmetic as PyTorch, off-by-one quirks included, so wrapping decisions match.
        int lastLineLen = tensorStr.length() - tensorStr.lastIndexOf('\n') + 1;
        for (String suffix : suffixes) {
            if (lastLineLen + suffix.length() + 2 > LINE_WIDTH) {
                sb.append(",\n").append(" ".repeat(indent)).append(suffix);
                lastLineLen = indent + suffix.length();
            } else {
                sb.append(", ").append(suffix);
                lastLineLen += suffix.length() + 2;
            }
        }
        return sb.append(')').toString();
    }

    private static String pyTuple(int[] shape) {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) sb.append(i > 0 ? ", " : "").append(shape[i]);
        return sb.append(shape.length == 1 ? ",)" : ")").toString();
    }

    /** Walks a row-major copy of the tensor, choosing one element format for the whole tensor. */
    private static final class Printer {
        private final int[] shape;
        private final int[] strides;
        private final DType dtype;
        private final boolean floating;
        private final double[] doubles;
        private final long[] longs;
        private final boolean summarize;

        // The formatter's decisions (PyTorch's _Formatter).
        private boolean intMode = true;
        private boolean sciMode = false;
        private int maxWidth = 1;

        Printer(Tensor t) {
            shape = t.shape();
            strides = new int[shape.length];
            for (int i = shape.length - 1, s = 1; i >= 0; i--) {
                strides[i] = s;
                s *= shape[i];
            }
            dtype = t.dtype();
            floating = dtype.isFloatingPoint();
            Tensor data = t.detach();
            doubles = floating ? data.toDoubleArray() : null;
            longs = floating ? null : data.toLongArray();
            summarize = t.numel() > THRESHOLD;
            List<Integer> shown = new ArrayList<>();
            collect(0, 0, shown);
            chooseFormat(shown);
        }

        /** The indices along a dim of this size that are printed, with ELLIPSIS where the middle is skipped. */
        private int[] shownIndices(int size) {
            if (!summarize || size <= 2 * EDGE_ITEMS) {
                int[] all = new int[size];
                for (int i = 0; i < size; i++) all[i] = i;
                return all;
            }
            int[] idx = new int[2 * EDGE_ITEMS + 1];
            for (int i = 0; i < EDGE_ITEMS; i++) {
                idx[i] = i;
                idx[EDGE_ITEMS + 1 + i] = size - EDGE_ITEMS + i;
            }
            idx[EDGE_ITEMS] = ELLIPSIS;
            return idx;
        }

        /** Flat positions of the printed elements: the formatter only looks at what is shown. */
        private void collect(int dim, int offset, List<Integer> out) {
            if (dim == shape.length) {
                out.add(offset);
                return;
            }
            for (int i : shownIndices(shape[dim])) {
                if (i != ELLIPSIS) collect(dim + 1, offset + i * strides[dim], out);
            }
        }

        private void chooseFormat(List<Integer> shown) {
            if (!floating) {
                for (int p : shown) maxWidth = Math.max(maxWidth, plain(longs[p]).length());
                return;
            }
            double min = Double.POSITIVE_INFINITY, max = 0;
            List<Double> vals = new ArrayList<>();
            for (int p : shown) {
                double v = doubles[p];
                if (Double.isFinite(v) && v != 0) {
                    vals.add(v);
                    min = Math.min(min, Math.abs(v));
                    max = Math.max(max, Math.abs(v));
                    if (v != Math.ceil(v)) intMode = false;
                }
            }
            if (vals.isEmpty()) return;
            boolean wide = max / min > 1000.0 || max > 1.0e8;
            if (intMode) {
                if (wide) {
                    sciMode = true;
                    for (double v : vals) maxWidth = Math.max(maxWidth, sci(v).length());
                } else {
                    for (double v : vals) maxWidth = Math.max(maxWidth, fixed(v, 0).length() + 1);
                }
            } else if (wide || min < 1.0e-4) {
                sciMode = true;
                for (double v : vals) maxWidth = Math.max(maxWidth, sci(v).length());
            } else {
                for (double v : vals) maxWidth = Math.max(maxWidth, fixed(v, PRECISION).length());
            }
        }

        private String plain(long v) {
            if (dtype == DType.BOOL) return v != 0 ? "True" : "False";
            return Long.toString(v);
        }

        /** One element, right-aligned to the common width. */
        private String element(int pos) {
            String s;
            if (!floating) s = plain(longs[pos]);
            else {
                double v = doubles[pos];
                if (sciMode) s = sci(v);
                else if (intMode) s = Double.isFinite(v) ? fixed(v, 0) + "." : fixed(v, 0);
                else s = fixed(v, PRECISION);
            }
            return s.length() >= maxWidth ? s : " ".repeat(maxWidth - s.length()) + s;
        }

        /** PyTorch's _tensor_str_with_formatter for the sub-tensor at (dim, offset). */
        String tensorStr(int dim, int offset, int indent) {
            int rank = shape.length;
            if (dim == rank) return element(offset);
            if (dim == rank - 1) return vectorStr(dim, offset, indent);
            List<String> slices = new ArrayList<>();
            for (int i : shownIndices(shape[dim])) {
                slices.add(i == ELLIPSIS ? "..." : tensorStr(dim + 1, offset + i * strides[dim], indent + 1));
            }
            // Blocks of a 3-d+ tensor are separated by (rank - dim - 1) newlines: blank lines between 2-d blocks.
            String sep = "," + "\n".repeat(rank - dim - 1) + " ".repeat(indent + 1);
            return "[" + String.join(sep, slices) + "]";
        }

        private String vectorStr(int dim, int offset, int indent) {
            int elementLength = maxWidth + 2;
            int perLine = Math.max(1, (LINE_WIDTH - indent) / elementLength);
            List<String> data = new ArrayList<>();
            for (int i : shownIndices(shape[dim])) data.add(i == ELLIPSIS ? " ..." : element(offset + i * strides[dim]));
            List<String> lines = new ArrayList<>();
            for (int i = 0; i < data.size(); i += perLine) {
                lines.add(String.join(", ", data.subList(i, Math.min(data.size(), i + perLine))));
            }
            return "[" + String.join(",\n" + " ".repeat(indent + 1), lines) + "]";
        }
    }

    /** Python's "{:.Nf}": the exact binary value rounded half-even, keeping the sign of negative zero. */
    private static String fixed(double v, int decimals) {
        if (Double.isNaN(v)) return "nan";
        if (Double.isInfinite(v)) return v > 0 ? "inf" : "-inf";
        String s = new BigDecimal(v).setScale(decimals, RoundingMode.HALF_EVEN).toPlainString();
        return negative(v) && !s.startsWith("-") ? "-" + s : s;
    }

    /** Python's "{:.4e}", e.g. {@code 1.0000e-05}, {@code -2.5000e+10}. */
    private static String sci(double v) {
        if (Double.isNaN(v)) return "nan";
        if (Double.isInfinite(v)) return v > 0 ? "inf" : "-inf";
        String sign = negative(v) ? "-" : "";
        if (v == 0) return sign + "0." + "0".repeat(PRECISION) + "e+00";
        BigDecimal bd = new BigDecimal(Math.abs(v)).round(new MathContext(PRECISION + 1, RoundingMode.HALF_EVEN));
        int exp = bd.precision() - bd.scale() - 1;
        String mantissa = bd.movePointLeft(exp).setScale(PRECISION, RoundingMode.UNNECESSARY).toPlainString();
        String e = Integer.toString(Math.abs(exp));
        return sign + mantissa + "e" + (exp < 0 ? "-" : "+") + (e.length() < 2 ? "0" + e : e);
    }

    private static boolean negative(double v) { return Double.doubleToRawLongBits(v) < 0; }
}
