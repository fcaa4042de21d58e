package dev.ember.engine.io;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small strict JSON (RFC 8259) reader and writer for model files. It only builds data, never runs code:
 * objects become {@code LinkedHashMap<String, Object>} (key order kept), arrays {@code ArrayList<Object>},
 * strings {@code String}, integers that fit {@code Long}, other numbers {@code Double}, {@code true}/{@code false}
 * {@code Boolean} and {@code null} Java null. Refused with a {@link JsonException} that names the offset at fault:
 * comments, trailing commas, NaN/Infinity, leading zeros, control characters in strings, lone surrogates,
 * duplicate keys, text after the value, nesting deeper than the limit and input longer than the limit.
 */
public final class Json {
    /** Default nesting limit: far deeper than any model file, far shallower than the Java stack. */
    public static final int DEFAULT_MAX_DEPTH = 64;
    /** Default size limit in chars (64 Mi). */
    public static final int DEFAULT_MAX_LENGTH = 64 << 20;

    private Json() {}

    /** A JSON syntax or limit error; {@link #offset()} is the char offset in the input where it was found. */
    public static final class JsonException extends IllegalArgumentException {
        private final int offset;

        JsonException(String message, int offset) {
            super(message + " at offset " + offset);
            this.offset = offset;
        }

        public int offset() { return offset; }
    }

    /** Parses text with the default depth and size limits. */
    public static Object parse(String text) { return parse(text, DEFAULT_MAX_DEPTH, DEFAULT_MAX_LENGTH); }

    /** Parses text, refusing nesting deeper than maxDepth (arrays plus objects) or more than maxLength chars. */
    public static Object parse(String text, int maxDepth, int maxLength) {
        if (text.length() > maxLength) throw new JsonException("JSON text of " + text.length() + " chars exceeds the limit of " + maxLength, 0);
        Reader r = new Reader(text, maxDepth);
        r.skipWhitespace();
        Object v = r.value(0);
        r.skipWhitespace();
        if (r.pos < text.length()) throw new JsonException("unexpected " + r.describe(r.pos) + " after the JSON value", r.pos);
        return v;
    }

    /** Parses text that must be a JSON object. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> parseObject(String text) {
        Object v = parse(text);
        if (!(v instanceof Map)) throw new JsonException("expected a JSON object but found " + typeName(v), firstNonSpace(text));
        return (Map<String, Object>) v;
    }

    /** The JSON name of a parsed value's type, for error messages. */
    public static String typeName(Object v) {
        if (v == null) return "null";
        if (v instanceof Map) return "an object";
        if (v instanceof List) return "an array";
        if (v instanceof String) return "a string";
        if (v instanceof Boolean) return "a boolean";
        if (v instanceof Long || v instanceof Integer) return "an integer";
        if (v instanceof Number) return "a number";
        return v.getClass().getSimpleName();
    }

    private static int firstNonSpace(String s) {
        int i = 0;
        while (i < s.length() && " \t\r\n".indexOf(s.charAt(i)) >= 0) i++;
        return i;
    }

    private static final class Reader {
        final String s;
        final int maxDepth;
        int pos;

        Reader(String s, int maxDepth) {
            this.s = s;
            this.maxDepth = maxDepth;
        }

        void skipWhitespace() {
            while (pos < s.length()) {
                char c = s.charAt(pos);
                if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return;
                pos++;
            }
        }

        String describe(int at) {
            if (at >= s.length()) return "end of input";
            char c = s.charAt(at);
            return c < 0x20 || c > 0x7e ? String.format("character U+%04X", (int) c) : "character '" + c + "'";
        }

        JsonException error(String what) { return new JsonException(what, pos); }

        Object value(int depth) {
            if (pos >= s.length()) throw error("unexpected end of input, expected a value");
            char c = s.charAt(pos);
            switch (c) {
                case '{': return object(depth + 1);
                case '[': return array(depth + 1);
                case '"': return string();
                case 't': return literal("true", Boolean.TRUE);
                case 'f': return literal("false", Boolean.FALSE);
                case 'n': return literal("null", null);
                default:
                    if (c == '-' || (c >= '0' && c <= '9')) return number();
                    throw error("unexpected " + describe(pos) + ", expected a value");
            }
        }

        Object literal(String word, Object v) {
            if (!s.startsWith(word, pos)) throw error("unexpected " + describe(pos) + ", expected a value");
            pos += word.length();
            return v;
        }

        void enter(int depth) {
            if (depth > maxDepth) throw error("nesting deeper than " + maxDepth + " levels");
        }

        Map<String, Object> object(int depth) {
            enter(depth);
            int start = pos;
            pos++;
            Map<String, Object> out = new LinkedHashMap<>();
            skipWhitespace();
            if (pos < s.length() && s.charAt(pos) == '}') {
                pos++;
                return out;
            }
            while (true) {
                skipWhitespace();
                if (pos >= s.length() || s.charAt(pos) != '"') throw error("expected a string key but found " + describe(pos) + " (object opened at offset " + start + ")");
                int keyAt = pos;
                String key = string();
                skipWhitespace();
                if (pos >= s.length() || s.charAt(pos) != ':') throw error("expected ':' after key \"" + key + "\" but found " + describe(pos));
                pos++;
                skipWhitespace();
                Object v = value(depth);
                if (out.containsKey(key)) throw new JsonException("duplicate key \"" + key + "\"", keyAt);
                out.put(key, v);
                skipWhitespace();
                if (pos >= s.length()) throw error("unexpected end of input, expected ',' or '}' (object opened at offset " + start + ")");
                char c = s.charAt(pos++);
                if (c == '}') return out;
                if (c != ',') {
                    pos--;
                    throw error("expected ',' or '}' but found " + describe(pos));
                }
            }
        }

        List<Object> array(int depth) {
            enter(depth);
            int start = pos;
            pos++;
            List<Object> out = new ArrayList<>();
            skipWhitespace();
            if (pos < s.length() && s.charAt(pos) == ']') {
                pos++;
                return out;
            }
            while (true) {
                skipWhitespace();
                out.add(value(depth));
                skipWhitespace();
                if (pos >= s.length()) throw error("unexpected end of input, expected ',' or ']' (array opened at offset " + start + ")");
                char c = s.charAt(pos++);
                if (c == ']') return out;
                if (c != ',') {
                    pos--;
                    throw error("expected ',' or ']' but found " + describe(pos));
                }
            }
        }

        String string() {
            int start = pos;
            pos++; // opening quote
            StringBuilder sb = null;
            int runStart = pos;
            while (true) {
                if (pos >= s.length()) throw new JsonException("unterminated string", start);
                char c = s.charAt(pos);
                if (c == '"') {
                    String out = sb == null ? s.substring(runStart, pos) : sb.append(s, runStart, pos).toString();
                    pos++;
                    return out;
                }
                if (c < 0x20) throw error("unescaped control character U+" + String.format("%04X", (int) c) + " in string");
                if (Character.isSurrogate(c)) {
                    if (Character.isHighSurrogate(c) && pos + 1 < s.length() && Character.isLowSurrogate(s.charAt(pos + 1))) {
                        pos += 2;
                        continue;
                    }
                    throw error("unpaired surrogate in string");
                }
                if (c != '\\') {
                    pos++;
                    continue;
                }
                if (sb == null) sb = new StringBuilder();
                sb.append(s, runStart, pos);
                pos++;
                if (pos >= s.length()) throw new JsonException("unterminated string", start);
                char e = s.charAt(pos++);
                switch (e) {
                    case '"' -> sb.append('"');
                    case '\\' -> sb.append('\\');
                    case '/' -> sb.append('/');
                    case 'b' -> sb.append('\b');
                    case 'f' -> sb.append('\f');
                    case 'n' -> sb.append('\n');
                    case 'r' -> sb.append('\r');
                    case 't' -> sb.append('\t');
                    case 'u' -> {
                        char u = hex4();
                        if (Character.isHighSurrogate(u)) {
                            if (!s.startsWith("\\u", pos)) throw error("unpaired surrogate escape in string");
                            pos += 2;
                            char lo = hex4();
                            if (!Character.isLowSurrogate(lo)) throw error("unpaired surrogate escape in string");
                            sb.append(u).append(lo);
                        } else if (Character.isLowSurrogate(u)) {
                            throw error("unpaired surrogate escape in string");
                        } else {
                            sb.append(u);
                        }
                    }
                    default -> {
                        pos--;
                        throw error("invalid escape '\\" + e + "' in string");
                    }
                }
                runStart = pos;
            }
        }

        char hex4() {
            if (pos + 4 > s.length()) throw error("truncated \\u escape");
            int v = 0;
            for (int i = 0; i < 4; i++) {
                int d = Character.digit(s.charAt(pos), 16);
                if (d < 0) throw error("invalid hex digit " + describe(pos) + " in \\u escape");
                v = v * 16 + d;
                pos++;
            }
            return (char) v;
        }

        Object number() {
            int start = pos;
            if (s.charAt(pos) == '-') pos++;
            if (pos >= s.length() || !isDigit(s.charAt(pos))) throw error("expected a digit but found " + describe(pos));
            if (s.charAt(pos) == '0') {
                pos++;
                if (pos < s.length() && isDigit(s.charAt(pos))) throw error("leading zero in number");
            } else {
                while (pos < s.length() && isDigit(s.charAt(pos))) pos++;
            }
            boolean integral = true;
            if (pos < s.length() && s.charAt(pos) == '.') {
                integral = false;
                pos++;
                if (pos >= s.length() || !isDigit(s.charAt(pos))) throw error("expected a digit after '.' but found " + describe(pos));
                while (pos < s.length() && isDigit(s.charAt(pos))) pos++;
            }
            if (pos < s.length() && (s.charAt(pos) == 'e' || s.charAt(pos) == 'E')) {
                integral = false;
                pos++;
                if (pos < s.length() && (s.charAt(pos) == '+' || s.charAt(pos) == '-')) pos++;
                if (pos >= s.length() || !isDigit(s.charAt(pos))) throw error("expected a digit in exponent but found " + describe(pos));
                while (pos < s.length() && isDigit(s.charAt(pos))) pos++;
            }
            String text = s.substring(start, pos);
            if (integral && pos - start <= 20) {
                try {
                    return Long.parseLong(text);
                } catch (NumberFormatException ignored) {
                    // beyond long: fall through to double, as JavaScript would read it
                }
            }
            double d = Double.parseDouble(text);
            if (Double.isInfinite(d)) throw new JsonException("number " + (text.length() > 30 ? text.substring(0, 30) + "..." : text) + " is out of range", start);
            return d;
        }

        static boolean isDigit(char c) { return c >= '0' && c <= '9'; }
    }

    // ================================================================ writing

    /** Compact JSON for a value made of maps with string keys, lists, strings, numbers, booleans and null. */
    public static String write(Object value) { return write(value, false); }

    /** JSON text; pretty puts one member per line with two-space indents. */
    public static String write(Object value, boolean pretty) {
        StringBuilder sb = new StringBuilder();
        write(sb, value, pretty, 0);
        return sb.toString();
    }

    private static void write(StringBuilder sb, Object v, boolean pretty, int depth) {
        if (depth > 1000) throw new IllegalArgumentException("Json.write: nesting deeper than 1000 levels (a cycle?)");
        if (v == null) {
            sb.append("null");
        } else if (v instanceof String str) {
            quote(sb, str);
        } else if (v instanceof Boolean b) {
            sb.append(b);
        } else if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
            sb.append(((Number) v).longValue());
        } else if (v instanceof Double || v instanceof Float) {
            double d = ((Number) v).doubleValue();
            if (!Double.isFinite(d)) throw new IllegalArgumentException("Json.write: " + d + " is not a JSON number");
            // Float's own toString gives the shortest text that reads back to the same float.
            sb.append(v instanceof Float f ? Float.toString(f) : Double.toString(d));
        } else if (v instanceof Map<?, ?> m) {
            if (m.isEmpty()) {
                sb.append("{}");
                return;
            }
            sb.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!(e.getKey() instanceof String k)) throw new IllegalArgumentException("Json.write: object keys must be strings, got " + e.getKey());
                if (!first) sb.append(',');
                first = false;
                newline(sb, pretty, depth + 1);
                quote(sb, k);
                sb.append(pretty ? ": " : ":");
                write(sb, e.getValue(), pretty, depth + 1);
            }
            newline(sb, pretty, depth);
            sb.append('}');
        } else if (v instanceof List<?> l) {
            if (l.isEmpty()) {
                sb.append("[]");
                return;
            }
            // Short lists of scalars (shapes, kernel sizes) stay on one line even when pretty.
            boolean flat = !pretty || l.size() <= 8 && l.stream().allMatch(x -> !(x instanceof Map) && !(x instanceof List));
            sb.append('[');
            for (int i = 0; i < l.size(); i++) {
                if (i > 0) sb.append(flat && pretty ? ", " : ",");
                if (!flat) newline(sb, true, depth + 1);
                write(sb, l.get(i), pretty, depth + 1);
            }
            if (!flat) newline(sb, true, depth);
            sb.append(']');
        } else if (v instanceof int[] a) {
            List<Object> l = new ArrayList<>();
            for (int x : a) l.add((long) x);
            write(sb, l, pretty, depth);
        } else if (v instanceof long[] a) {
            List<Object> l = new ArrayList<>();
            for (long x : a) l.add(x);
            write(sb, l, pretty, depth);
        } else {
            throw new IllegalArgumentException("Json.write: cannot write a " + v.getClass().getName());
        }
    }

    private static void newline(StringBuilder sb, boolean pretty, int depth) {
        if (!pretty) return;
        sb.append('\n');
        sb.append("  ".repeat(depth));
    }

    private static void quote(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    // A lone surrogate has no UTF-8 encoding, so the reader would refuse the file: refuse it here.
                    boolean loneSurrogate = Character.isSurrogate(c) && !(Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1)))
                            && !(Character.isLowSurrogate(c) && i > 0 && Character.isHighSurrogate(s.charAt(i - 1)));
                    if (loneSurrogate) throw new IllegalArgumentException("Json.write: unpaired surrogate U+" + String.format("%04X", (int) c) + " at index " + i + " of a string");
                    if (c < 0x20) sb.append(String.format("\\u%04x", (int) c));
                    else sb.append(c);
                }
            }
        }
        sb.append('"');
    }

}
