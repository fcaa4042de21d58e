package dev.ember.engine.io;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JsonTest {
    private static Json.JsonException error(String text) {
        return assertThrows(Json.JsonException.class, () -> Json.parse(text), text);
    }

    @Test
    void parsesEveryKindOfValue() {
        Object v = Json.parse(" {\"a\": [1, -2, 3.5, -0.25e2, 1E3, true, false, null], \"b\": {\"c\": \"d\"}, \"e\": {}, \"f\": []}\n");
        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("a", Arrays.asList(1L, -2L, 3.5, -25.0, 1000.0, true, false, null));
        expected.put("b", Map.of("c", "d"));
        expected.put("e", Map.of());
        expected.put("f", List.of());
        assertEquals(expected, v);
        assertEquals(List.of("a", "b", "e", "f"), new ArrayList<>(((Map<?, ?>) v).keySet()), "key order is kept");
        assertNull(Json.parse("null"));
        assertEquals(Long.MAX_VALUE, Json.parse("9223372036854775807"));
        assertEquals(9223372036854775808.0, Json.parse("9223372036854775808"), "beyond long becomes a double");
        assertEquals(0L, Json.parse("-0"));
    }

    @Test
    void decodesEscapes() {
        assertEquals("q\"b\\s/\b\f\n\r\té😀", Json.parse("\"q\\\"b\\\\s\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00\""));
        assertEquals("raw é 😀", Json.parse("\"raw é 😀\""));
    }

    @Test
    void syntaxErrorsNameTheOffset() {
        assertEquals(5, error("[1,2,]").offset());
        assertTrue(error("[1,2,]").getMessage().contains("unexpected character ']'"), error("[1,2,]").getMessage());
        assertEquals(8, error("{\"a\": 1,}").offset());
        assertEquals(1, error("01").offset());
        assertTrue(error("01").getMessage().contains("leading zero"));
        assertEquals(0, error("NaN").offset());
        assertEquals(1, error("-Infinity").offset());
        assertEquals(0, error("// c\n1").offset());
        assertEquals(0, error("'a'").offset());
        assertEquals(2, error("1 2").offset());
        assertTrue(error("1 2").getMessage().contains("after the JSON value"));
        assertEquals(0, error("").offset());
        assertEquals(0, error("\"abc").offset());
        assertTrue(error("\"abc").getMessage().contains("unterminated string"));
        assertEquals(2, error("\"a\nb\"").offset());
        assertTrue(error("\"a\nb\"").getMessage().contains("control character U+000A"));
        assertEquals(2, error("\"\\x\"").offset());
        assertTrue(error("\"\\ud800\"").getMessage().contains("unpaired surrogate"));
        assertTrue(error("\"\\u12g4\"").getMessage().contains("invalid hex digit"));
        assertEquals(5, error("{\"a\" 1}").offset());
        assertEquals(1, error("{1: 2}").offset());
        assertEquals(2, error("1.").offset());
        assertEquals(2, error("1e").offset());
        assertTrue(error("1e999").getMessage().contains("out of range"));
        assertEquals(1, error("[").offset());
        assertEquals(0, error("tru").offset());
        // Offsets counted by hand: the string opens at 4 (its escaped quote does not close it), '2' sits at 3,
        // the second key's quote at 7, the NUL at 0.
        assertEquals(4, error("[1, \"a\\\"b").offset());
        assertTrue(error("[1, \"a\\\"b").getMessage().contains("unterminated string"));
        assertEquals(3, error("[1 2]").offset());
        assertTrue(error("[1 2]").getMessage().contains("expected ',' or ']' but found character '2'"), error("[1 2]").getMessage());
        assertEquals(7, error("{\"a\":1 \"b\":2}").offset());
        assertTrue(error("{\"a\":1 \"b\":2}").getMessage().contains("expected ',' or '}'"));
        assertEquals(0, error("\u0000").offset());
        assertTrue(error("\u0000").getMessage().contains("character U+0000"));
    }

    @Test
    void duplicateKeysAreRefused() {
        Json.JsonException e = error("{\"a\": 1, \"b\": 2, \"a\": 3}");
        assertEquals(17, e.offset());
        assertTrue(e.getMessage().contains("duplicate key \"a\""), e.getMessage());
    }

    @Test
    void nestingAndSizeAreLimited() {
        String deep = "[".repeat(1_000_000) + "]".repeat(1_000_000);
        Json.JsonException e = error(deep);
        assertTrue(e.getMessage().contains("nesting deeper than 64 levels"), e.getMessage());
        assertEquals(64, e.offset());
        assertEquals(List.of(List.of(List.of())), Json.parse("[[[]]]", 3, 100));
        assertThrows(Json.JsonException.class, () -> Json.parse("[[[[]]]]", 3, 100));
        Json.JsonException big = assertThrows(Json.JsonException.class, () -> Json.parse("[1, 2, 3]", 64, 5));
        assertTrue(big.getMessage().contains("exceeds the limit of 5"), big.getMessage());
    }

    @Test
    void writesCompactAndPrettyJsonThatReadsBack() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("s", "a\"b\\c\n\u0001é");
        m.put("i", 3);
        m.put("l", -4L);
        m.put("d", 0.1);
        m.put("f", 0.1f);
        m.put("b", true);
        m.put("n", null);
        m.put("shape", new int[]{2, 3});
        m.put("list", List.of(Map.of("k", 1L)));
        m.put("empty", Map.of());
        String compact = Json.write(m);
        assertEquals("{\"s\":\"a\\\"b\\\\c\\n\\u0001é\",\"i\":3,\"l\":-4,\"d\":0.1,\"f\":0.1,\"b\":true,\"n\":null,\"shape\":[2,3],\"list\":[{\"k\":1}],\"empty\":{}}", compact);
        String pretty = Json.write(m, true);
        assertTrue(pretty.contains("\n  \"shape\": [2, 3],\n"), pretty);
        Map<String, Object> back = new LinkedHashMap<>(m);
        back.put("i", 3L);
        back.put("f", 0.1);
        back.put("shape", List.of(2L, 3L));
        assertEquals(back, Json.parse(compact));
        assertEquals(back, Json.parse(pretty));
    }

    @Test
    void writerRefusesWhatJsonCannotHold() {
        assertThrows(IllegalArgumentException.class, () -> Json.write(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> Json.write(Map.of(1, 2)));
        assertThrows(IllegalArgumentException.class, () -> Json.write(new Object()));
        assertThrows(IllegalArgumentException.class, () -> Json.write("\ud800"));
        List<Object> cycle = new ArrayList<>();
        cycle.add(cycle);
        assertThrows(IllegalArgumentException.class, () -> Json.write(cycle));
    }
}
