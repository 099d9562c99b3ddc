package tangent.nn.io;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Strict RFC 8259 JSON parser and string writer, just enough for safetensors headers. Values
 * map to: object - {@link LinkedHashMap} (insertion order, duplicate keys rejected), array -
 * {@link List}, string - {@link String}, integer - {@link BigInteger}, other number - {@link
 * BigDecimal}, true/false - {@link Boolean}, null - {@link #NULL}.
 */
final class Json {
    /** Deepest nesting of objects and arrays accepted (a header is two levels deep). */
    static final int MAX_DEPTH = 64;

    /** Stand-in for JSON null (maps cannot hold null values meaningfully). */
    static final Object NULL = new Object() {
        @Override
        public String toString() {
            return "null";
        }
    };

    /** A syntax error at a character position. */
    static final class ParseException extends Exception {
        private static final long serialVersionUID = 1L;
        final int pos;
        final String duplicateKey;
        final int depth;

        ParseException(String msg, int pos, String duplicateKey, int depth) {
            super(msg);
            this.pos = pos;
            this.duplicateKey = duplicateKey;
            this.depth = depth;
        }
    }

    private final String s;
    private int i;
    private int depth;

    Json(String s) {
        this.s = s;
    }

    /** Parses one value surrounded by optional whitespace; anything else is an error. */
    Object parseDocument() throws ParseException {
        skipWs();
        Object v = value();
        skipWs();
        if (i < s.length()) {
            throw err("unexpected " + describe(i) + " after the top-level value");
        }
        return v;
    }

    static String kind(Object v) {
        if (v instanceof Map) {
            return "object";
        } else if (v instanceof List) {
            return "array";
        } else if (v instanceof String) {
            return "string";
        } else if (v instanceof BigInteger || v instanceof BigDecimal) {
            return "number";
        } else if (v instanceof Boolean) {
            return "boolean";
        }
        return "null";
    }

    /** Appends {@code v} as a JSON string literal (non-ASCII kept as is). */
    static void writeString(StringBuilder sb, String v) {
        sb.append('"');
        for (int k = 0; k < v.length(); k++) {
            char c = v.charAt(k);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }

    private Object value() throws ParseException {
        if (i >= s.length()) {
            throw err("unexpected end of input, expected a value");
        }
        char c = s.charAt(i);
        switch (c) {
            case '{':
                return object();
            case '[':
                return array();
            case '"':
                return string();
            case 't':
                return literal("true", Boolean.TRUE);
            case 'f':
                return literal("false", Boolean.FALSE);
            case 'n':
                return literal("null", NULL);
            default:
                if (c == '-' || (c >= '0' && c <= '9')) {
                    return number();
                }
                throw err("unexpected " + describe(i) + ", expected a value");
        }
    }

    private Map<String, Object> object() throws ParseException {
        enter();
        i++; // '{'
        Map<String, Object> m = new LinkedHashMap<>();
        skipWs();
        if (peek() == '}') {
            i++;
            depth--;
            return m;
        }
        while (true) {
            skipWs();
            if (peek() != '"') {
                throw err("unexpected " + describe(i) + ", expected a string key");
            }
            int keyPos = i;
            String key = string();
            if (m.containsKey(key)) {
                throw new ParseException("duplicate key '" + key + "'", keyPos, key, depth);
            }
            skipWs();
            expect(':', "after object key");
            skipWs();
            m.put(key, value());
            skipWs();
            if (peek() == ',') {
                i++;
                continue;
            }
            if (peek() == '}') {
                i++;
                depth--;
                return m;
            }
            throw err("unexpected " + describe(i) + ", expected ',' or '}' in object");
        }
    }

    private List<Object> array() throws ParseException {
        enter();
        i++; // '['
        List<Object> list = new ArrayList<>();
        skipWs();
        if (peek() == ']') {
            i++;
            depth--;
            return list;
        }
        while (true) {
            skipWs();
            list.add(value());
            skipWs();
            if (peek() == ',') {
                i++;
                continue;
            }
            if (peek() == ']') {
                i++;
                depth--;
                return list;
            }
            throw err("unexpected " + describe(i) + ", expected ',' or ']' in array");
        }
    }

    private String string() throws ParseException {
        i++; // opening quote
        StringBuilder sb = new StringBuilder();
        while (true) {
            if (i >= s.length()) {
                throw err("unterminated string");
            }
            char c = s.charAt(i);
            if (c == '"') {
                i++;
                return sb.toString();
            }
            if (c < 0x20) {
                throw err("unescaped control " + describe(i) + " in string");
            }
            if (c != '\\') {
                sb.append(c);
                i++;
                continue;
            }
            if (i + 1 >= s.length()) {
                throw err("unterminated escape sequence");
            }
            char e = s.charAt(i + 1);
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
                    if (i + 6 > s.length()) {
                        throw err("truncated \\u escape");
                    }
                    int code = 0;
                    for (int k = i + 2; k < i + 6; k++) {
                        int d = Character.digit(s.charAt(k), 16);
                        if (d < 0) {
                            i = k;
                            throw err("invalid hex digit " + describe(k) + " in \\u escape");
                        }
                        code = code * 16 + d;
                    }
                    sb.append((char) code);
                    i += 4;
                }
                default -> throw err("invalid escape sequence '\\" + e + "'");
            }
            i += 2;
        }
    }

    private Object number() throws ParseException {
        int start = i;
        if (peek() == '-') {
            i++;
        }
        if (peek() == '0') {
            i++;
            if (isDigit(peek())) {
                throw err("leading zero in number");
            }
        } else if (isDigit(peek())) {
            while (isDigit(peek())) {
                i++;
            }
        } else {
            throw err("expected a digit after '-'");
        }
        boolean integer = true;
        if (peek() == '.') {
            integer = false;
            i++;
            if (!isDigit(peek())) {
                throw err("expected a digit after '.'");
            }
            while (isDigit(peek())) {
                i++;
            }
        }
        if (peek() == 'e' || peek() == 'E') {
            integer = false;
            i++;
            if (peek() == '+' || peek() == '-') {
                i++;
            }
            if (!isDigit(peek())) {
                throw err("expected a digit in exponent");
            }
            while (isDigit(peek())) {
                i++;
            }
        }
        String lit = s.substring(start, i);
        try {
            return integer ? new BigInteger(lit) : new BigDecimal(lit);
        } catch (NumberFormatException e) { // e.g. an exponent beyond int range
            throw err("number " + (lit.length() > 40 ? lit.substring(0, 40) + "..." : lit) + " is out of range");
        }
    }

    private Object literal(String word, Object v) throws ParseException {
        if (!s.startsWith(word, i)) {
            throw err("unexpected " + describe(i) + ", expected a value");
        }
        i += word.length();
        return v;
    }

    private void enter() throws ParseException {
        if (++depth > MAX_DEPTH) {
            throw err("nesting deeper than " + MAX_DEPTH);
        }
    }

    private void expect(char c, String where) throws ParseException {
        if (peek() != c) {
            throw err("unexpected " + describe(i) + ", expected '" + c + "' " + where);
        }
        i++;
    }

    private void skipWs() {
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                return;
            }
            i++;
        }
    }

    /** The current char, or -1 at the end. */
    private int peek() {
        return i < s.length() ? s.charAt(i) : -1;
    }

    private static boolean isDigit(int c) {
        return c >= '0' && c <= '9';
    }

    private String describe(int pos) {
        if (pos >= s.length()) {
            return "end of input";
        }
        char c = s.charAt(pos);
        if (c < 0x20 || c == 0x7f) {
            return String.format("character U+%04X", (int) c);
        }
        return "'" + c + "'";
    }

    private ParseException err(String msg) {
        return new ParseException(msg, i, null, depth);
    }
}
