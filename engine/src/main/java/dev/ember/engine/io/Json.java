package dev.ember.engine.io;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.PrettyPrinter;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Strict JSON (RFC 8259) for model files, on Jackson's streaming parser and generator. It only builds data, never
 * runs code: objects become {@code LinkedHashMap<String, Object>} (key order kept), arrays {@code ArrayList<Object>},
 * strings {@code String}, integers that fit {@code Long}, other numbers {@code Double}, {@code true}/{@code false}
 * {@code Boolean} and {@code null} Java null. Refused with a {@link JsonException} that names the offset at fault:
 * comments, trailing commas, NaN/Infinity, leading zeros, control characters in strings, lone surrogates,
 * duplicate keys, text after the value, nesting deeper than the limit and input longer than the limit.
 * Jackson's defaults refuse most of these; lone surrogates, duplicates (to name the key's own offset), numbers out of
 * double range and trailing text are checked here, and Jackson's messages are put in this class's words.
 */
public final class Json {
    /** Default nesting limit: far deeper than any model file, far shallower than the Java stack. */
    public static final int DEFAULT_MAX_DEPTH = 64;
    /** Default size limit in chars (64 Mi). */
    public static final int DEFAULT_MAX_LENGTH = 64 << 20;

    private static final JsonFactory WRITER = new JsonFactory();
    private static final JsonFactory DEFAULT_READER = reader(DEFAULT_MAX_DEPTH);

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

    private static JsonFactory reader(int maxDepth) {
        return JsonFactory.builder().streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(maxDepth).build()).build();
    }

    /** Parses text with the default depth and size limits. */
    public static Object parse(String text) { return parse(text, DEFAULT_MAX_DEPTH, DEFAULT_MAX_LENGTH); }

    /** Parses text, refusing nesting deeper than maxDepth (arrays plus objects) or more than maxLength chars. */
    public static Object parse(String text, int maxDepth, int maxLength) {
        if (text.length() > maxLength) throw new JsonException("JSON text of " + text.length() + " chars exceeds the limit of " + maxLength, 0);
        JsonFactory factory = maxDepth == DEFAULT_MAX_DEPTH ? DEFAULT_READER : reader(maxDepth);
        try (JsonParser p = factory.createParser(text)) {
            try {
                if (p.nextToken() == null) throw new JsonException("unexpected end of input, expected a value", text.length());
                Object v = value(p, text);
                int rest = skipWhitespace(text, (int) p.currentLocation().getCharOffset());
                if (rest < text.length()) throw new JsonException("unexpected " + describe(text, rest) + " after the JSON value", rest);
                return v;
            } catch (JsonProcessingException e) {
                throw inOurWords(e, p, text, maxDepth);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a String source has no I/O: only closing could land here
        }
    }

    /** Parses text that must be a JSON object. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> parseObject(String text) {
        Object v = parse(text);
        if (!(v instanceof Map)) throw new JsonException("expected a JSON object but found " + typeName(v), skipWhitespace(text, 0));
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

    /** The value whose first token the parser is on. Offsets are looked up only for errors: each costs an object. */
    private static Object value(JsonParser p, String text) throws IOException {
        switch (p.currentToken()) {
            case START_OBJECT -> {
                Map<String, Object> out = new LinkedHashMap<>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String key = checked(p.currentName(), p);
                    int duplicateAt = out.containsKey(key) ? tokenOffset(p) : -1;
                    p.nextToken();
                    Object v = value(p, text); // an error in the value is reported before the duplicate
                    if (duplicateAt >= 0) throw new JsonException("duplicate key \"" + key + "\"", duplicateAt);
                    out.put(key, v);
                }
                return out;
            }
            case START_ARRAY -> {
                List<Object> out = new ArrayList<>();
                while (p.nextToken() != JsonToken.END_ARRAY) out.add(value(p, text));
                return out;
            }
            case VALUE_STRING -> { return checked(p.getText(), p); }
            case VALUE_NUMBER_INT -> {
                // Beyond long: a double, as JavaScript would read it.
                return p.getNumberType() == JsonParser.NumberType.BIG_INTEGER ? finite(p) : (Object) p.getLongValue();
            }
            case VALUE_NUMBER_FLOAT -> { return finite(p); }
            case VALUE_TRUE -> { return Boolean.TRUE; }
            case VALUE_FALSE -> { return Boolean.FALSE; }
            case VALUE_NULL -> { return null; }
            default -> throw new JsonException("unexpected " + p.currentToken(), tokenOffset(p));
        }
    }

    private static int tokenOffset(JsonParser p) { return (int) p.currentTokenLocation().getCharOffset(); }

    private static double finite(JsonParser p) throws IOException {
        double d = p.getDoubleValue();
        if (Double.isInfinite(d)) {
            String text = p.getText();
            throw new JsonException("number " + (text.length() > 30 ? text.substring(0, 30) + "..." : text) + " is out of range", tokenOffset(p));
        }
        return d;
    }

    /** The current token's string; one with a lone surrogate has no UTF-8 encoding (Jackson passes it through): refused. */
    private static String checked(String s, JsonParser p) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) i++;
            else if (Character.isSurrogate(c)) throw new JsonException("unpaired surrogate in string", tokenOffset(p));
        }
        return s;
    }

    private static int skipWhitespace(String s, int i) {
        while (i < s.length() && " \t\r\n".indexOf(s.charAt(i)) >= 0) i++;
        return i;
    }

    private static String describe(String s, int at) {
        if (at >= s.length()) return "end of input";
        char c = s.charAt(at);
        return c < 0x20 || c > 0x7e ? String.format("character U+%04X", (int) c) : "character '" + c + "'";
    }

    /** Jackson's error as this class words it, at the offset of the character at fault. */
    private static JsonException inOurWords(JsonProcessingException e, JsonParser p, String text, int maxDepth) {
        String m = e.getOriginalMessage();
        int at = e.getLocation() != null ? (int) e.getLocation().getCharOffset() : (int) p.currentLocation().getCharOffset();
        if (e instanceof StreamConstraintsException) {
            // Raised with no location, just after reading the bracket one level too deep.
            if (m.contains("nesting depth")) return new JsonException("nesting deeper than " + maxDepth + " levels", at - 1);
            return new JsonException("JSON exceeds a limit: " + m, at);
        }
        if (m.startsWith("Unexpected end-of-input")) {
            if (m.contains("closing quote")) return new JsonException("unterminated string", openQuote(text));
            String detail = m.substring("Unexpected end-of-input".length()).replaceFirst("^:? *", "").replaceFirst(" \\(start marker.*", "");
            return new JsonException("unexpected end of input" + (detail.isEmpty() ? "" : ", " + detail), at);
        }
        if (m.startsWith("Illegal character")) { // a control character between tokens, just read
            return new JsonException("unexpected " + describe(text, at - 1) + ", expected a value", at - 1);
        }
        if (m.contains("Leading zeroes")) return new JsonException("leading zero in number", at);
        if (m.contains("CTRL-CHAR") && m.contains("string value")) {
            return new JsonException(String.format("unescaped control character U+%04X in string", (int) text.charAt(at)), at);
        }
        if (m.startsWith("Unrecognized character escape")) return new JsonException("invalid escape '\\" + text.charAt(at) + "' in string", at);
        if (m.contains("hex-digit")) return new JsonException("invalid hex digit " + describe(text, at) + " in \\u escape", at);
        if (m.contains("Decimal point not followed by a digit")) return new JsonException("expected a digit after '.' but found " + describe(text, at + 1), at + 1);
        if (m.startsWith("Unrecognized token") || m.startsWith("Non-standard token")) {
            // Jackson reads the whole bad word; name its first character, as for any other unexpected character.
            int start = at - m.split("'", 3)[1].length();
            if (text.charAt(start) == '-') return new JsonException("expected a digit but found " + describe(text, start + 1), start + 1);
            return new JsonException("unexpected " + describe(text, start) + ", expected a value", start);
        }
        if (m.startsWith("Unexpected character")) {
            String found = describe(text, at);
            if (m.contains("start field name")) return new JsonException("expected a string key but found " + found, at);
            if (m.contains("colon")) return new JsonException("expected ':' after key \"" + currentName(p) + "\" but found " + found, at);
            if (m.contains("Array entries")) return new JsonException("expected ',' or ']' but found " + found, at);
            if (m.contains("Object entries")) return new JsonException("expected ',' or '}' but found " + found, at);
            if (m.contains("root-level values")) return new JsonException("unexpected " + found + " after the JSON value", at);
            return new JsonException("unexpected " + found + ", expected a value", at);
        }
        return new JsonException(m, at);
    }

    /** Where the string that runs to the end of the text opens: the last quote outside a string. */
    private static int openQuote(String text) {
        int open = -1;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (open < 0 && c == '"') open = i;
            else if (open >= 0 && c == '\\') i++;
            else if (open >= 0 && c == '"') open = -1;
        }
        return Math.max(open, 0);
    }

    private static String currentName(JsonParser p) {
        try {
            return p.currentName();
        } catch (IOException e) {
            return "?";
        }
    }

    // ================================================================ writing

    /** Compact JSON for a value made of maps with string keys, lists, strings, numbers, booleans and null. */
    public static String write(Object value) { return write(value, false); }

    /** JSON text; pretty puts one member per line with two-space indents, short lists of scalars on one line. */
    public static String write(Object value, boolean pretty) {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = WRITER.createGenerator(out)) {
            Layout layout = pretty ? new Layout() : null;
            if (pretty) g.setPrettyPrinter(layout);
            write(g, layout, value, 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a StringWriter throws none
        }
        return out.toString();
    }

    private static void write(JsonGenerator g, Layout layout, Object v, int depth) throws IOException {
        if (depth >= 1000) throw new IllegalArgumentException("Json.write: nesting deeper than 1000 levels (a cycle?)");
        if (v == null) {
            g.writeNull();
        } else if (v instanceof String str) {
            g.writeString(checkedForWriting(str));
        } else if (v instanceof Boolean b) {
            g.writeBoolean(b);
        } else if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
            g.writeNumber(((Number) v).longValue());
        } else if (v instanceof Double || v instanceof Float) {
            double d = ((Number) v).doubleValue();
            if (!Double.isFinite(d)) throw new IllegalArgumentException("Json.write: " + d + " is not a JSON number");
            // Float's own text is the shortest that reads back to the same float.
            if (v instanceof Float f) g.writeNumber(f);
            else g.writeNumber(d);
        } else if (v instanceof Map<?, ?> m) {
            g.writeStartObject();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!(e.getKey() instanceof String k)) throw new IllegalArgumentException("Json.write: object keys must be strings, got " + e.getKey());
                g.writeFieldName(checkedForWriting(k));
                write(g, layout, e.getValue(), depth + 1);
            }
            g.writeEndObject();
        } else if (v instanceof List<?> l) {
            // Short lists of scalars (shapes, kernel sizes) stay on one line even when pretty.
            if (layout != null) layout.nextArrayFlat = l.size() <= 8 && l.stream().allMatch(x -> !(x instanceof Map) && !(x instanceof List));
            g.writeStartArray();
            for (Object x : l) write(g, layout, x, depth + 1);
            g.writeEndArray();
        } else if (v instanceof int[] a) {
            List<Object> l = new ArrayList<>();
            for (int x : a) l.add((long) x);
            write(g, layout, l, depth);
        } else if (v instanceof long[] a) {
            List<Object> l = new ArrayList<>();
            for (long x : a) l.add(x);
            write(g, layout, l, depth);
        } else {
            throw new IllegalArgumentException("Json.write: cannot write a " + v.getClass().getName());
        }
    }

    /** A lone surrogate has no UTF-8 encoding, so the reader would refuse the file: refuse it here. */
    private static String checkedForWriting(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) i++;
            else if (Character.isSurrogate(c)) {
                throw new IllegalArgumentException("Json.write: unpaired surrogate U+" + String.format("%04X", (int) c) + " at index " + i + " of a string");
            }
        }
        return s;
    }

    /**
     * Pretty layout: one member or element per line with two-space indents, except lists the writer marked flat
     * (short lists of scalars), which stay on one line as {@code [2, 3]}.
     */
    private static final class Layout implements PrettyPrinter {
        boolean nextArrayFlat;
        private final Deque<Boolean> flat = new ArrayDeque<>();
        private int depth;

        private void newline(JsonGenerator g) throws IOException { g.writeRaw("\n" + "  ".repeat(depth)); }

        @Override public void writeRootValueSeparator(JsonGenerator g) {}
        @Override public void writeStartObject(JsonGenerator g) throws IOException { g.writeRaw('{'); depth++; }
        @Override public void beforeObjectEntries(JsonGenerator g) throws IOException { newline(g); }
        @Override public void writeObjectFieldValueSeparator(JsonGenerator g) throws IOException { g.writeRaw(": "); }
        @Override public void writeObjectEntrySeparator(JsonGenerator g) throws IOException { g.writeRaw(','); newline(g); }

        @Override
        public void writeEndObject(JsonGenerator g, int entries) throws IOException {
            depth--;
            if (entries > 0) newline(g);
            g.writeRaw('}');
        }

        @Override
        public void writeStartArray(JsonGenerator g) throws IOException {
            flat.push(nextArrayFlat);
            g.writeRaw('[');
            depth++;
        }

        @Override public void beforeArrayValues(JsonGenerator g) throws IOException { if (!flat.peek()) newline(g); }

        @Override
        public void writeArrayValueSeparator(JsonGenerator g) throws IOException {
            if (flat.peek()) g.writeRaw(", ");
            else { g.writeRaw(','); newline(g); }
        }

        @Override
        public void writeEndArray(JsonGenerator g, int values) throws IOException {
            depth--;
            if (!flat.pop() && values > 0) newline(g);
            g.writeRaw(']');
        }
    }
}
